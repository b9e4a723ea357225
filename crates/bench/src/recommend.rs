//! "For you" quality and speed: paperboy's per-reader model against chronological order, global
//! trending and arxiv-sanity's tf-idf + linear SVM, on readers simulated from the real data
//! (see `recommend_data`), with embeddings from the real model (cached on disk).
//!
//! Prints recall@20 and MRR per method on the reported readers, the effect of five "not
//! interested" clicks on the next list, and the speed of ranking 10,000 candidates and of a refit
//! after one vote. The weights were chosen on the tuning readers only: `PAPERBOY_RECOMMEND_TUNE=1`
//! prints the grid searched there.
//!
//! Usage: `bench-recommend SHARED_DATA_DIR [AUTHORS]` (scripts/bench-recommend); the cache is
//! `target/bench-recommend/vectors.bin` unless `PAPERBOY_RECOMMEND_CACHE` says otherwise.
//! `PAPERBOY_RECOMMEND_AUTHORS=1` gives every method the author names (hidden by default);
//! `PAPERBOY_RECOMMEND_SPEED_ONLY=1` skips the quality part.

mod recommend_data;
mod recommend_eval;
mod recommend_speed;
mod recommend_tfidf;
mod recommend_vectors;

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Context};

use recommend_data::Kind;
use recommend_eval::{Corpus, Method};

/// Announcement days in the candidate window (the pool: every paper first announced in them):
/// three, as `/for-you` shows by default.
const WINDOW: usize = 3;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        bail!("usage: bench-recommend SHARED_DATA_DIR [AUTHORS]");
    }
    let authors: usize = args
        .get(2)
        .map_or(Ok(160), |a| a.parse())
        .context("AUTHORS must be a number")?;
    let mut data = recommend_data::load(&PathBuf::from(&args[1]), WINDOW, authors)?;
    // No method sees author names unless `PAPERBOY_RECOMMEND_AUTHORS=1`: the simulated readers
    // are authors, so their name is on every paper they want, and any method that reads names
    // (arxiv-sanity-lite's tf-idf does) finds "my own papers" rather than a taste.
    if std::env::var("PAPERBOY_RECOMMEND_AUTHORS").is_ok_and(|v| v == "1") {
        println!("author names given to every method (as arxiv-sanity-lite's tf-idf reads them)");
    } else {
        data.papers.iter_mut().for_each(|p| p.authors.clear());
    }
    let count = |kind: Kind, tuning: bool| {
        data.readers
            .iter()
            .filter(|r| r.kind == kind && r.tuning == tuning)
            .count()
    };
    println!(
        "window {} … {} ({WINDOW} announcement days): {} candidate papers",
        data.window.0,
        data.window.1,
        data.pool.len()
    );
    println!(
        "readers: {} authors + {} Hugging Face submitters reported; {} + {} for tuning (split by a hash of the name)",
        count(Kind::Author, false),
        count(Kind::Submitter, false),
        count(Kind::Author, true),
        count(Kind::Submitter, true)
    );
    let mut needed: Vec<usize> = data.pool.clone();
    needed.extend(data.readers.iter().flat_map(|r| r.history.iter().copied()));
    needed.sort();
    needed.dedup();
    let cache = std::env::var("PAPERBOY_RECOMMEND_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("target/bench-recommend/vectors.bin"));
    let vectors: HashMap<usize, Vec<f32>> = recommend_vectors::vectors(&data.papers, &needed, &cache)?;
    let corpus = Corpus::new(&data, &needed, vectors);

    if std::env::var("PAPERBOY_RECOMMEND_SPEED_ONLY").is_ok_and(|v| v == "1") {
        return recommend_speed::run(&corpus);
    }
    if std::env::var("PAPERBOY_RECOMMEND_TUNE").is_ok_and(|v| v == "1") {
        recommend_eval::tune(&corpus);
        return Ok(());
    }
    let reported: Vec<&recommend_data::Reader> = data.readers.iter().filter(|r| !r.tuning).collect();
    println!();
    println!("| method | recall@20 | MRR | readers |");
    println!("| --- | ---: | ---: | ---: |");
    let mut results = Vec::new();
    for method in Method::ALL {
        let (recall, mrr) = corpus.evaluate(method, &reported);
        println!("| {} | {recall:.3} | {mrr:.3} | {} |", method.name(), reported.len());
        results.push((method, recall, mrr));
    }
    let ours = results
        .iter()
        .find(|r| r.0 == Method::Paperboy)
        .map(|r| (r.1, r.2))
        .unwrap_or_default();
    println!();
    println!("paperboy against each baseline (reported readers):");
    for (method, recall, mrr) in &results {
        if method.is_baseline() {
            println!(
                "  {}: recall@20 {:+.3} ({:.2}×), MRR {:+.3} ({:.2}×)",
                method.name(),
                ours.0 - recall,
                ours.0 / recall.max(1e-9),
                ours.1 - mrr,
                ours.1 / mrr.max(1e-9)
            );
        }
    }
    for kind in [Kind::Author, Kind::Submitter] {
        let some: Vec<&recommend_data::Reader> = reported.iter().copied().filter(|r| r.kind == kind).collect();
        println!();
        println!("{kind:?} readers only ({}):", some.len());
        for method in Method::ALL {
            let (recall, mrr) = corpus.evaluate(method, &some);
            println!("  {}: recall@20 {recall:.3}, MRR {mrr:.3}", method.name());
        }
    }
    println!();
    corpus.not_interested_effect(&reported);
    println!();
    recommend_speed::run(&corpus)?;
    Ok(())
}
