//! `paperboy library import USER FILE`: a reference manager's export (BibTeX, RIS or CSL-JSON)
//! into an account's library, as the `/settings` upload does it, without the upload's size
//! and fetch limits: entries are matched by arXiv id, DOI or title, papers arXiv has that the
//! store lacks are fetched, and what could not be matched or read is listed by name.

use std::process::ExitCode;

use anyhow::{bail, Context};
use paperboy_domain::library::{FileError, MAX_FILE_BYTES};
use paperboy_ingest::ArxivApi;
use paperboy_web::library::{import_file, ImportError, ImportReport, Sources};
use serde_json::json;

use super::serve::ArxivFetcher;
use super::{open_search, open_store, print_json};
use crate::config::Config;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Import a BibTeX, RIS or CSL-JSON file (a Zotero export) into USER's library.
    Import(ImportArgs),
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The account's name (any case).
    user: String,
    /// The file to import.
    file: std::path::PathBuf,
    /// Match stored papers only: fetch nothing from arXiv.
    #[arg(long)]
    no_fetch: bool,
    /// Print `{"format", "matched", "fetched", "unmatched", "bad", "added"}` as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, action: Action) -> anyhow::Result<ExitCode> {
    match action {
        Action::Import(args) => import(config, args),
    }
}

fn import(config: &Config, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let shown = args.file.display().to_string();
    // Refused before it is read: a huge file must not fill the memory first.
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read {shown}"))?
        .len();
    if size > MAX_FILE_BYTES as u64 {
        bail!(
            "{shown}: nothing was imported: {}",
            FileError::TooLarge {
                size: usize::try_from(size).unwrap_or(usize::MAX),
                max: MAX_FILE_BYTES,
            }
        );
    }
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {shown}"))?;
    let store = open_store(config)?;
    let user = store
        .user_by_name(&args.user)?
        .with_context(|| format!("there is no account named {:?}", args.user))?;
    let searcher = open_search(config, store.as_ref())?;
    let fetcher = ArxivFetcher(ArxivApi {
        endpoint: config.community.arxiv_api.clone(),
    });
    let sources = Sources {
        store: store.as_ref(),
        searcher: Some(&searcher),
        fetcher: (!args.no_fetch).then_some(&fetcher as &dyn paperboy_web::PaperFetcher),
        max_fetch: usize::MAX,
    };
    let report = match import_file(&sources, user.id, &bytes) {
        Ok(report) => report,
        Err(ImportError::File(e)) => bail!("{shown}: nothing was imported: {e}"),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    if args.json {
        print_json(&as_json(&report))?;
    } else {
        print_report(&shown, &user.name, &report);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(file: &str, name: &str, report: &ImportReport) {
    println!(
        "{file} ({}) into {name}'s library: {} matched, {} fetched, {} unmatched, {} not readable; {} added",
        report.format,
        report.matched.len(),
        report.fetched.len(),
        report.unmatched.len(),
        report.bad.len(),
        paperboy_domain::text::count(report.added, "paper"),
    );
    if !report.unmatched.is_empty() {
        println!("unmatched:");
        for entry in &report.unmatched {
            println!("  {}: {}", entry.label, entry.reason);
        }
    }
    if !report.bad.is_empty() {
        println!("not readable:");
        for entry in &report.bad {
            println!("  {}: {}", entry.label, entry.reason);
        }
    }
}

fn as_json(report: &ImportReport) -> serde_json::Value {
    let found = |list: &[paperboy_web::library::Matched]| -> Vec<serde_json::Value> {
        list.iter().map(|m| json!({"label": m.label, "id": m.id})).collect()
    };
    json!({
        "format": report.format.to_string(),
        "matched": found(&report.matched),
        "fetched": found(&report.fetched),
        "unmatched": report.unmatched.iter().map(|u| json!({"label": u.label, "reason": u.reason})).collect::<Vec<_>>(),
        "bad": report.bad.iter().map(|b| json!({"label": b.label, "reason": b.reason})).collect::<Vec<_>>(),
        "added": report.added,
    })
}
