//! Sync benchmark (issue 12): one busy announcement day for all of cs — about 1,200 new papers
//! and 2,500 cross-lists and replacements — fetched from a local server as arXiv's listing RSS,
//! timed from the request to "searchable" (stored, and in the keyword index), then, with
//! `--embed`, until every new paper is embedded.
//!
//! The day is synthetic, from the real listings in ../shared/data: the items of consecutive
//! real days' feeds (for every cs category the archive holds), dated one day, each paper once;
//! cross-lists and replacements beyond what the archive holds are copies under new ids.
//!
//! Usage: `bench-sync SHARED_DATA_DIR [--embed]` (scripts/bench-sync builds and runs it).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{NaiveDate, Utc};
use paperboy_embed::{EmbedOptions, Embedder};
use paperboy_search::semantic::TextEmbedder;
use paperboy_search::Searcher;
use paperboy_store::SqliteStore;
use paperboy_sync::{Request, SourceKind, SyncConfig, Syncer};
use paperboy_testkit::listing_rss::ListingArchive;
use paperboy_testkit::{ReplayServer, Reply};

/// The categories of "all of cs" that the archive holds papers in.
const CATEGORIES: [&str; 12] = [
    "cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.RO", "cs.IR", "cs.HC", "cs.CR", "cs.SE", "cs.MA", "cs.NE", "cs.SD",
];
/// Items wanted on the busy day: new papers, and cross-lists and replacements.
const BUSY_NEW: usize = 1_200;
const BUSY_OTHERS: usize = 2_500;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (data, embed) = match args.as_slice() {
        [_, data] => (PathBuf::from(data), false),
        [_, data, flag] if flag == "--embed" => (PathBuf::from(data), true),
        _ => bail!("usage: bench-sync SHARED_DATA_DIR [--embed]"),
    };
    let busy_day: NaiveDate = "2026-05-28".parse()?;
    let archive = ListingArchive::load(&data, busy_day).context("reading the listing archive")?;
    let (xml, items, kinds) = busy_feed(&archive, busy_day)?;
    println!(
        "synthetic day {busy_day}: {items} items ({} new, {} cross-lists, {} replacements), {:.1} MB of RSS",
        kinds.0,
        kinds.1,
        kinds.2,
        xml.len() as f64 / 1e6
    );
    let server = ReplayServer::start(move |_, _| Reply::ok(xml.clone()));

    let work = tempfile::tempdir()?;
    let store = SqliteStore::open(work.path())?;
    let mut config = SyncConfig {
        delay: std::time::Duration::ZERO,
        ..SyncConfig::default()
    };
    config.arxiv.categories = Some(CATEGORIES.iter().map(|c| c.to_string()).collect());
    config.arxiv.listing_url = format!("{}/rss/", server.base_url);
    // Completing metadata from the query API is a separate, network-bound step (100 papers a
    // request, one request per 3 s at arXiv): not part of fetch-to-searchable.
    config.arxiv.api_url = String::new();
    let syncer = Syncer {
        papers: &store,
        ledger: &store,
        config: &config,
        progress: &paperboy_domain::NoProgress,
    };
    let started = Instant::now();
    let reports = syncer.run(
        Utc::now(),
        Request {
            only: Some(SourceKind::Arxiv),
            day: Some(busy_day),
        },
    )?;
    let stored = started.elapsed();
    let report = reports.first().context("the arXiv source ran")?;
    if !report.complete() {
        bail!("the day did not complete: {:?}", report.errors);
    }
    let searcher = Searcher::open(work.path())?;
    searcher.lexical.catch_up(&store)?;
    let searchable = started.elapsed();
    println!(
        "{:<44} {:>8.2} s  ({} records: {} inserted)",
        "fetch, parse, store (one transaction a batch)",
        stored.as_secs_f64(),
        report.fetched,
        report.inserted
    );
    println!(
        "{:<44} {:>8.2} s  ({} papers in the keyword index)",
        "fetch to searchable (+ keyword index)",
        searchable.as_secs_f64(),
        searcher.lexical.len()
    );
    if embed {
        let embedder: Arc<dyn TextEmbedder> = Arc::new(Embedder::load(&EmbedOptions::default())?);
        let searcher = Searcher::open_with(work.path(), Ok(embedder), &store)?;
        let started_embedding = Instant::now();
        let progress = searcher.embed_pending(&store, None, &AtomicBool::new(false), true)?;
        let took = started_embedding.elapsed().as_secs_f64();
        println!(
            "{:<44} {:>8.2} s  ({} papers, {:.0} papers/s; {:.1} s after the fetch began)",
            "every new paper embedded",
            took,
            progress.embedded,
            progress.embedded as f64 / took,
            searchable.as_secs_f64() + took
        );
    }
    Ok(())
}

/// One feed dated `day` holding the items of the real days before it, each paper once, until
/// [`BUSY_NEW`] new ones and [`BUSY_OTHERS`] others; returns the XML, the item count and (new,
/// cross, replacements).
fn busy_feed(archive: &ListingArchive, day: NaiveDate) -> anyhow::Result<(String, usize, (usize, usize, usize))> {
    let mut seen = HashSet::new();
    let mut body = String::new();
    let (mut new, mut cross, mut replaced) = (0, 0, 0);
    let mut head = None;
    // The cross-lists and replacements taken, as (id, item XML), to copy from.
    let mut others: Vec<(String, String)> = Vec::new();
    let mut source = day;
    let full = |new: usize, others: usize| new >= BUSY_NEW && others >= BUSY_OTHERS;
    while !full(new, cross + replaced) && source > day - chrono::Duration::days(120) {
        let feed = archive.feed_as(source, day, &CATEGORIES);
        source -= chrono::Duration::days(1);
        let Some(first) = feed.xml.find("<item>") else { continue };
        head.get_or_insert_with(|| feed.xml[..first].to_string());
        for (item, rendered) in feed.xml[first..].split("</item>").zip(&feed.items) {
            let is_new = rendered.announce_type == "new";
            let wanted = if is_new {
                new < BUSY_NEW
            } else {
                cross + replaced < BUSY_OTHERS
            };
            if !wanted || !seen.insert(rendered.paper.id.clone()) {
                continue;
            }
            match rendered.announce_type {
                "new" => new += 1,
                "cross" => cross += 1,
                _ => replaced += 1,
            }
            let item = item.trim_start_matches(|c: char| c != '<');
            if !is_new {
                others.push((rendered.paper.id.clone(), item.to_string()));
            }
            body.push_str(item);
            body.push_str("</item>\n");
        }
    }
    let Some(head) = head else {
        bail!("no listing days with items before {day}");
    };
    // The archive (mostly three categories) holds fewer cross-lists and replacements than a
    // busy day of all of cs: the rest are copies of the real ones under new ids.
    let real_others: Vec<(String, String)> = others.clone();
    let mut serial = 90_000;
    while cross + replaced < BUSY_OTHERS && !real_others.is_empty() {
        for (id, item) in &real_others {
            if cross + replaced >= BUSY_OTHERS {
                break;
            }
            let copy_id = format!("2605.{serial:05}");
            serial += 1;
            if !seen.insert(copy_id.clone()) {
                continue;
            }
            if item.contains("<arxiv:announce_type>cross</arxiv:announce_type>") {
                cross += 1;
            } else {
                replaced += 1;
            }
            body.push_str(&item.replace(id.as_str(), &copy_id));
            body.push_str("</item>\n");
        }
    }
    Ok((
        format!("{head}{body}  </channel>\n</rss>\n"),
        seen.len(),
        (new, cross, replaced),
    ))
}
