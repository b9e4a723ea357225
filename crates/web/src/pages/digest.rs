//! Digest subscriptions on the site: subscribe (double opt-in), confirm, manage, unsubscribe.
//!
//! Links carry signed tokens (`paperboy_digest::token`), so no account is needed. Unsubscribing
//! is a POST (a GET shows a one-button page, so link scanners in mail systems cannot
//! unsubscribe anyone); the POST needs no CSRF token, because RFC 8058 one-click requests
//! (`List-Unsubscribe=One-Click`) come from mail providers without one — the signed token in the
//! URL is the authorisation.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Utc;
use paperboy_accounts::Action;
use paperboy_digest::{
    validate_email, validate_topics, MailSender, MailSettings, Purpose, RetryPolicy, Schedule, Secret,
};
use paperboy_store::{DigestStore, Frequency, MailKind, Subscriber, SubscriberStatus};

use crate::outbox::{queue_intent, SubscribeRequest};

use crate::auth::Viewer;
use crate::error::PageError;
use crate::kit::{blocking, render, CsrfForm, Notice};
use crate::{AppError, AppState};

/// What the subscription pages need; absent when mail is not configured.
pub struct DigestSite {
    pub subscribers: Arc<dyn DigestStore>,
    pub settings: MailSettings,
    pub secret: Secret,
    pub sender: Arc<dyn MailSender>,
    pub schedule: Schedule,
    /// When the outbox tries failed mail again (account and subscription mail).
    pub retry: RetryPolicy,
    /// How many times this process's digest scheduler has looked for due digests (`/metrics`:
    /// shows it is alive, and lets a test wait for passes instead of for time).
    pub schedule_checks: Arc<std::sync::atomic::AtomicU64>,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/subscribe", post(subscribe))
        .route("/subscribe/confirm", get(confirm))
        .route("/subscribe/manage", get(manage_form).post(manage_save))
        .route("/unsubscribe", get(unsubscribe_form).post(unsubscribe))
        .route("/unsubscribe/search", get(stop_search_form).post(stop_search))
}

#[derive(Template)]
#[template(path = "digest_manage.html")]
struct ManagePage {
    email: String,
    token: String,
    frequency: &'static str,
    topics: String,
    like_upvoted: bool,
    unsubscribe_url: String,
}

#[derive(Template)]
#[template(path = "digest_unsubscribe.html")]
struct UnsubscribePage {
    /// What stops: "the paperboy digest to a@b.c".
    what: String,
    /// Where the button posts (the signed link itself).
    action: String,
}

/// A notice page, with a link to the subscription's preferences when there is one.
fn notice(heading: &str, message: String, manage_url: Option<String>) -> Result<Html<String>, PageError> {
    let notice = Notice::new(heading, message);
    let notice = match manage_url {
        Some(url) => notice.link_first(url, "Manage your preferences"),
        None => notice,
    };
    Ok(notice.page()?)
}

fn site(state: &AppState) -> Result<Arc<DigestSite>, PageError> {
    state
        .digests
        .clone()
        .ok_or_else(|| PageError(AppError::NotFound("Email digests are not set up on this site.".into())))
}

fn bad(e: impl std::fmt::Display) -> PageError {
    PageError(AppError::BadRequest(e.to_string()))
}

fn frequency(value: Option<&String>) -> Result<Frequency, PageError> {
    match value.map(String::as_str) {
        None | Some("") => Ok(Frequency::Daily),
        Some(f) => Frequency::parse(f).ok_or_else(|| bad(format!("{f:?} is not daily or weekly"))),
    }
}

fn topics(value: Option<&String>) -> Result<Vec<String>, PageError> {
    let lines: Vec<&str> = value.map(|t| t.lines().collect()).unwrap_or_default();
    validate_topics(&lines).map_err(bad)
}

/// Runs blocking digest work (store, SMTP) off the async runtime.
async fn with_site<T: Send + 'static>(
    site: Arc<DigestSite>,
    work: impl FnOnce(&DigestSite) -> Result<T, AppError> + Send + 'static,
) -> Result<T, PageError> {
    Ok(blocking(move || work(&site)).await?)
}

