//! Keeping paperboy current: the sources that bring in each day's papers (arXiv's listing
//! feeds, Hugging Face's daily list), run once by `paperboy sync` or on a schedule by `serve`
//! ([`Syncer::run_due`] each tick), and the ledger they keep in the store (`SyncStore`).
//!
//! A run fetches the days that are due ([`calendar`]) politely ([`polite`]), stores what it
//! read through ingest's pipeline, and writes down, per day and category, what the source
//! announced and whether the store now holds it. A fetch that fails — no network, a 5xx after
//! its retries, a truncated or malformed feed, a feed without items on an announcement day —
//! stores nothing for that day and leaves it *missing* on the ledger, with the reason, so that
//! the next run fetches it again. Architecture invariant: no HTTP server types here, and no
//! clock either: every entry point takes `now`.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use paperboy_domain::Progress;
use paperboy_store::{PaperStore, StoreError, SyncStore};
use serde::Serialize;

mod arxiv;
pub mod calendar;
mod huggingface;
mod ledger;
mod oai;
mod polite;

pub use polite::Polite;

/// arXiv's listing feeds.
pub const DEFAULT_LISTING_URL: &str = "https://rss.arxiv.org/rss/";
/// arXiv's query API.
pub const DEFAULT_ARXIV_API: &str = "https://export.arxiv.org/api/query";
/// The Hugging Face site (`/api/daily_papers`).
pub const DEFAULT_HF_API_URL: &str = "https://huggingface.co";
/// Followed when none are configured and the store has no papers to take them from.
pub const DEFAULT_CATEGORIES: [&str; 4] = ["cs.AI", "cs.CL", "cs.CV", "cs.LG"];

/// A source, by the name the ledger, the reports and `--source` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Arxiv,
    HuggingFace,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Arxiv => "arxiv",
            SourceKind::HuggingFace => "huggingface",
        }
    }
}

/// How the sources run.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncConfig {
    /// Off: nothing is fetched at all.
    pub enabled: bool,
    /// How far back missed days are fetched again, in calendar days.
    pub backfill_days: u32,
    /// At most one request per `delay` (arXiv asks for 3 s).
    pub delay: Duration,
    /// Tries of one request (5xx, 429, connection errors) before the day is left missing.
    pub max_retries: u32,
    /// How long after arXiv's announcement its feed is fetched.
    pub poll_after: chrono::Duration,
    /// How long after a failed run the source is due again; each further failure in a row
    /// doubles the wait, up to [`SyncConfig::max_retry_after`].
    pub retry_after: chrono::Duration,
    /// The longest wait between failed runs.
    pub max_retry_after: chrono::Duration,
    pub arxiv: ArxivSource,
    pub huggingface: HuggingFaceSource,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArxivSource {
    /// `None`: the store's most common primary categories, else [`DEFAULT_CATEGORIES`].
    pub categories: Option<Vec<String>>,
    /// The feeds' base: `{listing_url}{cat1}+{cat2}…`.
    pub listing_url: String,
    /// The OAI-PMH endpoint days the feed no longer shows are read from (estimated).
    pub oai_endpoint: String,
    /// arXiv's query API (Atom), which completes what the feed leaves out (comments, DOI,
    /// journal reference, every author, the first version's date); empty: not completed.
    pub api_url: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HuggingFaceSource {
    pub enabled: bool,
    /// The site: `{api_url}/api/daily_papers?date=DAY`.
    pub api_url: String,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            enabled: true,
            backfill_days: 7,
            delay: Duration::from_secs(3),
            max_retries: 3,
            // The feeds are dated midnight in New York, four hours after the announcement.
            poll_after: chrono::Duration::minutes(4 * 60 + 30),
            retry_after: chrono::Duration::minutes(30),
            max_retry_after: chrono::Duration::hours(3),
            arxiv: ArxivSource {
                categories: None,
                listing_url: DEFAULT_LISTING_URL.into(),
                oai_endpoint: paperboy_ingest::harvest::ARXIV_OAI_ENDPOINT.into(),
                api_url: DEFAULT_ARXIV_API.into(),
            },
            huggingface: HuggingFaceSource {
                enabled: false,
                api_url: DEFAULT_HF_API_URL.into(),
            },
        }
    }
}

/// What one source's run did: `paperboy sync --json` prints these, keys and all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    pub source: &'static str,
    /// The days this run set out to fetch, oldest first.
    pub days: Vec<NaiveDate>,
    /// Records read from the source.
    pub fetched: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// What went wrong, one message each; a day named here stays missing.
    pub errors: Vec<String>,
    /// The days left missing (the exit status says whether there are any).
    #[serde(skip)]
    pub incomplete: Vec<NaiveDate>,
}

impl SourceReport {
    fn new(kind: SourceKind) -> SourceReport {
        SourceReport {
            source: kind.name(),
            ..SourceReport::default()
        }
    }

