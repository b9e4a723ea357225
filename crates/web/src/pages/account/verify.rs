//! Email verification: the mailed link shows a one-button form (so that mail scanners that
//! follow links verify nothing), and the button confirms.

use axum::extract::{Query, State};
use axum::response::Html;
use chrono::Utc;
use paperboy_accounts::hash_token;
use paperboy_store::TokenKind;
use serde::Deserialize;

use super::{FormPage, TokenQuery};
use crate::error::PageError;
use crate::kit::{notice, render, CsrfForm};
use crate::{AppError, AppState};

pub async fn form(Query(query): Query<TokenQuery>) -> Result<Html<String>, PageError> {
    Ok(render(&FormPage {
        heading: "Confirm your email address",
        action: "/verify".into(),
        error: None,
        notice: None,
        fields: Vec::new(),
        hidden: vec![("token", query.token.chars().take(128).collect())],
        submit: "Confirm",
        links: Vec::new(),
    })?)
}

#[derive(Deserialize, Default)]
pub struct VerifyForm {
    #[serde(default)]
    token: String,
}

pub async fn submit(
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<VerifyForm>,
) -> Result<Html<String>, PageError> {
    let token_hash = hash_token(&form.token);
    let user = state
        .with_store(move |s| {
            let user = s.take_token(&token_hash, TokenKind::VerifyEmail, Utc::now())?;
            if let Some(user) = &user {
                s.set_email_verified(user.id)?;
            }
            Ok(user)
        })
        .await?;
    match user {
        Some(_) => Ok(notice(
            "Email confirmed",
            "Thank you: your email address is confirmed.",
        )?),
        None => Err(AppError::BadRequest(
            "This confirmation link is invalid, used or expired. Send a new one from your settings.".into(),
        )
        .into()),
    }
}
