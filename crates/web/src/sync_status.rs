//! "Did paperboy miss a day?" answered in public: each source's last runs, and per
//! announcement day and category what the source announced beside what the store holds. The
//! sync ledger in the store says what happened; [`SyncActivity`] adds what only the running
//! binary knows (which sources are switched on, what its schedule did since it started).
//! `/status`, `/api/status` and `/metrics` show the same [`SyncStatus`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use paperboy_store::{AnnouncedCounts, Backend, DayState, SourceStatus, StoreError};
use serde::Serialize;

/// Days of the ledger shown.
pub const STATUS_DAYS: i64 = 30;

/// What the binary tells the site about its sources; it updates the counters after each run.
#[derive(Debug, Default)]
pub struct SyncActivity {
    /// The sources switched on (`arxiv`, `huggingface`), shown even before their first run.
    pub enabled: Vec<String>,
    /// Times this process's schedule looked for due sources (alive, whoever fetched).
    pub checks: AtomicU64,
    /// Runs of a source by this process's schedule.
    pub runs: AtomicU64,
    /// Runs that left a day missing.
    pub failures: AtomicU64,
    /// Records read from the sources.
    pub fetched: AtomicU64,
}

impl SyncActivity {
    pub fn new(enabled: Vec<String>) -> SyncActivity {
        SyncActivity {
            enabled,
            ..SyncActivity::default()
        }
    }

    /// Counts one look for due sources.
    pub fn record_check(&self) {
        self.checks.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one source's run.
    pub fn record_run(&self, fetched: u64, complete: bool) {
        self.runs.fetch_add(1, Ordering::Relaxed);
        self.fetched.fetch_add(fetched, Ordering::Relaxed);
        if !complete {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One source, as `/api/status` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    pub source: String,
    pub enabled: bool,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub next_run: Option<DateTime<Utc>>,
    /// Seconds since the last success (`null` before the first).
    pub lag_seconds: Option<i64>,
}

/// One announcement day and category of one source.
#[derive(Debug, Clone, Serialize)]
pub struct DayView {
    pub day: NaiveDate,
    pub source: String,
    /// An arXiv category; empty for a daily list.
    pub category: String,
    /// `complete`, `missing` (announced or due, nothing fetched yet: retried) or `estimated`.
    pub state: DayState,
    /// What the source announced.
    pub announced: AnnouncedCounts,
    /// Papers the store holds for the day: announced that day and listing the category, or on
    /// the day's daily list.
    pub held: u64,
    pub fetched_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    pub generated_at: DateTime<Utc>,
    pub sources: Vec<SourceView>,
    /// Newest day first, then by source and category.
    pub days: Vec<DayView>,
}

impl SyncStatus {
    /// Days still missing.
    pub fn missing(&self) -> usize {
        self.days.iter().filter(|d| d.state == DayState::Missing).count()
    }
}

/// The status at `now`, from the store's ledger and the binary's `activity`.
pub fn compute(
    store: &dyn Backend,
    activity: Option<&SyncActivity>,
    now: DateTime<Utc>,
) -> Result<SyncStatus, StoreError> {
    let enabled: &[String] = activity.map_or(&[], |a| &a.enabled);
    let mut sources: Vec<SourceStatus> = store.sync_sources()?;
    for name in enabled {
        if !sources.iter().any(|s| &s.source == name) {
            sources.push(SourceStatus::new(name));
        }
    }
    let sources = sources
        .into_iter()
        .map(|s| SourceView {
            enabled: enabled.contains(&s.source),
            lag_seconds: s.last_success.map(|at| (now - at).num_seconds().max(0)),
            source: s.source,
            last_attempt: s.last_attempt,
            last_success: s.last_success,
            last_error: s.last_error,
            next_run: s.next_run,
        })
        .collect();
    let to = now.date_naive() + Duration::days(1);
    let from = to - Duration::days(STATUS_DAYS);
    let held: HashMap<(NaiveDate, String), u64> = store
        .held_counts(from, to)?
        .into_iter()
        .map(|h| ((h.day, h.category), h.papers))
        .collect();
    let mut days: Vec<DayView> = store
        .sync_days(from, to)?
        .into_iter()
        .map(|d| DayView {
            held: held.get(&(d.day, d.category.clone())).copied().unwrap_or(0),
            day: d.day,
            source: d.source,
            category: d.category,
            state: d.state,
            announced: d.counts,
            fetched_at: d.fetched_at,
        })
        .collect();
    days.sort_by(|a, b| {
        b.day
            .cmp(&a.day)
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.category.cmp(&b.category))
    });
    Ok(SyncStatus {
        generated_at: now,
        sources,
        days,
    })
}
