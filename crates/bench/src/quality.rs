//! Search quality: how well keyword, semantic and hybrid search find what people look for, on
//! N real papers from the listings (embedded with the real model).
//!
//! Five kinds of queries, with relevance known without human judges:
//! - **title** (known item): a paper's title, punctuation dropped; the paper is the answer.
//! - **name** (known item, short): the one-word name before a title's colon ("UDAPose").
//! - **description** (known item, other words): the last sentence of a paper's abstract — how
//!   a reader recalls a result, mostly without the title's words; the paper is the answer.
//! - **paraphrase** (known item, the reader's own words): 50 queries written by hand
//!   (`crates/bench/data/paraphrases.tsv`), describing a paper mostly without its title's words.
//! - **low-overlap** (known item, other words entirely): 64 queries written by hand
//!   (`crates/bench/data/low-overlap.tsv`), each sharing at most one content word with its
//!   paper's title and abstract (held to that by `check-overlap`): a layman's summary, where
//!   keyword search has next to nothing to go on.
//! - **topic**: a short topic in plain words ("object detection in images"); relevant papers are
//!   those listed in the topic's arXiv category (a coarse judgment, so precision is a floor).
//!
//! Prints recall@10 and MRR@10 (known items) and precision@10 (topics) per mode, the mean
//! latency, and per mode the mean of the six headline numbers and of the known-item MRRs.
//! Usage: `bench-quality SHARED_DATA_DIR [N] [QUERIES]` (scripts/bench-quality).
//!
//! `PAPERBOY_QUALITY_CACHE=DIR` keeps the loaded and embedded store in `DIR/N` and reuses it on
//! the next run with the same N (embedding is most of a run's time); without it a temporary
//! folder is used.

mod corpus;

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use paperboy_embed::{EmbedOptions, Embedder};
use paperboy_ingest::{ingest, IngestOptions, IngestReport};
use paperboy_search::semantic::TextEmbedder;
use paperboy_search::{Mode, SearchRequest, Searcher};
use paperboy_store::SqliteStore;

/// Hand-written paraphrase queries (id, tab, query), in the repository beside this benchmark.
const PARAPHRASES: &str = include_str!("../data/paraphrases.tsv");
/// Hand-written queries sharing at most one content word with their papers (same format).
const LOW_OVERLAP: &str = include_str!("../data/low-overlap.tsv");

/// Topic queries and the arXiv category that judges them.
const TOPICS: &[(&str, &str)] = &[
    ("object detection in images", "cs.CV"),
    ("semantic segmentation of scenes", "cs.CV"),
    ("video generation with diffusion models", "cs.CV"),
    ("machine translation between languages", "cs.CL"),
    ("question answering with large language models", "cs.CL"),
    ("text summarization", "cs.CL"),
    ("channel capacity and error correcting codes", "cs.IT"),
    ("wireless communication with multiple antennas", "cs.IT"),
    ("Nash equilibrium of games", "cs.GT"),
    ("auctions and mechanism design", "cs.GT"),
    ("rendering meshes and 3D graphics", "cs.GR"),
    ("character animation", "cs.GR"),
    ("finite element simulation", "cs.CE"),
    ("computational finance and trading", "cs.CE"),
    ("planning and reasoning of autonomous agents", "cs.AI"),
];