/// The subscriber a token names, for `purpose`.
fn subscriber_for(site: &DigestSite, token: &str, purpose: Purpose) -> Result<Subscriber, AppError> {
    let id = site
        .secret
        .verify(token, purpose, Utc::now())
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    site.subscribers
        .subscriber(id)?
        .ok_or_else(|| AppError::NotFound("This subscription no longer exists.".into()))
}

fn token_param(query: &HashMap<String, String>) -> Result<String, PageError> {
    query
        .get("token")
        .filter(|t| !t.is_empty())
        .cloned()
        .ok_or_else(|| bad("this link is incomplete: it has no token"))
}

async fn subscribe(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    site(&state)?;
    let email = validate_email(form.get("email").map(String::as_str).unwrap_or_default()).map_err(bad)?;
    // Each request mails a confirmation: limited per asking address and per mailbox.
    let mailbox = format!("email:{}", email.to_lowercase());
    state
        .limits
        .check(Action::Subscribe, &[&viewer.client, &mailbox])
        .await?;
    // The "For you" section (the form's `like_upvoted`, its name since it was "papers like the
    // ones I upvoted") lends an account's signals to a subscription: only the signed-in owner
    // of the (verified) address can ask for it.
    let wants_liked = form.contains_key("like_upvoted");
    let like_upvoted = wants_liked
        && viewer
            .user
            .as_ref()
            .is_some_and(|u| u.email_verified && u.email.eq_ignore_ascii_case(&email));
    let frequency = frequency(form.get("frequency"))?;
    let topics = topics(form.get("topics"))?;
    // Whether the address is new, pending or already subscribed is looked at by the outbox's
    // worker: the request does the same work, and answers the same, whatever the address.
    let request = SubscribeRequest {
        frequency: frequency.as_str().to_string(),
        topics,
        like_upvoted,
    };
    let payload = serde_json::to_vec(&request).map_err(|e| PageError(AppError::Internal(e.to_string())))?;
    queue_intent(&state, MailKind::Subscribe, email.clone(), payload).await?;
    let shown = email;
    let liked_note = if wants_liked && !like_upvoted {
        " The For you section needs you signed in, with this address confirmed on your account."
    } else {
        ""
    };
    notice(
        "Check your inbox",
        format!("We sent a confirmation link to {shown}. Nothing else is sent until you follow it.{liked_note}"),
        None,
    )
}

async fn confirm(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let site = site(&state)?;
    let token = token_param(&query)?;
    let (email, manage_url) = with_site(site, move |site| {
        let subscriber = subscriber_for(site, &token, Purpose::Confirm)?;
        site.subscribers
            .set_subscriber_status(subscriber.id, SubscriberStatus::Active)?;
        let expires = Utc::now() + chrono::Duration::days(paperboy_digest::mail::DIGEST_LINK_DAYS);
        let manage = site.secret.sign(subscriber.id, Purpose::Manage, expires);
        Ok((
            subscriber.email,
            site.settings.link(&format!("/subscribe/manage?token={manage}")),
        ))
    })
    .await?;
    notice(
        "You're subscribed",
        format!("Digests will be sent to {email}. Every mail has a link to change or stop them."),
        Some(manage_url),
    )
}

async fn manage_form(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let site = site(&state)?;
    let token = token_param(&query)?;
    let page = with_site(site, move |site| {
        let subscriber = subscriber_for(site, &token, Purpose::Manage)?;
        let expires = Utc::now() + chrono::Duration::days(paperboy_digest::mail::DIGEST_LINK_DAYS);
        let unsubscribe = site.secret.sign(subscriber.id, Purpose::Unsubscribe, expires);
        Ok(ManagePage {
            email: subscriber.email,
            token,
            frequency: subscriber.frequency.as_str(),
            topics: subscriber.topics.join("\n"),
            like_upvoted: subscriber.like_upvoted,
            unsubscribe_url: format!("/unsubscribe?token={unsubscribe}"),
        })
    })
    .await?;
    Ok(render(&page)?)
}

