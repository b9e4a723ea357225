//! The Hugging Face source: the daily list of one day (`{api_url}/api/daily_papers?date=DAY`),
//! imported by the `hf-daily` rules (papers with their upvotes; arXiv's metadata wins merges).
//!
//! Days are weekdays in UTC, as Hugging Face dates its lists. Today's list is still growing:
//! it is fetched on every run (its upvotes move) and becomes complete once the day is over; a
//! past weekday whose list is empty or unreadable stays missing.

use chrono::{DateTime, NaiveDate, Utc};
use paperboy_ingest::formats::hf_daily;
use paperboy_ingest::pipeline::{ingest_records, DEFAULT_BATCH_SIZE};
use paperboy_ingest::{IngestReport, IssueKind, SourceContext};
use paperboy_store::{AnnouncedCounts, DayState, StoreError, SyncDay};

use crate::{calendar, ledger, Polite, SourceKind, SourceReport, Syncer};

const SOURCE: SourceKind = SourceKind::HuggingFace;

/// How often today's list is fetched again.
const REFRESH: chrono::Duration = chrono::Duration::hours(1);

pub(crate) fn run(
    syncer: &Syncer<'_>,
    polite: &Polite,
    now: DateTime<Utc>,
    day: Option<NaiveDate>,
) -> Result<(SourceReport, DateTime<Utc>), StoreError> {
    let config = syncer.config;
    let today = now.date_naive();
    let mut latest = today;
    while !calendar::is_listing_day(latest) {
        latest = latest.pred_opt().expect("a day before");
    }
    let mut report = SourceReport::new(SOURCE);
    report.days = match day {
        Some(day) => vec![day],
        None => ledger::due(syncer, SOURCE, &[String::new()], latest, latest == today)?,
    };
    for day in report.days.clone() {
        let url = format!(
            "{}/api/daily_papers?date={day}",
            config.huggingface.api_url.trim_end_matches('/')
        );
        match polite.get(&url).and_then(|body| read(&url, &body)) {
            Ok(records) if records.is_empty() && day >= today => {}
            Ok(records) if records.is_empty() => {
                missing(syncer, &mut report, day, format!("{url}: the list is empty"))?;
            }
            Ok(records) => {
                let listed = records.len() as u64;
                let mut ingested = IngestReport::default();
                ingest_records(
                    syncer.papers,
                    &url,
                    records.into_iter().map(Ok),
                    DEFAULT_BATCH_SIZE,
                    &mut ingested,
                    syncer.progress,
                )?;
                report.count(&ingested);
                syncer.ledger.save_sync_days(&[SyncDay {
                    source: SOURCE.name().into(),
                    day,
                    category: String::new(),
                    counts: AnnouncedCounts {
                        new: listed,
                        ..AnnouncedCounts::default()
                    },
                    fetched_at: Some(now),
                    state: DayState::Complete,
                }])?;
            }
            Err(message) => missing(syncer, &mut report, day, message)?,
        }
    }
    Ok((report, now + REFRESH))
}

/// The list's entries, or why it cannot be used (nothing of it is stored then).
fn read(url: &str, body: &[u8]) -> Result<Vec<paperboy_ingest::IncomingRecord>, String> {
    let context = SourceContext {
        name: url.to_string(),
        listing_day: None,
    };
    let mut records = Vec::new();
    for parsed in hf_daily::parse(body, context) {
        match parsed {
            Ok(record) => records.push(record),
            Err(issue) if issue.kind == IssueKind::Fatal => return Err(format!("{url}: {}", issue.message)),
            Err(issue) => tracing::warn!(url, record = issue.record, message = issue.message, "entry skipped"),
        }
    }
    Ok(records)
}

fn missing(syncer: &Syncer<'_>, report: &mut SourceReport, day: NaiveDate, message: String) -> Result<(), StoreError> {
    ledger::mark_missing(syncer, SOURCE, report, &[String::new()], day, message)
}