struct Paper {
    id: String,
    title: String,
    summary: String,
    categories: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        bail!("usage: bench-quality SHARED_DATA_DIR [N] [QUERIES]");
    }
    let n: usize = args
        .get(2)
        .map_or(Ok(3000), |a| a.parse())
        .context("N must be a number")?;
    let per_kind: usize = args
        .get(3)
        .map_or(Ok(150), |a| a.parse())
        .context("QUERIES must be a number")?;
    let real = corpus::distinct_listing_papers(&PathBuf::from(&args[1]).join("arxiv-listings"))?;
    // Spread the sample over all days (and so over categories and topics).
    let step = (real.len() / n.max(1)).max(1);
    let sample: Vec<&corpus::Real> = real.iter().step_by(step).take(n).collect();
    let papers: Vec<Paper> = sample
        .iter()
        .map(|r| Paper {
            id: r.line["id"].as_str().unwrap_or_default().to_string(),
            title: r.title.clone(),
            summary: r.line["summary"].as_str().unwrap_or_default().to_string(),
            categories: categories(&r.line["categories"]),
        })
        .collect();

    let work = tempfile::tempdir()?;
    let cache = std::env::var_os("PAPERBOY_QUALITY_CACHE").map(|dir| PathBuf::from(dir).join(n.to_string()));
    let file = work.path().join("corpus.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
    for r in &sample {
        writeln!(out, "{}", r.line)?;
    }
    out.flush()?;
    drop(out);
    // A cached store already holds these papers (the sample depends only on N): loading them
    // again inserts nothing, and only papers not embedded yet are embedded.
    let store_dir = cache.unwrap_or_else(|| work.path().join("store"));
    let store = SqliteStore::open(&store_dir)?;
    let sources = paperboy_ingest::source::expand(file.to_str().unwrap_or_default())?;
    let mut report = IngestReport::default();
    ingest(&store, &sources, IngestOptions::default(), &mut report)?;
    println!("{} real papers loaded ({} rejected)", report.inserted, report.rejected);

    // PAPERBOY_EMBEDDING_PRECISION=fp32 measures the fp32 graph (int8 is the default).
    let precision = std::env::var("PAPERBOY_EMBEDDING_PRECISION")
        .ok()
        .and_then(|p| paperboy_embed::Precision::parse(&p))
        .unwrap_or_default();
    let options = EmbedOptions {
        precision,
        ..EmbedOptions::default()
    };
    let embedder = Embedder::load(&options)?;
    println!("embedding model {}", embedder.model_id());
    let embedder: Arc<dyn TextEmbedder> = Arc::new(embedder);
    let searcher = Searcher::open_with(&store_dir, Ok(embedder), &store)?;
    searcher.lexical.catch_up(&store)?;
    let started = Instant::now();
    let progress = searcher.embed_pending(&store, None, &AtomicBool::new(false), false)?;
    println!(
        "embedded {} papers in {:.0} s ({:.1} papers/s)",
        progress.embedded,
        started.elapsed().as_secs_f64(),
        progress.embedded as f64 / started.elapsed().as_secs_f64()
    );

    let known: Vec<&Paper> = papers
        .iter()
        .step_by((papers.len() / per_kind).max(1))
        .take(per_kind)
        .collect();
    let titles: Vec<(String, String)> = known.iter().map(|p| (plain(&p.title), p.id.clone())).collect();
    let descriptions: Vec<(String, String)> = known
        .iter()
        .filter_map(|p| last_sentence(&p.summary).map(|s| (plain(&s), p.id.clone())))
        .collect();

    // Short known-item queries: the one-word name before a title's colon ("UDAPose: ...").
    let names: Vec<(String, String)> = known
        .iter()
        .filter_map(|p| short_name(&p.title).map(|n| (n, p.id.clone())))
        .collect();
    // PAPERBOY_QUALITY_HALF=0 or 1 keeps every other query of each kind (from the first or the
    // second), to tune on one half and check on the other.
    let half: Option<usize> = std::env::var("PAPERBOY_QUALITY_HALF").ok().and_then(|h| h.parse().ok());
    let in_half = |i: usize| half.is_none_or(|h| i % 2 == h % 2);
    let keep = |list: Vec<(String, String)>| -> Vec<(String, String)> {
        list.into_iter()
            .enumerate()
            .filter(|(i, _)| in_half(*i))
            .map(|(_, q)| q)
            .collect()
    };
    let loaded: std::collections::HashSet<&str> = papers.iter().map(|p| p.id.as_str()).collect();
    let hand_written = |file: &str| -> Vec<(String, String)> {
        file.lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split_once('\t'))
            .filter(|(id, _)| loaded.contains(id))
            .map(|(id, query)| (query.to_string(), id.to_string()))
            .collect()
    };
    let known_items: [(&str, Vec<(String, String)>); 5] = [
        ("title", keep(titles)),
        ("description", keep(descriptions)),
        ("name", keep(names)),
        ("paraphrase", keep(hand_written(PARAPHRASES))),
        ("low-overlap", keep(hand_written(LOW_OVERLAP))),
    ];
    let topics: Vec<&(&str, &str)> = TOPICS
        .iter()
        .enumerate()
        .filter(|(i, _)| in_half(*i))
        .map(|(_, t)| t)
        .collect();
    if let Ok(path) = std::env::var("PAPERBOY_QUALITY_DUMP") {
        dump_candidates(&searcher, &store, &papers, &known_items, &path)?;
    }

    println!();
    println!("| queries | mode | recall@10 | MRR@10 | P@10 | mean ms |");
    println!("| --- | --- | ---: | ---: | ---: | ---: |");
    // Per mode, each kind's headline number (recall@10, or P@10 for topics), for the overall
    // mean, and each known-item kind's MRR.
    let mut overall: Vec<(Mode, Vec<f64>, Vec<f64>)> = Vec::new();
    for mode in [Mode::Lexical, Mode::Semantic, Mode::Hybrid] {
        let (mut headlines, mut mrrs) = (Vec::new(), Vec::new());
        for (kind, queries) in &known_items {
            let (mut found, mut reciprocal, mut millis) = (0usize, 0f64, 0f64);
            for (query, id) in queries.iter() {
                let t = Instant::now();
                let ids = search(&searcher, &store, query, mode)?;
                millis += t.elapsed().as_secs_f64() * 1000.0;
                if let Some(rank) = ids.iter().position(|i| i == id) {
                    found += 1;
                    reciprocal += 1.0 / (rank + 1) as f64;
                }
            }
            let count = queries.len().max(1) as f64;
            headlines.push(found as f64 / count);
            mrrs.push(reciprocal / count);
            println!(
                "| {kind} ({}) | {mode:?} | {:.3} | {:.3} | | {:.1} |",
                queries.len(),
                found as f64 / count,
                reciprocal / count,
                millis / count
            );
        }
        let (mut precision, mut millis) = (0f64, 0f64);
        for (topic, category) in topics.iter().copied() {
            let t = Instant::now();
            let ids = search(&searcher, &store, topic, mode)?;
            millis += t.elapsed().as_secs_f64() * 1000.0;
            let relevant = ids
                .iter()
                .filter(|id| {
                    papers
                        .iter()
                        .find(|p| &p.id == *id)
                        .is_some_and(|p| p.categories.iter().any(|c| c == category))
                })
                .count();
            precision += relevant as f64 / 10.0;
        }
        let count = topics.len().max(1) as f64;
        println!(
            "| topic ({}) | {mode:?} | | | {:.3} | {:.1} |",
            topics.len(),
            precision / count,
            millis / count
        );
        headlines.push(precision / count);
        overall.push((mode, headlines, mrrs));
    }
    // One number per mode, every kind weighing the same: which mode to use when the kind of
    // query is not known in advance.
    println!();
    println!(
        "| mode | mean over the six kinds (recall@10; P@10 for topics) | mean MRR@10 over the five known-item kinds |"
    );
    println!("| --- | ---: | ---: |");
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len().max(1) as f64;
    for (mode, headlines, mrrs) in overall {
        println!("| {mode:?} | {:.3} | {:.3} |", mean(&headlines), mean(&mrrs));
    }
    Ok(())
}