    /// True when every day set out for was completed.
    pub fn complete(&self) -> bool {
        self.incomplete.is_empty()
    }

    fn count(&mut self, ingested: &paperboy_ingest::IngestReport) {
        self.fetched += ingested.read;
        self.inserted += ingested.inserted;
        self.updated += ingested.updated;
        self.unchanged += ingested.unchanged;
        self.errors.extend(ingested.errors.iter().map(|p| match &p.record {
            Some(record) => format!("{}: {record}: {}", p.source, p.message),
            None => format!("{}: {}", p.source, p.message),
        }));
    }
}

/// What one run asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request {
    /// Only this source (else every enabled one).
    pub only: Option<SourceKind>,
    /// This day, whether due or held already (else the due days).
    pub day: Option<NaiveDate>,
}

/// Runs the sources against one store.
pub struct Syncer<'a> {
    pub papers: &'a dyn PaperStore,
    pub ledger: &'a dyn SyncStore,
    pub config: &'a SyncConfig,
    /// Hears each record stored (`NoProgress` in the background).
    pub progress: &'a dyn Progress,
}

impl Syncer<'_> {
    /// Runs the sources whose time has come at `now` (their ledger's `next_run` passed, or
    /// never run): what `serve` calls each tick.
    pub fn run_due(&self, now: DateTime<Utc>) -> Result<Vec<SourceReport>, StoreError> {
        let statuses = self.ledger.sync_sources()?;
        let mut reports = Vec::new();
        for kind in self.enabled(None) {
            let due = statuses
                .iter()
                .find(|s| s.source == kind.name())
                .and_then(|s| s.next_run)
                .is_none_or(|next| next <= now);
            if due {
                reports.push(self.run_source(kind, now, None)?);
            }
        }
        Ok(reports)
    }

    /// Runs the sources `request` names now, whatever their schedule: `paperboy sync`.
    pub fn run(&self, now: DateTime<Utc>, request: Request) -> Result<Vec<SourceReport>, StoreError> {
        self.enabled(request.only)
            .into_iter()
            .map(|kind| self.run_source(kind, now, request.day))
            .collect()
    }

    /// How long to wait after a failed run: `retry_after`, or, when the run before failed too,
    /// twice the wait that followed it, up to `max_retry_after` (backoff kept on the ledger as
    /// the last attempt and next run, so it survives restarts and holds across instances).
    fn retry_wait(&self, before: &paperboy_store::SourceStatus) -> chrono::Duration {
        let (base, cap) = (
            self.config.retry_after,
            self.config.max_retry_after.max(self.config.retry_after),
        );
        match (&before.last_error, before.last_attempt, before.next_run) {
            (Some(_), Some(attempt), Some(next)) => ((next - attempt) * 2).clamp(base, cap),
            _ => base,
        }
    }

    /// The sources to run: every enabled one, or `only` when it is enabled.
    fn enabled(&self, only: Option<SourceKind>) -> Vec<SourceKind> {
        if !self.config.enabled {
            return Vec::new();
        }
        let mut kinds = vec![SourceKind::Arxiv];
        if self.config.huggingface.enabled || only == Some(SourceKind::HuggingFace) {
            kinds.push(SourceKind::HuggingFace);
        }
        kinds.retain(|k| only.is_none_or(|o| o == *k));
        kinds
    }

    fn run_source(
        &self,
        kind: SourceKind,
        now: DateTime<Utc>,
        day: Option<NaiveDate>,
    ) -> Result<SourceReport, StoreError> {
        let _span = tracing::info_span!("sync", source = kind.name()).entered();
        let polite = Polite::new(self.config);
        self.progress.start(&format!("syncing {}", kind.name()), None);
        let ran = match kind {
            SourceKind::Arxiv => arxiv::run(self, &polite, now, day),
            SourceKind::HuggingFace => huggingface::run(self, &polite, now, day),
        };
        self.progress.finish();
        let (report, next_ok) = ran?;
        let mut status = paperboy_store::sync::source_status(self.ledger, kind.name())?;
        let wait_if_failed = self.retry_wait(&status);
        status.last_attempt = Some(now);
        if report.complete() {
            status.last_success = Some(now);
            status.last_error = None;
            status.next_run = Some(next_ok);
        } else {
            status.last_error = report.errors.first().cloned();
            status.next_run = Some(now + wait_if_failed);
        }
        self.ledger.save_sync_source(&status)?;
        for error in &report.errors {
            tracing::warn!(%error, "sync");
        }
        tracing::info!(
            days = report.days.len(),
            fetched = report.fetched,
            inserted = report.inserted,
            updated = report.updated,
            missing = report.incomplete.len(),
            "sync run done"
        );
        Ok(report)
    }
}
