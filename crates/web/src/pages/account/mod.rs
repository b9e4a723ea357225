//! Accounts on the site, one module per flow: sign up, sign in and out, password reset, email
//! verification, settings (password, privacy, API tokens). This module holds what the flows
//! share: the form page, sessions, password hashing off the async threads.
//!
//! Messages never reveal whether an account exists: a failed sign-in says "wrong name or
//! password" either way (and takes as long), a reset request always says "if an account has
//! that address, a link is on its way".

mod mail;
mod reset;
pub(crate) mod settings;
mod signin;
mod signup;
mod verify;

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{Duration, Utc};
use paperboy_accounts::password::burn_verification_time;
use paperboy_accounts::{hash_password, new_token, verify_password};
use paperboy_store::{NewToken, TokenKind};
use serde::Deserialize;

use crate::auth::{session_cookie, SESSION_DAYS};
use crate::error::PageError;
use crate::kit::{blocking, render};
use crate::{AppError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup::form).post(signup::submit))
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signout", post(signin::signout))
        .route("/reset", get(reset::request_form).post(reset::request))
        .route("/reset/confirm", get(reset::form).post(reset::submit))
        .route("/verify", get(verify::form).post(verify::submit))
        .route("/settings", get(settings::show))
        .route("/settings/password", post(settings::change_password))
        .route("/settings/privacy", post(settings::privacy))
        .route("/settings/verify", post(settings::resend_verification))
        .route("/settings/tokens", post(settings::create_api_token))
        .route("/settings/tokens/{id}/revoke", post(settings::revoke_api_token))
        .route("/settings/signout-everywhere", post(settings::signout_everywhere))
}

/// A form with nothing but its CSRF token (a button).
#[derive(Deserialize)]
pub struct ButtonForm {}

/// `?token=…` of a link from a mail.
#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

// --- the form page every flow shows ----------------------------------------------------------

pub struct Field {
    pub label: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub required: bool,
    pub autocomplete: &'static str,
    pub max_length: usize,
}

impl Field {
    fn new(label: &'static str, name: &'static str, kind: &'static str, autocomplete: &'static str) -> Field {
        Field {
            label,
            name,
            kind,
            value: String::new(),
            required: true,
            autocomplete,
            max_length: 256,
        }
    }

    fn with_value(mut self, value: &str) -> Field {
        self.value = value.chars().take(self.max_length).collect();
        self
    }
}

#[derive(Template)]
#[template(path = "account_form.html")]
pub struct FormPage {
    pub heading: &'static str,
    pub action: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub fields: Vec<Field>,
    pub hidden: Vec<(&'static str, String)>,
    pub submit: &'static str,
    pub links: Vec<(&'static str, &'static str)>,
}

/// A form page answered with a status (400 for bad input, 401 for a failed sign-in, 409 for a
/// taken name).
fn form_with_status(status: StatusCode, page: FormPage) -> Result<Response, PageError> {
    Ok((status, render(&page)?).into_response())
}

// --- passwords and sessions --------------------------------------------------------------------

/// Argon2 is deliberately slow: hash off the async threads.
async fn hash(password: String) -> Result<String, AppError> {
    blocking(move || hash_password(&password).map_err(|e| AppError::Internal(e.to_string()))).await
}

/// Whether `password` matches `stored`; without a stored hash it takes as long and says no, so
/// that timing does not tell whether an account exists.
async fn check_password(password: String, stored: Option<String>) -> Result<bool, AppError> {
    blocking(move || {
        Ok::<_, AppError>(match stored {
            Some(stored) => verify_password(&password, &stored),
            None => {
                burn_verification_time(&password);
                false
            }
        })
    })
    .await
}

/// Stores a fresh token of `kind` for `user_id`, valid for `valid_for`, and returns it (only
/// its hash is kept).
async fn issue_token(state: &AppState, user_id: i64, kind: TokenKind, valid_for: Duration) -> Result<String, AppError> {
    let (token, token_hash) = new_token();
    state
        .with_store(move |s| {
            s.insert_token(&NewToken {
                hash: &token_hash,
                user_id,
                kind,
                label: None,
                expires_at: Some(Utc::now() + valid_for),
            })
        })
        .await?;
    Ok(token)
}

/// Starts a session for `user_id`: a redirect to `next` that sets the cookie.
async fn start_session(state: &AppState, user_id: i64, next: &str) -> Result<Response, AppError> {
    let token = issue_token(state, user_id, TokenKind::Session, Duration::days(SESSION_DAYS)).await?;
    Ok(with_cookie(Redirect::to(next), &session_cookie(state, &token)))
}

/// A response that also sets a cookie.
pub(crate) fn with_cookie(response: impl IntoResponse, cookie: &str) -> Response {
    let mut response = response.into_response();
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
