//! `paperboy sync`: runs the sources that keep the store current once, now, in the foreground
//! (cron-friendly; `serve` runs the same on its schedule). Exit 0 when every day set out for
//! was completed, 1 when some stayed missing (what was read is stored), 2 on usage errors.

use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use paperboy_domain::Progress;
use paperboy_sync::{Request, SourceKind, Syncer};

use super::{open_store, print_json};
use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    /// Only this source (default: every enabled one; naming huggingface runs it even when off).
    #[arg(long, value_enum)]
    source: Option<SourceArg>,
    /// Fetch this announcement day (YYYY-MM-DD), whether due or held already.
    #[arg(long, value_name = "YYYY-MM-DD")]
    day: Option<NaiveDate>,
    /// Take this instant as "now" (RFC 3339): which days are due follows from it.
    #[arg(long, value_name = "RFC3339")]
    at: Option<DateTime<FixedOffset>>,
    /// One JSON report per source on stdout: {source, days, fetched, inserted, updated,
    /// unchanged, errors}.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SourceArg {
    Arxiv,
    Huggingface,
}

impl From<SourceArg> for SourceKind {
    fn from(source: SourceArg) -> SourceKind {
        match source {
            SourceArg::Arxiv => SourceKind::Arxiv,
            SourceArg::Huggingface => SourceKind::HuggingFace,
        }
    }
}

pub fn run(config: &Config, args: Args, progress: &dyn Progress) -> anyhow::Result<ExitCode> {
    let store = open_store(config)?;
    let now = args.at.map_or_else(Utc::now, |at| at.with_timezone(&Utc));
    if !config.sync.enabled {
        tracing::warn!("every source is off ([sources] enabled = false, or PAPERBOY_SYNC=0): nothing fetched");
    }
    let syncer = Syncer {
        papers: store.as_ref(),
        ledger: store.as_ref(),
        config: &config.sync,
        progress,
    };
    let request = Request {
        only: args.source.map(SourceKind::from),
        day: args.day,
    };
    let reports = syncer.run(now, request)?;
    if reports.iter().any(|r| r.inserted + r.updated > 0) {
        // Keep the keyword index current; a change it misses is caught up by the next search.
        if let Err(e) = super::open_search(config, store.as_ref()) {
            tracing::warn!(error = %e, "the search index could not be updated; it catches up on the next search");
        }
    }
    if args.json {
        print_json(&reports)?;
    } else {
        for r in &reports {
            let days: Vec<String> = r.days.iter().map(NaiveDate::to_string).collect();
            println!(
                "{}: days [{}]: fetched {}, inserted {}, updated {}, unchanged {}, {} error(s)",
                r.source,
                days.join(", "),
                r.fetched,
                r.inserted,
                r.updated,
                r.unchanged,
                r.errors.len()
            );
            for error in &r.errors {
                println!("  {error}");
            }
        }
    }
    Ok(if reports.iter().all(|r| r.complete()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
