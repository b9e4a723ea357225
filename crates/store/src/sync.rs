//! The sync ledger: what the sources that keep paperboy current (`paperboy sync`, and `serve`
//! on a schedule) last did, and, per announcement day and category, what arXiv announced and
//! whether the store holds it. A day that failed stays on the ledger as missing, so that it is
//! retried and shown, never silently skipped.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::StoreError;

/// One source's last run (`arxiv`, `huggingface`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceStatus {
    pub source: String,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    /// The last attempt's error, `None` once an attempt succeeds.
    pub last_error: Option<String>,
    /// When the source is due next.
    pub next_run: Option<DateTime<Utc>>,
}

impl SourceStatus {
    /// A source that has never run.
    pub fn new(source: &str) -> SourceStatus {
        SourceStatus {
            source: source.to_string(),
            last_attempt: None,
            last_success: None,
            last_error: None,
            next_run: None,
        }
    }
}

/// Whether the store holds a day as announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DayState {
    /// Fetched from the announcement itself, counts and all.
    Complete,
    /// Announced (or due), and nothing fetched: retried until it is.
    Missing,
    /// Filled from another source whose announcement day is a guess (an OAI-PMH datestamp).
    Estimated,
}

impl DayState {
    pub fn as_str(self) -> &'static str {
        match self {
            DayState::Complete => "complete",
            DayState::Missing => "missing",
            DayState::Estimated => "estimated",
        }
    }

    pub fn parse(text: &str) -> Option<DayState> {
        match text {
            "complete" => Some(DayState::Complete),
            "missing" => Some(DayState::Missing),
            "estimated" => Some(DayState::Estimated),
            _ => None,
        }
    }
}

/// Items per announce type, as the source announced them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AnnouncedCounts {
    pub new: u64,
    pub cross: u64,
    pub replace: u64,
    pub replace_cross: u64,
}

/// One (source, day, category) of the ledger. A source without categories (Hugging Face's
/// daily list) uses the empty category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncDay {
    pub source: String,
    pub day: NaiveDate,
    pub category: String,
    #[serde(flatten)]
    pub counts: AnnouncedCounts,
    /// When the day was fetched; `None` while it is missing.
    pub fetched_at: Option<DateTime<Utc>>,
    pub state: DayState,
}

/// Storage for the ledger. Implemented by every store backend; `paperboy copy` carries it.
pub trait SyncStore: Send + Sync {
    /// Every source that has run, by name.
    fn sync_sources(&self) -> Result<Vec<SourceStatus>, StoreError>;

    /// Writes a source's status whole (replacing what was there).
    fn save_sync_source(&self, status: &SourceStatus) -> Result<(), StoreError>;

    /// The ledger's rows for days from `from` to `to` (inclusive), by source, day and category.
    fn sync_days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<SyncDay>, StoreError>;

    /// Writes rows whole (replacing those of the same source, day and category), in one
    /// transaction.
    fn save_sync_days(&self, days: &[SyncDay]) -> Result<(), StoreError>;

    /// The latest day of `source` in state `Complete` or `Estimated`: where backfill starts.
    fn last_synced_day(&self, source: &str) -> Result<Option<NaiveDate>, StoreError>;

    /// The `limit` most common primary categories of the stored papers, most common first:
    /// what a source follows when no categories are configured.
    fn common_primary_categories(&self, limit: usize) -> Result<Vec<String>, StoreError>;

    /// What the store holds for days from `from` to `to`: papers announced each day, per
    /// category they list (cross-lists included), and each day's daily-list entries (under
    /// the empty category). What `/status` sets beside the ledger's announced counts.
    fn held_counts(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<HeldCount>, StoreError>;
}

/// Papers the store holds for one day and category (see [`SyncStore::held_counts`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldCount {
    pub day: NaiveDate,
    /// An arXiv category, or empty for the day's daily list.
    pub category: String,
    pub papers: u64,
}

/// A source's status, or a fresh one when it has never run.
pub fn source_status(store: &dyn SyncStore, source: &str) -> Result<SourceStatus, StoreError> {
    Ok(store
        .sync_sources()?
        .into_iter()
        .find(|s| s.source == source)
        .unwrap_or_else(|| SourceStatus::new(source)))
}
