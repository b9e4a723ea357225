//! The mail outbox: every mail the site sends outside digests (address confirmations, password
//! resets, subscription confirmations) is a row here before it is a message on the wire.
//!
//! A request only adds a row, so that it answers at once and in the same time whatever the
//! address; a worker [claims](OutboxStore::claim_mail) due rows, sends them, and
//! [records](OutboxStore::finish_mail) how each attempt ended, retrying later when the mail
//! server is away. Because the queue is in the store, it survives restarts, and instances
//! sharing a database share it: a claim has an expiry, so a worker that dies mid-send loses its
//! claim and another sends the mail (the one window where a mail can go twice, like digests';
//! the copy carries the same Message-ID).
//!
//! Some rows are *intents* rather than messages: a password-reset request names an address
//! that may or may not have an account, and only the worker looks — so that the request does
//! the same work either way. The worker turns an intent into its message
//! ([`OutboxStore::prepare_mail`]) or drops it.
//!
//! Finished rows keep no payload: a sent reset link lives only in the recipient's mailbox.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::rows::RowRead;
use crate::StoreError;

/// What a row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// A finished message (RFC 5322 bytes) for `recipient`.
    Message,
    /// Someone asked for a password reset for the address in `recipient`.
    PasswordReset,
    /// Someone asked to subscribe the address in `recipient` to digests (the payload says how).
    Subscribe,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Message => "message",
            MailKind::PasswordReset => "password_reset",
            MailKind::Subscribe => "subscribe",
        }
    }

    pub fn parse(text: &str) -> Option<MailKind> {
        match text {
            "message" => Some(MailKind::Message),
            "password_reset" => Some(MailKind::PasswordReset),
            "subscribe" => Some(MailKind::Subscribe),
            _ => None,
        }
    }
}

/// A mail to queue.
#[derive(Debug, Clone, Copy)]
pub struct NewMail<'a> {
    pub kind: MailKind,
    pub recipient: &'a str,
    pub payload: &'a [u8],
}

/// A claimed row, for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: i64,
    pub kind: MailKind,
    pub recipient: String,
    pub payload: Vec<u8>,
    /// Attempts that ended before this one.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOutcome<'a> {
    /// The server accepted it.
    Sent,
    /// Nothing to send (an intent for an address without an account), with why.
    Dropped(&'a str),
    /// A temporary failure: try again at `at`.
    Retry { error: &'a str, at: DateTime<Utc> },
    /// Refused for good, or given up on.
    Failed(&'a str),
}

/// The queue at a glance, for `/status` and `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    /// Waiting to be sent (due now or later).
    pub queued: u64,
    /// Of those, the ones that failed at least once.
    pub retrying: u64,
    /// Refused for good or given up on, among the rows still kept.
    pub failed: u64,
    /// Sent, among the rows still kept.
    pub sent: u64,
    /// When the oldest queued mail was queued.
    pub oldest_queued: Option<DateTime<Utc>>,
    /// The latest error of a queued or failed mail.
    pub last_error: Option<String>,
}

/// Storage for the outbox. Implemented by every store backend. Times are the caller's clock.
pub trait OutboxStore: Send + Sync {
    /// Queues a mail, due now; returns its id.
    fn enqueue_mail(&self, mail: &NewMail<'_>, now: DateTime<Utc>) -> Result<i64, StoreError>;

    /// Claims the queued mail due first (or only `only`, when given and due) for `holder` until
    /// `now + lease`: no other holder claims it meanwhile. `None` when nothing is due.
    fn claim_mail(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        lease: std::time::Duration,
        only: Option<i64>,
    ) -> Result<Option<QueuedMail>, StoreError>;

    /// Replaces a claimed intent with the message it became (kind `Message`). False when the
    /// claim passed to another holder.
    fn prepare_mail(&self, id: i64, holder: &str, recipient: &str, message: &[u8]) -> Result<bool, StoreError>;

    /// Records how `holder`'s attempt at a claimed mail ended. False when the claim had
    /// passed to another holder (nothing is recorded then).
    fn finish_mail(
        &self,
        id: i64,
        holder: &str,
        outcome: MailOutcome<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// When the queued mail due first can next be claimed (its next attempt, or the end of
    /// another worker's claim); `None` when nothing is queued.
    fn next_mail_due(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    fn outbox_counts(&self) -> Result<OutboxCounts, StoreError>;

    /// Deletes finished rows (sent, dropped, failed) finished before `before`; returns how many.
    fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// The columns [`queued_mail`] reads, as a `RETURNING` list.
pub(crate) const QUEUED_COLUMNS: &str = "id, kind, recipient, payload, attempts, created_at";

/// A claimed row from [`QUEUED_COLUMNS`].
pub(crate) fn queued_mail(row: &impl RowRead) -> Result<QueuedMail, StoreError> {
    let id: i64 = row.column(0)?;
    let kind: String = row.column(1)?;
    Ok(QueuedMail {
        id,
        kind: MailKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
            id: format!("outbox mail {id}"),
            message: format!("unknown kind {kind:?}"),
        })?,
        recipient: row.column(2)?,
        payload: row.column(3)?,
        attempts: u32::try_from(row.column::<i64>(4)?).unwrap_or(0),
        created_at: row.column(5)?,
    })
}

/// When the queued mail due first can be claimed: at its next attempt, or when another
/// worker's claim on it runs out.
pub(crate) const NEXT_DUE: &str = "SELECT MIN(CASE WHEN claimed_until > next_attempt_at THEN claimed_until
                                     ELSE next_attempt_at END)
     FROM outbox WHERE state = 'queued'";

/// The counts' query, the same text for both backends; [`outbox_counts`] reads it.
pub(crate) const COUNTS_SELECT: &str = "SELECT
        COUNT(*) FILTER (WHERE state = 'queued'),
        COUNT(*) FILTER (WHERE state = 'queued' AND attempts > 0),
        COUNT(*) FILTER (WHERE state = 'failed'),
        COUNT(*) FILTER (WHERE state = 'sent'),
        MIN(created_at) FILTER (WHERE state = 'queued'),
        (SELECT last_error FROM outbox WHERE state IN ('queued', 'failed') AND last_error IS NOT NULL
         ORDER BY id DESC LIMIT 1)
     FROM outbox";

pub(crate) fn outbox_counts(row: &impl RowRead) -> Result<OutboxCounts, StoreError> {
    let count = |index| -> Result<u64, StoreError> { Ok(u64::try_from(row.column::<i64>(index)?).unwrap_or(0)) };
    Ok(OutboxCounts {
        queued: count(0)?,
        retrying: count(1)?,
        failed: count(2)?,
        sent: count(3)?,
        oldest_queued: row.column(4)?,
        last_error: row.column(5)?,
    })
}

/// The state, error and payload a finished attempt leaves: `None` state when the mail stays
/// queued (a retry).
pub(crate) fn finished_columns<'a>(outcome: MailOutcome<'a>) -> (&'static str, Option<&'a str>) {
    match outcome {
        MailOutcome::Sent => ("sent", None),
        MailOutcome::Dropped(why) => ("dropped", Some(why)),
        MailOutcome::Retry { error, .. } => ("queued", Some(error)),
        MailOutcome::Failed(error) => ("failed", Some(error)),
    }
}