async fn manage_save(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let site = site(&state)?;
    let token = token_param(&query)?;
    let frequency = frequency(form.get("frequency"))?;
    let topics = topics(form.get("topics"))?;
    let manage_url = format!("/subscribe/manage?token={token}");
    let like_upvoted = form.contains_key("like_upvoted");
    with_site(site, move |site| {
        let subscriber = subscriber_for(site, &token, Purpose::Manage)?;
        site.subscribers.set_preferences(subscriber.id, frequency, &topics)?;
        // Only ever turned on where an account with this verified address exists (its votes
        // are looked up by address at send time; without one the section stays empty).
        site.subscribers.set_like_upvoted(subscriber.id, like_upvoted)?;
        Ok(())
    })
    .await?;
    notice(
        "Preferences saved",
        format!("You now get a {} digest.", frequency.as_str()),
        Some(manage_url),
    )
}

/// What a signed "stop this mail" link stops: a digest subscription, or one saved search's own
/// digest. Both links work the same way: a GET shows a one-button page, a POST (the button, or
/// a mail provider's RFC 8058 one-click request) stops the mail at once.
#[derive(Debug, Clone, Copy)]
enum Stop {
    Subscription,
    SavedSearch,
}

impl Stop {
    fn path(self) -> &'static str {
        match self {
            Stop::Subscription => "/unsubscribe",
            Stop::SavedSearch => "/unsubscribe/search",
        }
    }

    /// What stops, in words for the confirmation page, once the token is checked.
    fn describe(self, site: &DigestSite, token: &str) -> Result<String, AppError> {
        match self {
            Stop::Subscription => {
                let subscriber = subscriber_for(site, token, Purpose::Unsubscribe)?;
                Ok(format!("the paperboy digest to {}", subscriber.email))
            }
            Stop::SavedSearch => {
                search_for(site, token)?;
                Ok("this saved search's digest".into())
            }
        }
    }

    /// Stops the mail the token names; returns the notice's heading and message.
    fn apply(
        self,
        site: &DigestSite,
        store: &dyn paperboy_store::Backend,
        token: &str,
    ) -> Result<(&'static str, String), AppError> {
        match self {
            Stop::Subscription => {
                let subscriber = subscriber_for(site, token, Purpose::Unsubscribe)?;
                site.subscribers
                    .set_subscriber_status(subscriber.id, SubscriberStatus::Unsubscribed)?;
                Ok((
                    "You're unsubscribed",
                    format!(
                        "No more digests will be sent to {}. You can subscribe again at any time.",
                        subscriber.email
                    ),
                ))
            }
            Stop::SavedSearch => {
                if !store.stop_search_digest(search_for(site, token)?)? {
                    return Err(AppError::NotFound("This saved search no longer exists.".into()));
                }
                Ok((
                    "Digest stopped",
                    "No more mail is sent for this saved search. It stays saved; /settings/for-you can send it again."
                        .into(),
                ))
            }
        }
    }
}

/// The confirmation page of a stop link (a GET: link scanners must not stop anything).
async fn stop_form(state: AppState, stop: Stop, query: HashMap<String, String>) -> Result<Html<String>, PageError> {
    let site = site(&state)?;
    let token = token_param(&query)?;
    let page = with_site(site, move |site| {
        Ok(UnsubscribePage {
            what: stop.describe(site, &token)?,
            action: format!("{}?token={token}", stop.path()),
        })
    })
    .await?;
    Ok(render(&page)?)
}

/// Our button and RFC 8058 one-click POSTs alike; the body is not needed: the signed token in
/// the URL is the authorisation.
async fn stop_now(state: AppState, stop: Stop, query: HashMap<String, String>) -> Result<Html<String>, PageError> {
    let site = site(&state)?;
    let token = token_param(&query)?;
    let store = Arc::clone(&state.store);
    let (heading, message) = with_site(site, move |site| stop.apply(site, store.as_ref(), &token)).await?;
    notice(heading, message, None)
}

async fn unsubscribe_form(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    stop_form(state, Stop::Subscription, query).await
}

async fn unsubscribe(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    stop_now(state, Stop::Subscription, query).await
}

/// The saved search a signed "stop this saved search's digest" link names.
fn search_for(site: &DigestSite, token: &str) -> Result<i64, AppError> {
    site.secret
        .verify(token, Purpose::StopSearch, Utc::now())
        .map_err(|e| AppError::BadRequest(e.to_string()))
}

async fn stop_search_form(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    stop_form(state, Stop::SavedSearch, query).await
}

async fn stop_search(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    stop_now(state, Stop::SavedSearch, query).await
}