/// Writes both rankings (top 100, with scores) for every query to `path` as JSON, with the
/// judgments, so fusion methods can be compared offline.
fn dump_candidates(
    searcher: &Searcher,
    store: &SqliteStore,
    papers: &[Paper],
    known: &[(&str, Vec<(String, String)>)],
    path: &str,
) -> anyhow::Result<()> {
    let ranked = |text: &str, mode: Mode| -> anyhow::Result<serde_json::Value> {
        let request = SearchRequest::top(text, mode, 100);
        let response = searcher.search(store, &request)?;
        Ok(response
            .results
            .iter()
            .map(|h| serde_json::json!([h.id.as_str(), h.score]))
            .collect())
    };
    let weight =
        |text: &str| -> anyhow::Result<f32> { Ok(searcher.lexical.query_weight(&paperboy_search::parse(text)?)) };
    // For the first three of each list, how much of the query's words the paper holds.
    let texts: std::collections::HashMap<&str, String> = papers
        .iter()
        .map(|p| (p.id.as_str(), format!("{} {}", p.title, p.summary)))
        .collect();
    let shares = |text: &str, list: &serde_json::Value| -> anyhow::Result<serde_json::Value> {
        let parsed = paperboy_search::parse(text)?;
        Ok(list
            .as_array()
            .into_iter()
            .flatten()
            .take(3)
            .map(|hit| {
                let id = hit[0].as_str().unwrap_or_default();
                let paper = texts.get(id).map_or("", String::as_str);
                serde_json::json!(searcher.lexical.matched_share(&parsed, paper))
            })
            .collect())
    };
    let mut queries = Vec::new();
    for (kind, list) in known {
        for (text, id) in list.iter() {
            let (lexical, semantic) = (ranked(text, Mode::Lexical)?, ranked(text, Mode::Semantic)?);
            queries.push(serde_json::json!({
                "kind": kind, "text": text, "relevant": [id], "weight": weight(text)?,
                "lexical_share": shares(text, &lexical)?, "semantic_share": shares(text, &semantic)?,
                "lexical": lexical, "semantic": semantic,
            }));
        }
    }
    for (topic, category) in TOPICS {
        let relevant: Vec<&str> = papers
            .iter()
            .filter(|p| p.categories.iter().any(|c| c == category))
            .map(|p| p.id.as_str())
            .collect();
        let (lexical, semantic) = (ranked(topic, Mode::Lexical)?, ranked(topic, Mode::Semantic)?);
        queries.push(serde_json::json!({
            "kind": "topic", "text": topic, "relevant": relevant, "weight": weight(topic)?,
            "lexical_share": shares(topic, &lexical)?, "semantic_share": shares(topic, &semantic)?,
            "lexical": lexical, "semantic": semantic,
        }));
    }
    std::fs::write(path, serde_json::to_string(&queries)?)?;
    println!("wrote the candidates of {} queries to {path}", queries.len());
    Ok(())
}

fn search(searcher: &Searcher, store: &SqliteStore, text: &str, mode: Mode) -> anyhow::Result<Vec<String>> {
    let request = SearchRequest::top(text, mode, 10);
    let response = searcher.search(store, &request)?;
    Ok(response.results.iter().map(|h| h.id.as_str().to_string()).collect())
}

/// Text without search syntax (quotes, minus signs, colons).
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_alphanumeric() || c == ' ' { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The title's name: a single word before a colon, with a letter and not a common word.
fn short_name(title: &str) -> Option<String> {
    let (head, _) = title.split_once(':')?;
    let name = plain(head);
    let one_word = !name.is_empty() && !name.contains(' ');
    (one_word && name.chars().skip(1).any(|c| c.is_uppercase())).then_some(name)
}

/// The abstract's last sentence of 8 words or more.
fn last_sentence(summary: &str) -> Option<String> {
    summary
        .split(". ")
        .map(str::trim)
        .filter(|s| s.split_whitespace().count() >= 8)
        .last()
        .map(|s| s.trim_end_matches('.').to_string())
}

/// The listings store categories as a list, or as the text of a Python list.
fn categories(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
        serde_json::Value::String(text) => text
            .split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-'))
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}
