//! One-time links mailed to an account (password reset, email verification).

use chrono::Duration;
use paperboy_store::{TokenKind, User};

use crate::kit::blocking;
use crate::{AppError, AppState};

/// How long an email-verification link works.
const VERIFY_LINK_HOURS: i64 = 48;

/// Creates a one-time token of `kind` for `user_id`, valid `hours`; returns it (only its hash
/// is stored).
pub async fn one_time_link(state: &AppState, user_id: i64, kind: TokenKind, hours: i64) -> Result<String, AppError> {
    super::issue_token(state, user_id, kind, Duration::hours(hours)).await
}

/// Sends (or, where configured, logs) a link for an account; never fails the request.
pub async fn send_account_link(state: &AppState, user: &User, subject: &str, intro: &str, path_and_query: String) {
    let link = match &state.digests {
        Some(site) => site.settings.link(&path_and_query),
        None => format!("{}{}", state.settings.base_url.trim_end_matches('/'), path_and_query),
    };
    let Some(site) = state.digests.clone() else {
        if state.settings.log_account_links {
            tracing::warn!(user = %user.name, %link, "no mail server configured: account link logged instead of sent");
        } else {
            tracing::error!(user = %user.name, "cannot send an account link: no mail server configured (set PAPERBOY_SMTP_URL, or PAPERBOY_LOG_ACCOUNT_LINKS=1 for a private instance)");
        }
        return;
    };
    let text = format!(
        "Hello {},\n\n{intro}\n\n{link}\n\nIf you did not ask for this, ignore this mail.\n\n— paperboy\n",
        user.name
    );
    let (email, subject) = (user.email.clone(), subject.to_string());
    let sent = blocking(move || {
        let message = paperboy_digest::account_message(&site.settings, &email, &subject, text)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        site.sender
            .send(&message)
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await;
    if let Err(e) = sent {
        tracing::error!(user = %user.name, error = %e, "sending an account mail failed");
    }
}

/// Mails `user` a link that confirms their address.
pub async fn send_verification(state: &AppState, user: &User) -> Result<(), AppError> {
    let token = one_time_link(state, user.id, TokenKind::VerifyEmail, VERIFY_LINK_HOURS).await?;
    send_account_link(
        state,
        user,
        "Confirm your paperboy email address",
        "Follow this link to confirm your email address (it works for 48 hours):",
        format!("/verify?token={token}"),
    )
    .await;
    Ok(())
}
