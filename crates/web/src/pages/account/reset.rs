//! Password reset: ask for a link by email, then choose a new password with it (which ends
//! every session and verifies the address).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use paperboy_accounts::{hash_token, validate_password, Action};
use paperboy_store::{MailKind, TokenKind};
use serde::Deserialize;

use super::mail::{one_time_link, send_account_link};
use super::{form_with_status, hash, Field, FormPage, TokenQuery};
use crate::auth::Viewer;
use crate::error::PageError;
use crate::kit::{render, CsrfForm, Notice};
use crate::outbox::{queue_intent, RESET_INTRO, RESET_LINK_HOURS, RESET_SUBJECT};
use crate::{AppError, AppState};

#[derive(Deserialize, Default)]
pub struct ResetRequestForm {
    #[serde(default)]
    email: String,
}

fn request_page(notice: Option<String>) -> FormPage {
    FormPage {
        heading: "Reset your password",
        action: "/reset".into(),
        error: None,
        notice,
        fields: vec![Field::new("Email", "email", "email", "email")],
        hidden: Vec::new(),
        submit: "Send a reset link",
        links: vec![("/signin", "Back to sign in")],
    }
}

pub async fn request_form() -> Result<Html<String>, PageError> {
    Ok(render(&request_page(None))?)
}

pub async fn request(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<ResetRequestForm>,
) -> Result<Html<String>, PageError> {
    let email = form.email.trim().to_lowercase();
    state
        .limits
        .check(Action::PasswordReset, &[&viewer.client, &format!("email:{email}")])
        .await?;
    if state.digests.is_some() {
        // Only the outbox's worker looks the address up: the request does the same work, and
        // takes the same time, whether or not an account has it.
        queue_intent(&state, MailKind::PasswordReset, email, Vec::new()).await?;
    } else {
        // No mail server: the link can only be logged (a private instance), found right here.
        let wanted = email.clone();
        if let Some(user) = state.with_store(move |s| s.user_by_email(&wanted)).await? {
            if !user.banned {
                let token = one_time_link(&state, user.id, TokenKind::PasswordReset, RESET_LINK_HOURS).await?;
                send_account_link(
                    &state,
                    &user,
                    RESET_SUBJECT,
                    RESET_INTRO,
                    format!("/reset/confirm?token={token}"),
                )
                .await;
            }
        }
    }
    // The same answer whether or not the address has an account.
    Ok(render(&request_page(Some(
        "If an account has that address, a reset link is on its way. It works for one hour.".into(),
    )))?)
}

fn page(token: &str, error: Option<String>) -> FormPage {
    FormPage {
        heading: "Choose a new password",
        action: "/reset/confirm".into(),
        error,
        notice: None,
        fields: vec![Field::new(
            "New password (at least 10 characters)",
            "password",
            "password",
            "new-password",
        )],
        hidden: vec![("token", token.chars().take(128).collect())],
        submit: "Set password",
        links: Vec::new(),
    }
}

pub async fn form(Query(query): Query<TokenQuery>) -> Result<Html<String>, PageError> {
    Ok(render(&page(&query.token, None))?)
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(State(state): State<AppState>, CsrfForm(form): CsrfForm<ResetForm>) -> Result<Response, PageError> {
    // Check the password first, so that a too-short one does not spend the one-time link.
    if let Err(e) = validate_password(&form.password, "") {
        return form_with_status(StatusCode::BAD_REQUEST, page(&form.token, Some(e.to_string())));
    }
    let token_hash = hash_token(&form.token);
    let user = state
        .with_store(move |s| s.take_token(&token_hash, TokenKind::PasswordReset, Utc::now()))
        .await?;
    let Some(user) = user else {
        return Err(AppError::BadRequest(
            "This reset link is invalid, used or expired. Ask for a new one at /reset.".into(),
        )
        .into());
    };
    if let Err(e) = validate_password(&form.password, &user.name) {
        return form_with_status(
            StatusCode::BAD_REQUEST,
            page("", Some(format!("{e} Ask for a new link at /reset."))),
        );
    }
    let password_hash = hash(form.password.clone()).await?;
    let user_id = user.id;
    state
        .with_store(move |s| {
            s.set_password(user_id, &password_hash)?;
            // Proving the mailbox also verifies the address.
            s.set_email_verified(user_id)?;
            s.delete_tokens(user_id, TokenKind::PasswordReset)
        })
        .await?;
    let done = Notice::with_links(
        "Password changed",
        "Your password is changed and every session was signed out. Sign in with the new password.",
        vec![("/signin".into(), "Sign in".into())],
    );
    Ok(done.page()?.into_response())
}
