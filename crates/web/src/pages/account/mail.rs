//! One-time links mailed to an account (password reset, email verification): queued in the
//! outbox (`crate::outbox`), or logged where no mail server is configured and the operator
//! asked for that.

use chrono::Duration;
use paperboy_store::{TokenKind, User};

use crate::outbox::{account_mail, queue_message};
use crate::{AppError, AppState};

/// How long an email-verification link works.
const VERIFY_LINK_HOURS: i64 = 48;

/// Creates a one-time token of `kind` for `user_id`, valid `hours`; returns it (only its hash
/// is stored).
pub async fn one_time_link(state: &AppState, user_id: i64, kind: TokenKind, hours: i64) -> Result<String, AppError> {
    super::issue_token(state, user_id, kind, Duration::hours(hours)).await
}

/// Queues (or, where configured, logs) a link for an account; never fails the request.
pub async fn send_account_link(state: &AppState, user: &User, subject: &str, intro: &str, path_and_query: String) {
    let Some(site) = state.digests.clone() else {
        let link = format!("{}{}", state.settings.base_url.trim_end_matches('/'), path_and_query);
        if state.settings.log_account_links {
            tracing::warn!(user = %user.name, %link, "no mail server configured: account link logged instead of sent");
        } else {
            tracing::error!(user = %user.name, "cannot send an account link: no mail server configured (set PAPERBOY_SMTP_URL, or PAPERBOY_LOG_ACCOUNT_LINKS=1 for a private instance)");
        }
        return;
    };
    let queued = match account_mail(&site.settings, user, subject, intro, &path_and_query) {
        Ok(message) => queue_message(state, message).await,
        Err(e) => Err(AppError::Internal(e.to_string())),
    };
    if let Err(e) = queued {
        tracing::error!(user = %user.name, error = %e, "queueing an account mail failed");
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
