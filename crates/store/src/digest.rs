//! Storage for email digests: subscribers and the delivery ledger.
//!
//! The ledger makes delivery exactly-once per subscriber, frequency and period: a sender
//! [claims](DigestStore::claim_delivery) a row (committed) before talking to the SMTP server,
//! and [marks it sent](DigestStore::mark_sent) after the server accepted the mail. A re-run
//! skips rows marked sent and retries the others.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::rows::RowRead;
use crate::StoreError;

/// How often a subscriber gets a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    Daily,
    Weekly,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
        }
    }

    pub fn parse(s: &str) -> Option<Frequency> {
        match s {
            "daily" => Some(Frequency::Daily),
            "weekly" => Some(Frequency::Weekly),
            _ => None,
        }
    }
}

/// Where a subscriber stands. Only `Active` subscribers receive digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SubscriberStatus {
    /// Subscribed, confirmation link not yet followed: nothing is sent but the confirmation.
    Pending,
    Active,
    /// Too many hard bounces; sending stopped until the address is confirmed again.
    Paused,
    Unsubscribed,
}

impl SubscriberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberStatus::Pending => "pending",
            SubscriberStatus::Active => "active",
            SubscriberStatus::Paused => "paused",
            SubscriberStatus::Unsubscribed => "unsubscribed",
        }
    }

    pub fn parse(s: &str) -> Option<SubscriberStatus> {
        match s {
            "pending" => Some(SubscriberStatus::Pending),
            "active" => Some(SubscriberStatus::Active),
            "paused" => Some(SubscriberStatus::Paused),
            "unsubscribed" => Some(SubscriberStatus::Unsubscribed),
            _ => None,
        }
    }
}

/// A digest subscriber. `email` is stored as validated by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscriber {
    pub id: i64,
    pub email: String,
    pub frequency: Frequency,
    pub topics: Vec<String>,
    pub status: SubscriberStatus,
    pub hard_bounces: u32,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Also send papers like the ones this address's account upvoted.
    pub like_upvoted: bool,
}

/// A subscriber from the columns `id, email, frequency, topics, status, hard_bounces,
/// created_at, confirmed_at, like_upvoted` (topics as JSON text), for both backends; the error
/// names the subscriber and the column that is unreadable.
pub(crate) fn subscriber_row(row: &impl RowRead) -> Result<Subscriber, StoreError> {
    let id: i64 = row.column(0)?;
    let corrupt = |what: String| StoreError::Corrupt {
        id: format!("subscriber {id}"),
        message: what,
    };
    let frequency: String = row.column(2)?;
    let topics: String = row.column(3)?;
    let status: String = row.column(4)?;
    let hard_bounces: i64 = row.column(5)?;
    Ok(Subscriber {
        id,
        email: row.column(1)?,
        frequency: Frequency::parse(&frequency).ok_or_else(|| corrupt(format!("unknown frequency {frequency:?}")))?,
        topics: serde_json::from_str(&topics).map_err(|e| corrupt(format!("topics: {e}")))?,
        status: SubscriberStatus::parse(&status).ok_or_else(|| corrupt(format!("unknown status {status:?}")))?,
        hard_bounces: u32::try_from(hard_bounces).map_err(|_| corrupt(format!("hard_bounces {hard_bounces}")))?,
        created_at: row.column(6)?,
        confirmed_at: row.column(7)?,
        like_upvoted: row.column(8)?,
    })
}

/// The ledger columns [`delivery_row`] reads.
pub(crate) const DELIVERY_COLUMNS: &str = "subscriber_id, period, state, permanent, attempts, last_error, message_id";

/// A ledger row of `frequency` from the columns of [`DELIVERY_COLUMNS`], for both backends.
pub(crate) fn delivery_row(row: &impl RowRead, frequency: Frequency) -> Result<Delivery, StoreError> {
    let subscriber_id: i64 = row.column(0)?;
    let period: String = row.column(1)?;
    let state: String = row.column(2)?;
    Ok(Delivery {
        subscriber_id,
        frequency,
        state: match state.as_str() {
            "sent" => DeliveryState::Sent,
            "failed" => DeliveryState::Failed,
            _ => DeliveryState::Pending,
        },
        permanent: row.column(3)?,
        attempts: attempts_count(row.column(4)?, Ledger::Subscribers, subscriber_id, &period)?,
        last_error: row.column(5)?,
        message_id: row.column(6)?,
        period,
    })
}

/// A stored count of attempts as the `u32` the ledger types use.
pub(crate) fn attempts_count(attempts: i64, ledger: Ledger, id: i64, period: &str) -> Result<u32, StoreError> {
    u32::try_from(attempts).map_err(|_| StoreError::Corrupt {
        id: format!("delivery of period {period} to {} {id}", ledger.recipient()),
        message: format!("attempts {attempts}"),
    })
}

