//! Sign in (by name or email) and sign out.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Redirect, Response};
use paperboy_accounts::{hash_token, Action};
use serde::Deserialize;

use super::{check_password, form_with_status, start_session, with_cookie, ButtonForm, Field, FormPage};
use crate::auth::{clear_session_cookie, Viewer};
use crate::error::PageError;
use crate::kit::{render, safe_next, CsrfForm};
use crate::{AppError, AppState};

#[derive(Deserialize, Default)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

fn page(login: &str, next: &str, error: Option<String>) -> FormPage {
    FormPage {
        heading: "Sign in",
        action: "/signin".into(),
        error,
        notice: None,
        fields: vec![
            Field::new("User name or email", "login", "text", "username").with_value(login),
            Field::new("Password", "password", "password", "current-password"),
        ],
        hidden: vec![("next", next.to_string())],
        submit: "Sign in",
        links: vec![
            ("/reset", "Forgot your password?"),
            ("/signup", "No account yet? Sign up"),
        ],
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn form(Query(query): Query<NextQuery>) -> Result<Html<String>, PageError> {
    Ok(render(&page("", &safe_next(query.next.as_deref()), None))?)
}

pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> Result<Response, PageError> {
    let login = form.login.trim().to_string();
    let next = safe_next(form.next.as_deref());
    // Attempts are limited per address; per account, only failures count (below), so that
    // strangers guessing cannot lock the owner out.
    state.limits.check(Action::SignIn, &[&viewer.client]).await?;
    let wanted = login.clone();
    let user = state
        .with_store(move |s| {
            if wanted.contains('@') {
                s.user_by_email(&wanted)
            } else {
                s.user_by_name(&wanted)
            }
        })
        .await?;
    // The password is checked (Argon2 runs) whether or not the account exists.
    let ok = check_password(form.password.clone(), user.as_ref().map(|u| u.password_hash.clone())).await?;
    let account_key = match &user {
        Some(user) => format!("account:{}", user.id),
        None => format!("login:{}", login.to_lowercase()),
    };
    state.limits.settle_sign_in(&account_key, &viewer.client, ok).await?;
    match user {
        Some(user) if ok && !user.banned => Ok(start_session(&state, user.id, &next).await?),
        Some(user) if ok && user.banned => Err(AppError::Forbidden("This account is suspended.".into()).into()),
        _ => form_with_status(
            StatusCode::UNAUTHORIZED,
            page(&login, &next, Some("Wrong user name or password.".into())),
        ),
    }
}

/// Ends this browser's session.
pub async fn signout(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(_): CsrfForm<ButtonForm>,
) -> Result<Response, PageError> {
    if let Some(session) = viewer.session_token.clone() {
        state.with_store(move |s| s.delete_token(&hash_token(&session))).await?;
    }
    Ok(with_cookie(Redirect::to("/"), &clear_session_cookie(&state)))
}
