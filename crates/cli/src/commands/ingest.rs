use std::process::ExitCode;

use clap::ValueEnum;
use paperboy_domain::Progress;
use paperboy_ingest::{ingest_with_progress, Format, IngestOptions, IngestReport};

use super::{open_store, print_json};
use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    /// Files, directories, globs, http(s) URLs, or `-` for stdin. Gzip is read transparently.
    #[arg(required = true, value_name = "SOURCE")]
    sources: Vec<String>,
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    format: FormatArg,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// Records per transaction.
    #[arg(long, default_value_t = paperboy_ingest::pipeline::DEFAULT_BATCH_SIZE)]
    batch_size: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Auto,
    ArxivOai,
    ArxivAtom,
    ArxivRss,
    HfDaily,
    Jsonl,
}

impl FormatArg {
    fn format(self) -> Option<Format> {
        match self {
            FormatArg::Auto => None,
            FormatArg::ArxivOai => Some(Format::ArxivOai),
            FormatArg::ArxivAtom => Some(Format::ArxivAtom),
            FormatArg::ArxivRss => Some(Format::ArxivRss),
            FormatArg::HfDaily => Some(Format::HfDaily),
            FormatArg::Jsonl => Some(Format::Jsonl),
        }
    }
}

/// Exit code 0 when every record was read; 1 when some record or source had a problem (what
/// could be read is stored all the same).
pub fn run(config: &Config, args: Args, progress: &dyn Progress) -> anyhow::Result<ExitCode> {
    let store = open_store(config)?;
    let mut report = IngestReport::default();
    let mut sources = Vec::new();
    for arg in &args.sources {
        match paperboy_ingest::source::expand(arg) {
            Ok(found) => sources.extend(found),
            Err(e) => report.error(arg, None, e.to_string()),
        }
    }
    let options = IngestOptions {
        format: args.format.format(),
        batch_size: args.batch_size,
    };
    let started = std::time::Instant::now();
    if let Err(failed) = ingest_with_progress(store.as_ref(), &sources, options, &mut report, progress) {
        // Every batch before the failure is committed (one transaction each): say how far the
        // run got, so that the person knows what re-running has left to do.
        return Err(anyhow::Error::new(failed).context(format!(
            "the ingest stopped after storing {} records ({} new, {} updated, {} unchanged)",
            report.read, report.inserted, report.updated, report.unchanged
        )));
    }
    let seconds = started.elapsed().as_secs_f64();
    // Keep the keyword index current; a store change it misses is caught up by the next search.
    if let Err(e) = super::open_search(config, store.as_ref()) {
        tracing::warn!(error = %e, "the search index could not be updated; it catches up on the next search");
    }
    if args.json {
        print_json(&report)?;
    } else {
        print_human(&report, seconds);
    }
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_human(report: &IngestReport, seconds: f64) {
    println!(
        "read {} records in {seconds:.1}s: {} new, {} updated, {} unchanged, {} rejected",
        report.read, report.inserted, report.updated, report.unchanged, report.rejected
    );
    for problem in report
        .errors
        .iter()
        .map(|p| ("error", p))
        .chain(report.warnings.iter().map(|p| ("warning", p)))
    {
        let (kind, p) = problem;
        match &p.record {
            Some(record) => eprintln!("{kind}: {}: {record}: {}", p.source, p.message),
            None => eprintln!("{kind}: {}: {}", p.source, p.message),
        }
    }
    if report.unlisted_problems > 0 {
        eprintln!("… and {} more problems not listed", report.unlisted_problems);
    }
}