/// The delivery ledgers: one row per recipient, frequency and period, claimed before a send
/// and marked after it, so that each recipient gets each period's mail once. Both backends run
/// the same statements on either table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ledger {
    /// The digest subscribers' (`digest_deliveries`, keyed by subscriber).
    Subscribers,
    /// The saved searches sent as their own digest (`search_digest_deliveries`, keyed by search).
    SavedSearches,
}

impl Ledger {
    pub(crate) fn table(self) -> &'static str {
        match self {
            Ledger::Subscribers => "digest_deliveries",
            Ledger::SavedSearches => "search_digest_deliveries",
        }
    }

    /// The column naming the recipient.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Ledger::Subscribers => "subscriber_id",
            Ledger::SavedSearches => "search_id",
        }
    }

    /// The recipient, in words for errors.
    pub(crate) fn recipient(self) -> &'static str {
        match self {
            Ledger::Subscribers => "subscriber",
            Ledger::SavedSearches => "saved search",
        }
    }
}

/// What [`DigestStore::claim_delivery`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The caller may send; `attempts` counts this one.
    Claimed { attempts: u32 },
    /// Already delivered for this period: send nothing.
    AlreadySent,
    /// The server refused the address for good this period: send nothing.
    PermanentlyFailed,
}

/// State of one ledger row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    Pending,
    Sent,
    Failed,
}

/// One row of the delivery ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub subscriber_id: i64,
    pub frequency: Frequency,
    pub period: String,
    pub state: DeliveryState,
    pub permanent: bool,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub message_id: String,
}

/// Subscribers and the delivery ledger. Methods are blocking, like [`crate::PaperStore`]'s.
pub trait DigestStore: crate::LeaseStore {
    /// Adds a subscriber, or returns the existing one with that address unchanged.
    /// The `bool` is true when the subscriber was created.
    fn add_subscriber(
        &self,
        email: &str,
        frequency: Frequency,
        topics: &[String],
        status: SubscriberStatus,
    ) -> Result<(Subscriber, bool), StoreError>;

    fn subscriber(&self, id: i64) -> Result<Option<Subscriber>, StoreError>;

    fn subscriber_by_email(&self, email: &str) -> Result<Option<Subscriber>, StoreError>;

    /// Every subscriber, in id order.
    fn subscribers(&self) -> Result<Vec<Subscriber>, StoreError>;

    /// Sets the status; confirming (to `Active`) also resets the hard-bounce count.
    /// False when no such subscriber.
    fn set_subscriber_status(&self, id: i64, status: SubscriberStatus) -> Result<bool, StoreError>;

    /// False when no such subscriber.
    fn set_preferences(&self, id: i64, frequency: Frequency, topics: &[String]) -> Result<bool, StoreError>;

    /// Turns the "papers like the ones I upvoted" section on or off. False when no such subscriber.
    fn set_like_upvoted(&self, id: i64, on: bool) -> Result<bool, StoreError>;

    /// The account whose verified address is the subscriber's (addresses compared without
    /// case); `None` when there is none, or it is not verified, or banned.
    fn account_of_subscriber(&self, id: i64) -> Result<Option<i64>, StoreError>;

    /// Deletes a subscriber and its ledger rows. False when no such subscriber.
    fn remove_subscriber(&self, id: i64) -> Result<bool, StoreError>;

    /// Claims the ledger row of (subscriber, frequency, period) in one transaction, creating it
    /// when missing, and counts an attempt. Committed before it returns.
    fn claim_delivery(
        &self,
        subscriber_id: i64,
        frequency: Frequency,
        period: &str,
        message_id: &str,
    ) -> Result<Claim, StoreError>;

    /// Records that the SMTP server accepted the mail, and the `papers` its "For you" section
    /// presented (see [`DigestStore::papers_sent`]); resets the subscriber's hard bounces. One
    /// transaction.
    fn mark_sent(
        &self,
        subscriber_id: i64,
        frequency: Frequency,
        period: &str,
        papers: &[String],
    ) -> Result<(), StoreError>;

    /// Papers earlier digests' "For you" sections sent the subscriber, most recent first.
    fn papers_sent(&self, subscriber_id: i64, limit: usize) -> Result<Vec<String>, StoreError>;

    /// Records a failed attempt. A `permanent` failure counts a hard bounce, and the subscriber
    /// is paused when it reaches `pause_after_bounces`; all in one transaction.
    fn mark_failed(
        &self,
        subscriber_id: i64,
        frequency: Frequency,
        period: &str,
        error: &str,
        permanent: bool,
        pause_after_bounces: u32,
    ) -> Result<(), StoreError>;

    /// The ledger of one period.
    fn deliveries(&self, frequency: Frequency, period: &str) -> Result<Vec<Delivery>, StoreError>;
}
