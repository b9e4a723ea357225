//! The ingest pipeline: parse sources, merge records into the store in batched transactions,
//! and account for every record in an [`IngestReport`].
//!
//! Parsing runs on its own thread and hands batches to the writer through a bounded channel,
//! so that the two cores work at once while memory stays flat. Each batch is one
//! transaction: a crash loses at most the batch in flight, and re-running finishes the job
//! because merging is idempotent.

use std::sync::mpsc;

use paperboy_domain::{NoProgress, Progress};
use paperboy_store::{PaperStore, StoreError, Upsert, UpsertOutcome};
use serde::Serialize;

use crate::formats::{self, Format};
use crate::record::{IncomingRecord, IssueKind, ParseIssue};
use crate::source::{OpenSource, Source};

/// Records per transaction: large enough to amortise commits, small enough to lose little.
pub const DEFAULT_BATCH_SIZE: usize = 2_000;
/// Problems listed in full in a report; later ones are only counted.
const MAX_LISTED_PROBLEMS: usize = 1_000;
/// Batches parsed ahead of the writer.
const BATCHES_IN_FLIGHT: usize = 2;

/// What an ingest did. Serialised as the `--json` output of `paperboy ingest`.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct IngestReport {
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub errors: Vec<Problem>,
    /// Records stored with a field cut to its cap.
    pub warnings: Vec<Problem>,
    /// Problems beyond the listed ones.
    pub unlisted_problems: u64,
}

/// A problem with a source or one of its records.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub source: String,
    /// The record concerned; null when the whole source is.
    pub record: Option<String>,
    pub message: String,
}

impl IngestReport {
    fn note(list: &mut Vec<Problem>, unlisted: &mut u64, problem: Problem) {
        if list.len() < MAX_LISTED_PROBLEMS {
            list.push(problem);
        } else {
            *unlisted += 1;
        }
    }

    pub fn error(&mut self, source: &str, record: Option<String>, message: impl Into<String>) {
        let problem = Problem {
            source: source.into(),
            record,
            message: message.into(),
        };
        Self::note(&mut self.errors, &mut self.unlisted_problems, problem);
    }

    fn warning(&mut self, source: &str, record: String, message: String) {
        let problem = Problem {
            source: source.into(),
            record: Some(record),
            message,
        };
        Self::note(&mut self.warnings, &mut self.unlisted_problems, problem);
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.rejected > 0
    }

    fn count(&mut self, outcome: UpsertOutcome) {
        match outcome {
            UpsertOutcome::Inserted => self.inserted += 1,
            UpsertOutcome::Updated => self.updated += 1,
            UpsertOutcome::Unchanged => self.unchanged += 1,
        }
    }
}

/// Options for [`ingest`].
#[derive(Debug, Clone, Copy)]
pub struct IngestOptions {
    /// `None` detects each source's format.
    pub format: Option<Format>,
    pub batch_size: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            format: None,
            batch_size: DEFAULT_BATCH_SIZE,
        }
    }
}

/// Ingests every source in turn. A source that cannot be opened or read is reported and
/// skipped; only a store failure stops the run.
pub fn ingest(
    store: &dyn PaperStore,
    sources: &[Source],
    options: IngestOptions,
    report: &mut IngestReport,
) -> Result<(), StoreError> {
    ingest_with_progress(store, sources, options, report, &NoProgress)
}

/// [`ingest`], telling `progress` of every record stored or rejected (the total is unknown: a
/// source is a stream).
pub fn ingest_with_progress(
    store: &dyn PaperStore,
    sources: &[Source],
    options: IngestOptions,
    report: &mut IngestReport,
    progress: &dyn Progress,
) -> Result<(), StoreError> {
    progress.start("ingesting records", None);
    for source in sources {
        match source.open(options.format) {
            Ok(open) => ingest_open(store, open, options.batch_size, report, progress)?,
            Err(e) => report.error(&source.name(), None, e.to_string()),
        }
    }
    progress.finish();
    Ok(())
}

/// Parses an opened source and stores its records.
pub fn ingest_open(
    store: &dyn PaperStore,
    open: OpenSource,
    batch_size: usize,
    report: &mut IngestReport,
    progress: &dyn Progress,
) -> Result<(), StoreError> {
    let name = open.context.name.clone();
    let records = formats::parse(open.format, open.reader, open.context);
    ingest_records(store, &name, records, batch_size, report, progress)
}

enum Parsed {
    Batch(Vec<IncomingRecord>),
    Issue(ParseIssue),
}

/// Stores records from any parser, batching them; problems go into `report`, and each stored
/// batch and rejected record into `progress`.
pub fn ingest_records(
    store: &dyn PaperStore,
    source_name: &str,
    records: impl Iterator<Item = crate::record::Parsed> + Send,
    batch_size: usize,
    report: &mut IngestReport,
    progress: &dyn Progress,
) -> Result<(), StoreError> {
    let batch_size = batch_size.max(1);
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::sync_channel::<Parsed>(BATCHES_IN_FLIGHT);
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(batch_size);
            for item in records {
                let message = match item {
                    Ok(record) => {
                        batch.push(record);
                        if batch.len() < batch_size {
                            continue;
                        }
                        Parsed::Batch(std::mem::replace(&mut batch, Vec::with_capacity(batch_size)))
                    }
                    Err(issue) => Parsed::Issue(issue),
                };
                if sender.send(message).is_err() {
                    return; // the writer stopped on a store error
                }
            }
            if !batch.is_empty() {
                let _ = sender.send(Parsed::Batch(batch));
            }
        });
        for message in receiver {
            match message {
                Parsed::Batch(batch) => {
                    store_batch(store, source_name, &batch, report)?;
                    progress.advance(batch.len() as u64);
                }
                Parsed::Issue(issue) => {
                    if issue.kind == IssueKind::Record {
                        report.read += 1;
                        report.rejected += 1;
                        progress.advance(1);
                    }
                    report.error(source_name, issue.record, issue.message);
                }
            }
        }
        Ok(())
    })
}

/// One batch, one transaction: the unit a crash can lose, so the unit a trace shows.
#[tracing::instrument(level = "debug", skip_all, fields(source = source_name, records = batch.len()))]
fn store_batch(
    store: &dyn PaperStore,
    source_name: &str,
    batch: &[IncomingRecord],
    report: &mut IngestReport,
) -> Result<(), StoreError> {
    let upserts: Vec<Upsert<'_>> = batch
        .iter()
        .map(|r| Upsert {
            paper: &r.paper,
            daily: &r.daily,
        })
        .collect();
    let outcomes = store.upsert_batch(&upserts)?;
    for (record, outcome) in batch.iter().zip(outcomes) {
        report.read += 1;
        report.count(outcome);
        for warning in &record.warnings {
            report.warning(source_name, record.paper.id.to_string(), warning.clone());
        }
    }
    Ok(())
}
