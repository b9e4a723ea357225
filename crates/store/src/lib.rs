//! paperboy's storage: the [`PaperStore`] trait (and its siblings) the rest of the program talks
//! to, the embedded SQLite implementation ([`sqlite::SqliteStore`]) and the PostgreSQL one for
//! several instances sharing a database ([`postgres::PostgresStore`]).
//!
//! The store is the source of truth: search indexes and caches are derived from it and can be
//! rebuilt. Merging rules live in `paperboy_domain::merge`; a store only applies them inside
//! its own transactions, so that every backend behaves the same.

use chrono::NaiveDate;
use paperboy_domain::{ArxivId, DailyEntry, Paper, PaperDocument};
use serde::Serialize;

pub mod accounts;
mod authors;
pub mod copy;
pub mod digest;
pub mod embeddings;
mod error;
mod lease;
pub mod library;
pub mod outbox;
mod paper_row;
pub mod participation;
pub mod postgres;
pub mod rate_limit;
mod rows;
pub mod search_digest;
pub mod signals;
pub mod sqlite;
pub mod sync;

pub use accounts::{AccountStore, CreateUserOutcome, NewToken, NewUser, TokenInfo, TokenKind, User};
pub use digest::{Claim, Delivery, DeliveryState, DigestStore, Frequency, Subscriber, SubscriberStatus};
pub use embeddings::{EmbeddingStore, EmbeddingWrite, StoredVector};
pub use error::StoreError;
pub use lease::{lease_holder, LeaseStore};
pub use library::{LibraryStore, SavedPaper};
pub use outbox::{MailKind, MailOutcome, NewMail, OutboxCounts, OutboxStore, QueuedMail};
pub use participation::{
    AddCommentOutcome, AuditEntry, Comment, ParticipationStore, Submission, SubmitOutcome, VoteOutcome,
};
pub use postgres::PostgresStore;
pub use rate_limit::RateLimitStore;
pub use search_digest::{SearchDigest, SearchDigestStore};
pub use signals::{Added, Follow, FollowKind, NewSavedSearch, NotInterested, SavedSearch, SignalCounts, SignalStore};
pub use sqlite::SqliteStore;
pub use sync::{AnnouncedCounts, DayState, HeldCount, SourceStatus, SyncDay, SyncStore};

/// Everything a backend stores: papers and the embeddings derived from them. Code that needs
/// more than papers takes `&dyn Store` (it coerces to `&dyn PaperStore` where that is enough).
pub trait Store: PaperStore + EmbeddingStore {}

impl<T: PaperStore + EmbeddingStore + ?Sized> Store for T {}

/// The `state` key of a store's identity, made by its first migration.
pub const STORE_ID_KEY: &str = "store_id";

/// A whole backend: everything paperboy keeps. The command line opens one (SQLite in the data
/// folder, or PostgreSQL) and hands it to the parts, each of which sees only the trait it needs.
pub trait Backend:
    Store
    + DigestStore
    + AccountStore
    + ParticipationStore
    + LibraryStore
    + SyncStore
    + OutboxStore
    + SignalStore
    + SearchDigestStore
    + copy::TableCopy
{
    /// Where the data lives, for messages: a file path, or a database URL without its password.
    fn location(&self) -> String;
}

/// One paper to merge into the store, with its daily-list appearances.
#[derive(Debug, Clone, Copy)]
pub struct Upsert<'a> {
    pub paper: &'a Paper,
    pub daily: &'a [DailyEntry],
}

/// What merging one [`Upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    Inserted,
    Updated,
    Unchanged,
}

/// Counts shown by `paperboy stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreStats {
    pub papers: u64,
    /// Distinct days that have a daily list.
    pub daily_days: u64,
    pub daily_entries: u64,
    /// First and last day that have a daily list.
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    /// First and last arXiv announcement day among the papers.
    pub first_announced: Option<NaiveDate>,
    pub last_announced: Option<NaiveDate>,
    /// Highest change sequence number: derived indexes compare theirs against it.
    pub change_seq: i64,
}

/// The days around a day that have daily lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayNeighbours {
    pub previous: Option<NaiveDate>,
    pub next: Option<NaiveDate>,
}

/// A slice of a long list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

/// Storage for papers and what hangs off them. Implemented by SQLite (embedded default) and,
/// for multi-instance deployments, PostgreSQL.
///
/// Methods are blocking; async callers run them on a blocking thread.
pub trait PaperStore: Send + Sync {
    /// Merges a batch in one transaction: either all of it is stored or none of it.
    fn upsert_batch(&self, batch: &[Upsert<'_>]) -> Result<Vec<UpsertOutcome>, StoreError>;

    /// A paper with its daily entries and vote count.
    fn paper(&self, id: &ArxivId) -> Result<Option<PaperDocument>, StoreError>;

    /// Visits every paper in id order, streaming (memory stays flat).
    fn for_each_paper(&self, visit: &mut dyn FnMut(PaperDocument) -> Result<(), StoreError>) -> Result<(), StoreError>;

    fn stats(&self) -> Result<StoreStats, StoreError>;

    /// The highest change sequence number (cheap; derived indexes compare theirs against it).
    fn change_seq(&self) -> Result<i64, StoreError>;

    /// The daily list of `day`, most upvoted first.
    fn daily_list(&self, day: NaiveDate) -> Result<Vec<PaperDocument>, StoreError>;

    /// Every paper on a daily list from `from` to `to` (inclusive), each once, with all its daily
    /// entries (so callers see every day it was listed and its upvotes). In id order.
    /// Trending, week and month pages and digests rank these.
    fn daily_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<PaperDocument>, StoreError>;

    /// The nearest days before and after `day` that have a daily list.
    fn daily_neighbours(&self, day: NaiveDate) -> Result<DayNeighbours, StoreError>;

    /// The latest day with a daily list, on or before `day` when given.
    fn latest_daily_day(&self, on_or_before: Option<NaiveDate>) -> Result<Option<NaiveDate>, StoreError>;

    /// The latest announcement day on or before `day` (an index look-up, unlike [`stats`]).
    ///
    /// [`stats`]: PaperStore::stats
    fn latest_announced_day(&self, on_or_before: NaiveDate) -> Result<Option<NaiveDate>, StoreError>;

    /// Papers announced on `day` (optionally in one category), in id order, one page.
    fn announced_on(
        &self,
        day: NaiveDate,
        category: Option<&str>,
        page: Page,
    ) -> Result<Vec<PaperDocument>, StoreError>;

    /// Papers whose author list holds `name` (compared case-insensitively, Unicode-aware,
    /// otherwise exactly: "Li" never finds "Lin"), newest announcement first (then by id),
    /// one page.
    fn papers_by_author(&self, name: &str, page: Page) -> Result<Vec<PaperDocument>, StoreError>;

    /// Papers changed after sequence number `after_seq`, oldest change first, at most `limit`,
    /// each with its current sequence number. Derived indexes tail the store with this.
    fn changed_since(&self, after_seq: i64, limit: usize) -> Result<Vec<(i64, Paper)>, StoreError>;

    /// Small named state that must survive restarts (harvest resumption points).
    fn state(&self, key: &str) -> Result<Option<String>, StoreError>;
    fn set_state(&self, key: &str, value: Option<&str>) -> Result<(), StoreError>;
}
