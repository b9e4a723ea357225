use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use chrono::NaiveDate;
use paperboy_domain::Progress;
use paperboy_ingest::harvest::{harvest_with_progress, HarvestOptions, HarvestRequest};
use paperboy_ingest::IngestReport;

use super::{open_store, print_json};
use crate::config::docs::flag_help;
use crate::config::{settings, Config};

#[derive(clap::Subcommand)]
pub enum Target {
    /// Harvest arXiv metadata over OAI-PMH, resumably.
    Arxiv(ArxivArgs),
}

#[derive(clap::Args)]
pub struct ArxivArgs {
    /// OAI-PMH set: an archive such as `cs`, `math`, `physics:hep-th`.
    #[arg(long)]
    set: Option<String>,
    /// First datestamp to harvest (YYYY-MM-DD).
    #[arg(long)]
    from: NaiveDate,
    /// Last datestamp to harvest (YYYY-MM-DD); open-ended when left out.
    #[arg(long)]
    until: Option<NaiveDate>,
    /// `arXivRaw` (all versions and dates), `arXiv` or `oai_dc`.
    #[arg(long, default_value = "arXivRaw")]
    metadata_prefix: String,
    #[arg(long, value_name = "URL", help = flag_help(&settings::HARVEST_ENDPOINT.about))]
    endpoint: Option<String>,
    #[arg(long, value_name = "SECS", value_parser = settings::HARVEST_DELAY.flag_parser(),
          help = flag_help(&settings::HARVEST_DELAY.about))]
    delay: Option<Duration>,
    /// Forget a saved resumption point and harvest the range from its start.
    #[arg(long)]
    restart: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, target: Target, progress: &dyn Progress) -> anyhow::Result<ExitCode> {
    let Target::Arxiv(args) = target;
    if let Some(until) = args.until {
        if until < args.from {
            bail!("--until {until} is before --from {}", args.from);
        }
    }
    let request = HarvestRequest {
        endpoint: args.endpoint.unwrap_or_else(|| config.harvest.endpoint.clone()),
        metadata_prefix: args.metadata_prefix,
        set: args.set,
        from: args.from,
        until: args.until,
    };
    let options = HarvestOptions {
        delay: args.delay.unwrap_or(config.harvest.delay),
        restart: args.restart,
        ..HarvestOptions::default()
    };
    let store = open_store(config)?;
    let mut report = IngestReport::default();
    let outcome = harvest_with_progress(store.as_ref(), &request, &options, &mut report, progress);
    let summary = match outcome {
        Ok(summary) => summary,
        Err(e) => {
            eprintln!(
                "read {} records before stopping ({} new, {} updated)",
                report.read, report.inserted, report.updated
            );
            return Err(e.into());
        }
    };
    if args.json {
        print_json(&serde_json::json!({ "harvest": summary, "report": report }))?;
    } else {
        println!(
            "harvested {} pages{}: read {} records, {} new, {} updated, {} unchanged, {} rejected",
            summary.pages,
            if summary.resumed { " (resumed)" } else { "" },
            report.read,
            report.inserted,
            report.updated,
            report.unchanged,
            report.rejected
        );
        for p in &report.errors {
            eprintln!(
                "error: {}: {}: {}",
                p.source,
                p.record.as_deref().unwrap_or("-"),
                p.message
            );
        }
    }
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
