//! `/settings`: change the password (ending every other session), keep signals (upvotes and
//! follows) private or show them on the profile, resend the address confirmation, create and
//! revoke API tokens, sign out everywhere.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use paperboy_accounts::{new_token, validate_password, Action};
use paperboy_store::{NewToken, TokenKind, User};
use serde::Deserialize;

use super::mail::send_verification;
use super::{check_password, hash, start_session, with_cookie, ButtonForm};
use crate::auth::{clear_session_cookie, Viewer};
use crate::error::PageError;
use crate::kit::{redirect_local, render, CsrfForm, SignedIn};
use crate::{AppError, AppState};

/// API tokens one account may hold.
const MAX_API_TOKENS: usize = 20;

pub struct TokenRow {
    id: i64,
    label: String,
    created: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    user: User,
    notice: Option<String>,
    new_token: Option<String>,
    tokens: Vec<TokenRow>,
}

async fn page(
    state: &AppState,
    user: User,
    notice: Option<String>,
    new_token: Option<String>,
) -> Result<Response, PageError> {
    let user_id = user.id;
    let tokens = state.with_store(move |s| s.tokens(user_id, TokenKind::Api)).await?;
    let format =
        |t: Option<DateTime<Utc>>| t.map_or("never".to_string(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string());
    let tokens = tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            label: t.label.unwrap_or_default(),
            created: format(Some(t.created_at)),
            last_used: format(t.last_used_at),
        })
        .collect();
    let page = SettingsPage {
        user,
        notice,
        new_token,
        tokens,
    };
    Ok(render(&page)?.into_response())
}

pub async fn show(State(state): State<AppState>, SignedIn(user): SignedIn) -> Result<Response, PageError> {
    page(&state, user, None, None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    SignedIn(user): SignedIn,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    // Limited per address and per this signed-in account, never by sign-ins others failed
    // for its name (those must not stop its owner changing the password).
    state
        .limits
        .check(Action::SignIn, &[&viewer.client, &format!("user:{}", user.id)])
        .await?;
    if !check_password(form.current.clone(), Some(user.password_hash.clone())).await? {
        return Err(AppError::Forbidden("The current password is wrong.".into()).into());
    }
    if let Err(e) = validate_password(&form.password, &user.name) {
        return Err(AppError::BadRequest(e.to_string()).into());
    }
    let password_hash = hash(form.password.clone()).await?;
    let user_id = user.id;
    state
        .with_store(move |s| s.set_password(user_id, &password_hash))
        .await?;
    // Every session ended, this one too; start a fresh one for this browser.
    Ok(start_session(&state, user_id, "/settings").await?)
}

#[derive(Deserialize)]
pub struct PrivacyForm {
    /// The "Keep my signals private" checkbox: sent when ticked.
    #[serde(default)]
    private: Option<String>,
    /// Where to go afterwards (`/settings/for-you` has the switch too); `/settings` by default.
    #[serde(default)]
    next: Option<String>,
}

/// `POST /settings/privacy`: the one switch for what the profile shows of a reader's signals
/// (their upvotes and follows; see docs/for-you.md), `users.votes_public` in the store.
pub async fn privacy(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    CsrfForm(form): CsrfForm<PrivacyForm>,
) -> Result<Response, PageError> {
    let (user_id, public) = (user.id, form.private.is_none());
    state.with_store(move |s| s.set_votes_public(user_id, public)).await?;
    Ok(redirect_local(form.next.as_deref().unwrap_or_default(), "/settings").into_response())
}

pub async fn resend_verification(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    CsrfForm(_): CsrfForm<ButtonForm>,
) -> Result<Response, PageError> {
    state
        .limits
        .check(
            Action::PasswordReset,
            &[&format!("email:{}", user.email.to_lowercase())],
        )
        .await?;
    send_verification(&state, &user).await?;
    page(
        &state,
        user,
        Some("A new confirmation link is on its way.".into()),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    label: String,
}

pub async fn create_api_token(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response, PageError> {
    let label: String = form.label.trim().chars().filter(|c| !c.is_control()).take(64).collect();
    if label.is_empty() {
        return Err(AppError::BadRequest("Give the token a name, so that you can tell it apart later.".into()).into());
    }
    let too_many = format!("An account can hold at most {MAX_API_TOKENS} API tokens; revoke one first.");
    let token = create_token(&state, user.id, TokenKind::Api, label, MAX_API_TOKENS, too_many).await?;
    page(&state, user, None, Some(token)).await
}

/// Creates a lasting token of `kind` for a user, at most `max` of that kind (else 409 with
/// `too_many`); returns it (only its hash is stored, so it is shown once). API tokens and
/// private feed links are made this way.
pub(crate) async fn create_token(
    state: &AppState,
    user_id: i64,
    kind: TokenKind,
    label: String,
    max: usize,
    too_many: String,
) -> Result<String, AppError> {
    let (token, token_hash) = new_token();
    state
        .with_store(move |s| {
            if s.tokens(user_id, kind)?.len() >= max {
                return Ok(None);
            }
            s.insert_token(&NewToken {
                hash: &token_hash,
                user_id,
                kind,
                label: Some(&label),
                expires_at: None,
            })
            .map(Some)
        })
        .await?
        .ok_or(AppError::Conflict(too_many))?;
    Ok(token)
}

pub async fn revoke_api_token(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<ButtonForm>,
) -> Result<Response, PageError> {
    let user_id = user.id;
    if !state
        .with_store(move |s| s.delete_token_of(user_id, TokenKind::Api, id))
        .await?
    {
        return Err(AppError::NotFound("You have no such token.".into()).into());
    }
    Ok(Redirect::to("/settings").into_response())
}

pub async fn signout_everywhere(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    CsrfForm(_): CsrfForm<ButtonForm>,
) -> Result<Response, PageError> {
    let user_id = user.id;
    state
        .with_store(move |s| s.delete_tokens(user_id, TokenKind::Session))
        .await?;
    Ok(with_cookie(Redirect::to("/"), &clear_session_cookie(&state)))
}
