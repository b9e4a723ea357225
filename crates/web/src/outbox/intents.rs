//! Turning intents into mail, on the worker: only here is it looked up whether an address has
//! an account or a subscription, so that the request that queued the intent did the same work
//! either way (and answered in the same time).

use chrono::{Duration, Utc};
use paperboy_accounts::new_token;
use paperboy_digest::{confirmation, Prepared, SendError};
use paperboy_store::{Backend, Frequency, MailKind, NewToken, QueuedMail, SubscriberStatus, TokenKind};
use serde::{Deserialize, Serialize};

use super::account_mail;
use crate::DigestSite;

/// How long a password-reset link works.
pub(crate) const RESET_LINK_HOURS: i64 = 1;
/// The reset mail's subject and the line before its link (queued or, without mail, logged).
pub(crate) const RESET_SUBJECT: &str = "Reset your paperboy password";
pub(crate) const RESET_INTRO: &str = "Follow this link to choose a new password (it works for one hour, once):";

/// What a subscription request asked for; its address is the intent's recipient.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SubscribeRequest {
    /// `daily` or `weekly`.
    pub frequency: String,
    pub topics: Vec<String>,
    /// Granted only to the signed-in owner of the (verified) address: checked by the request.
    pub like_upvoted: bool,
}

/// The mail an intent becomes, or why there is none.
pub(super) fn prepare(store: &dyn Backend, site: &DigestSite, mail: &QueuedMail) -> Result<Prepared, SendError> {
    match mail.kind {
        MailKind::PasswordReset => password_reset(store, site, &mail.recipient),
        MailKind::Subscribe => {
            let request: SubscribeRequest = serde_json::from_slice(&mail.payload)
                .map_err(|e| SendError::Permanent(format!("the subscription request is unreadable: {e}")))?;
            subscribe(site, &mail.recipient, &request)
        }
        MailKind::Message => Err(SendError::Permanent("a finished message needs no preparing".into())),
    }
}

fn password_reset(store: &dyn Backend, site: &DigestSite, email: &str) -> Result<Prepared, SendError> {
    let Some(user) = store.user_by_email(email).map_err(unavailable)? else {
        return Ok(Prepared::Nothing("no account has this address".into()));
    };
    if user.banned {
        return Ok(Prepared::Nothing("the account is banned".into()));
    }
    let (token, hash) = new_token();
    store
        .insert_token(&NewToken {
            hash: &hash,
            user_id: user.id,
            kind: TokenKind::PasswordReset,
            label: None,
            expires_at: Some(Utc::now() + Duration::hours(RESET_LINK_HOURS)),
        })
        .map_err(unavailable)?;
    let message = account_mail(
        &site.settings,
        &user,
        RESET_SUBJECT,
        RESET_INTRO,
        &format!("/reset/confirm?token={token}"),
    )?;
    Ok(Prepared::Message {
        recipient: user.email,
        message,
    })
}

fn subscribe(site: &DigestSite, email: &str, request: &SubscribeRequest) -> Result<Prepared, SendError> {
    let frequency = Frequency::parse(&request.frequency)
        .ok_or_else(|| SendError::Permanent(format!("{:?} is not daily or weekly", request.frequency)))?;
    let subscribers = site.subscribers.as_ref();
    let (mut subscriber, created) = subscribers
        .add_subscriber(email, frequency, &request.topics, SubscriberStatus::Pending)
        .map_err(unavailable)?;
    if request.like_upvoted {
        subscribers.set_like_upvoted(subscriber.id, true).map_err(unavailable)?;
    }
    if !created && subscriber.status == SubscriberStatus::Active {
        // Already receiving digests: the asker was told the same as for a new address.
        return Ok(Prepared::Nothing("already subscribed".into()));
    }
    if !created {
        subscribers
            .set_preferences(subscriber.id, frequency, &request.topics)
            .map_err(unavailable)?;
        subscribers
            .set_subscriber_status(subscriber.id, SubscriberStatus::Pending)
            .map_err(unavailable)?;
        subscriber.frequency = frequency;
    }
    let message = confirmation(&site.settings, &site.secret, &subscriber, Utc::now())?;
    Ok(Prepared::Message {
        recipient: subscriber.email,
        message,
    })
}

/// A store error while preparing: the store may be back by the next attempt.
fn unavailable(e: paperboy_store::StoreError) -> SendError {
    SendError::Transient(format!("the store: {e}"))
}
