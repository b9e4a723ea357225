use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::ValueEnum;
use paperboy_domain::cite::Format;
use paperboy_domain::PaperDocument;
use paperboy_search::SearchRequest;
use paperboy_store::{Backend, Page, StoreError};

use super::{open_full_search, open_store};
use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    format: ExportFormat,
    /// Only the papers matching this search (best first, at most `--limit`).
    #[arg(long, value_name = "Q")]
    search: Option<String>,
    /// Only the papers of this day (YYYY-MM-DD): its curated list, then arXiv's announcements.
    #[arg(long, value_name = "D")]
    day: Option<NaiveDate>,
    /// Papers a `--search` export holds at most.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// One paper document per line, as `show --json` prints it; `ingest` reads it back.
    Jsonl,
    /// BibTeX entries (`@misc`/`@article` with `eprint`), for LaTeX and reference managers.
    Bibtex,
    /// RIS records, for reference managers.
    Ris,
    /// A CSL-JSON array, for citeproc processors, Pandoc and Zotero.
    CslJson,
}

pub fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    if args.search.is_some() && args.day.is_some() {
        anyhow::bail!("--search and --day cannot be combined: choose one list to export");
    }
    if !(1..=10_000).contains(&args.limit) {
        anyhow::bail!("--limit must be between 1 and 10000");
    }
    let store = open_store(config)?;
    let sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(File::create(path).with_context(|| format!("cannot create {}", path.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    let citation = match args.format {
        ExportFormat::Jsonl => None,
        ExportFormat::Bibtex => Some(Format::Bibtex),
        ExportFormat::Ris => Some(Format::Ris),
        ExportFormat::CslJson => Some(Format::CslJson),
    };
    let selected = match (&args.search, args.day) {
        (Some(q), _) => Some(searched(config, store.as_ref(), q, args.limit)?),
        (None, Some(day)) => Some(of_day(store.as_ref(), day)?),
        (None, None) => None,
    };
    let docs = match (citation, selected) {
        (_, Some(docs)) => docs,
        (Some(_), None) => {
            let mut docs = Vec::new();
            store.for_each_paper(&mut |doc| {
                docs.push(doc);
                Ok(())
            })?;
            docs
        }
        (None, None) => return export_all_jsonl(store.as_ref(), out),
    };
    match citation {
        Some(format) => out.write_all(format.write(docs.iter().map(|d| &d.paper)).as_bytes())?,
        None => {
            for doc in &docs {
                serde_json::to_writer(&mut out, doc)?;
                out.write_all(b"\n")?;
            }
        }
    }
    out.flush().context("writing the export failed")?;
    tracing::info!(papers = docs.len(), "export done");
    Ok(ExitCode::SUCCESS)
}

/// The best matches of `q`, best first.
fn searched(config: &Config, store: &dyn Backend, q: &str, limit: usize) -> anyhow::Result<Vec<PaperDocument>> {
    let searcher = open_full_search(config, store)?;
    let request = SearchRequest::top(q, paperboy_search::Mode::Hybrid, limit);
    let response = searcher.search(store, &request)?;
    for notice in &response.notices {
        eprintln!("note: {notice}");
    }
    let mut docs = Vec::new();
    for hit in response.results {
        docs.extend(store.paper(&hit.id)?);
    }
    Ok(docs)
}

/// A day's curated list, then the rest of what arXiv announced that day.
fn of_day(store: &dyn Backend, day: NaiveDate) -> anyhow::Result<Vec<PaperDocument>> {
    let mut docs = store.daily_list(day)?;
    let all = Page {
        offset: 0,
        limit: 1_000_000,
    };
    for doc in store.announced_on(day, None, all)? {
        if !docs.iter().any(|d| d.paper.id == doc.paper.id) {
            docs.push(doc);
        }
    }
    Ok(docs)
}

/// Every paper as JSON lines, streamed (the store may hold millions).
fn export_all_jsonl(store: &dyn Backend, mut out: BufWriter<Box<dyn Write>>) -> anyhow::Result<ExitCode> {
    let mut count = 0u64;
    store.for_each_paper(&mut |doc| {
        let write = serde_json::to_writer(&mut out, &doc)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        count += 1;
        write.map_err(|e| StoreError::Other(format!("writing the export failed: {e}")))
    })?;
    out.flush().context("writing the export failed")?;
    tracing::info!(papers = count, "export done");
    Ok(ExitCode::SUCCESS)
}
