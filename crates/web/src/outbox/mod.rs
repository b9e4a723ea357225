//! The site's mail goes through the store's outbox (`paperboy_store::outbox`): a request queues
//! and answers at once, and [`worker`] sends, retrying while the mail server is away — so a
//! slow or absent mail server never holds a request, and no mail is lost to it.
//!
//! Requests that must not tell whether an address is known (a password reset, a subscription)
//! queue an *intent* holding only what the visitor typed; [`intents`] looks the address up on
//! the worker, so that the request does the same work whatever the address.

mod intents;
mod worker;

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use paperboy_digest::{account_message, MailSettings, SendError};
use paperboy_store::{MailKind, NewMail, User};
use serde::Serialize;
use tokio::sync::Notify;

pub(crate) use intents::{SubscribeRequest, RESET_INTRO, RESET_LINK_HOURS, RESET_SUBJECT};
pub use worker::spawn_worker;

use crate::{AppError, AppState};

/// What this process's worker did since it started, and its doorbell.
#[derive(Debug, Default)]
pub struct MailActivity {
    /// Rung when a request queues a mail (and at start), so the worker sends at once.
    pub(crate) wake: Notify,
    pub sent: AtomicU64,
    /// Attempts that failed (each retry counts).
    pub failed_attempts: AtomicU64,
    /// Intents that needed no mail (an address without an account).
    pub dropped: AtomicU64,
}

impl MailActivity {
    fn record(&self, report: &paperboy_digest::DeliveryReport) {
        self.sent.fetch_add(report.sent, Ordering::Relaxed);
        self.failed_attempts
            .fetch_add(report.retried + report.failed, Ordering::Relaxed);
        self.dropped.fetch_add(report.dropped, Ordering::Relaxed);
    }
}

/// The outbox as `/status`, `/api/status` and `/metrics` show it.
#[derive(Debug, Clone, Serialize)]
pub struct MailStatus {
    /// Whether this instance sends mail (an SMTP server is configured).
    pub configured: bool,
    pub queued: u64,
    /// Queued mails that failed at least once (the mail server was away, or said "later").
    pub retrying: u64,
    /// Refused for good or given up on, in the last week.
    pub failed: u64,
    /// Sent in the last week.
    pub sent: u64,
    /// How long the oldest queued mail has waited.
    pub oldest_queued_seconds: Option<i64>,
    pub last_error: Option<String>,
    /// The current daily and weekly digests, from their own ledger.
    pub digests: Vec<DigestLedger>,
}

/// One frequency's current digest period, as its delivery ledger has it.
#[derive(Debug, Clone, Serialize)]
pub struct DigestLedger {
    pub frequency: &'static str,
    /// The period's key (`2026-05-01`, `2026-W18`).
    pub period: String,
    pub sent: u64,
    /// Tried and not sent yet: the digest schedule tries again.
    pub retrying: u64,
    /// Refused for good (5xx).
    pub refused: u64,
}

impl MailStatus {
    /// The outbox's counts now.
    pub async fn read(state: &AppState) -> Result<MailStatus, AppError> {
        let schedule = state.digests.as_ref().map(|site| site.schedule);
        let (counts, digests) = state
            .with_store(move |s| {
                let digests = match schedule {
                    Some(schedule) => digest_ledgers(s, schedule, Utc::now())?,
                    None => Vec::new(),
                };
                Ok((s.outbox_counts()?, digests))
            })
            .await?;
        Ok(MailStatus {
            digests,
            configured: state.digests.is_some(),
            queued: counts.queued,
            retrying: counts.retrying,
            failed: counts.failed,
            sent: counts.sent,
            oldest_queued_seconds: counts.oldest_queued.map(|at| (Utc::now() - at).num_seconds().max(0)),
            last_error: counts.last_error,
        })
    }
}

/// The ledgers of the latest due daily and weekly digests.
fn digest_ledgers(
    store: &dyn paperboy_store::Backend,
    schedule: paperboy_digest::Schedule,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<DigestLedger>, paperboy_store::StoreError> {
    use paperboy_store::{DeliveryState, Frequency};
    [Frequency::Daily, Frequency::Weekly]
        .into_iter()
        .map(|frequency| {
            let period = schedule.latest_period(frequency, now).key();
            let ledger = store.deliveries(frequency, &period)?;
            let count =
                |keep: &dyn Fn(&paperboy_store::Delivery) -> bool| ledger.iter().filter(|d| keep(d)).count() as u64;
            Ok(DigestLedger {
                frequency: frequency.as_str(),
                sent: count(&|d| d.state == DeliveryState::Sent),
                retrying: count(&|d| d.state != DeliveryState::Sent && !d.permanent),
                refused: count(&|d| d.permanent),
                period,
            })
        })
        .collect()
}

/// Queues a finished message and wakes the worker.
pub(crate) async fn queue_message(state: &AppState, message: paperboy_digest::Message) -> Result<(), AppError> {
    state
        .with_store(move |s| paperboy_digest::enqueue_message(s, &message, Utc::now()))
        .await?;
    state.mail.wake.notify_one();
    Ok(())
}

/// Queues an intent (see the module's comment) and wakes the worker.
pub(crate) async fn queue_intent(
    state: &AppState,
    kind: MailKind,
    recipient: String,
    payload: Vec<u8>,
) -> Result<(), AppError> {
    state
        .with_store(move |s| {
            s.enqueue_mail(
                &NewMail {
                    kind,
                    recipient: &recipient,
                    payload: &payload,
                },
                Utc::now(),
            )
        })
        .await?;
    state.mail.wake.notify_one();
    Ok(())
}

/// A plain-text mail about `user`'s account with one link (password reset, address
/// confirmation).
pub(crate) fn account_mail(
    settings: &MailSettings,
    user: &User,
    subject: &str,
    intro: &str,
    path_and_query: &str,
) -> Result<paperboy_digest::Message, SendError> {
    let link = settings.link(path_and_query);
    let text = format!(
        "Hello {},\n\n{intro}\n\n{link}\n\nIf you did not ask for this, ignore this mail.\n\n— paperboy\n",
        user.name
    );
    account_message(settings, &user.email, subject, text)
}
