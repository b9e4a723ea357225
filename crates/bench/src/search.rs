//! Search latency benchmark: keyword query latency (p50/p99) over a synthetic corpus grown from
//! the real listings to N papers (new ids; each abstract's sentences mixed with another
//! paper's, so no two abstracts are equal), loaded with `paperboy ingest`.
//!
//! Also what opening the index costs: the process that writes it checks every segment file's
//! checksum when it opens it (a damaged index is rebuilt, not served); printed once per N.
//!
//! Usage: `bench-search PAPERBOY_BINARY SHARED_DATA_DIR N [N…]` (scripts/bench-search).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use paperboy_search::{Mode, SearchRequest, Searcher};
use paperboy_store::SqliteStore;

mod corpus;

use corpus::{distinct_listing_papers, grow, Real};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        bail!("usage: bench-search PAPERBOY_BINARY SHARED_DATA_DIR N [N…]");
    }
    let (binary, data) = (PathBuf::from(&args[1]), PathBuf::from(&args[2]));
    let papers = distinct_listing_papers(&data.join("arxiv-listings"))?;
    println!("{} distinct real papers to grow from", papers.len());
    println!(
        "{:>9} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9}",
        "papers", "load s", "index MB", "kind", "p50 ms", "p99 ms", "max ms"
    );
    for n in &args[3..] {
        let n: usize = n.parse().context("N must be a number")?;
        let work = tempfile::tempdir()?;
        let corpus = work.path().join("corpus.jsonl");
        grow(&papers, n, &corpus)?;
        let store_dir = work.path().join("store");
        let started = Instant::now();
        let status = Command::new(&binary)
            .arg("--quiet")
            .arg("--data-dir")
            .arg(&store_dir)
            .arg("ingest")
            .arg(&corpus)
            .status()?;
        if !status.success() {
            bail!("ingest failed");
        }
        let load_seconds = started.elapsed().as_secs_f64();
        let index_mb = dir_size(&paperboy_search::lexical_dir(&store_dir))? as f64 / 1e6;
        let store = SqliteStore::open(&store_dir)?;
        let started = Instant::now();
        let searcher = Searcher::open(&store_dir)?;
        let open_ms = started.elapsed().as_secs_f64() * 1000.0;
        let checked = searcher.lexical.verify_checksums()?;
        println!(
            "{n:>9} papers: opening the index took {open_ms:.0} ms, of which checking {} files ({:.0} MB) {:.0} ms ({:.0} MB/s)",
            checked.files,
            checked.bytes as f64 / 1e6,
            checked.took.as_secs_f64() * 1000.0,
            checked.bytes as f64 / 1e6 / checked.took.as_secs_f64().max(1e-9)
        );
        for (kind, queries) in query_sets(&papers) {
            let mut timings = Vec::with_capacity(queries.len());
            for (round, text) in queries.iter().cycle().take(queries.len() * 2).enumerate() {
                let request = SearchRequest::top(text.clone(), Mode::Lexical, 10);
                let started = Instant::now();
                searcher.search(&store, &request)?;
                if round >= queries.len() {
                    timings.push(started.elapsed().as_secs_f64() * 1000.0); // second pass: warm
                }
            }
            timings.sort_by(f64::total_cmp);
            let pick = |q: f64| timings[((timings.len() as f64 - 1.0) * q).round() as usize];
            println!(
                "{n:>9} {load_seconds:>10.1} {index_mb:>10.0} {kind:>9} {:>9.2} {:>9.2} {:>9.2}",
                pick(0.5),
                pick(0.99),
                pick(1.0)
            );
        }
    }
    Ok(())
}

/// Query kinds: whole titles (known item), three-word topics, an author filter, a phrase.
fn query_sets(papers: &[Real]) -> Vec<(&'static str, Vec<String>)> {
    let sample: Vec<&Real> = papers.iter().step_by((papers.len() / 200).max(1)).take(200).collect();
    let titles = sample.iter().map(|p| p.title.replace('"', " ")).collect();
    let topics = sample
        .iter()
        .map(|p| {
            p.title
                .split_whitespace()
                .filter(|w| w.len() > 4)
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|q| !q.is_empty())
        .collect();
    let authors = sample
        .iter()
        .map(|p| format!("author:\"{}\"", p.author.replace('"', "")))
        .collect();
    let phrases = sample
        .iter()
        .filter_map(|p| {
            let words: Vec<&str> = p
                .title
                .split_whitespace()
                .filter(|w| w.chars().all(char::is_alphabetic))
                .take(2)
                .collect();
            (words.len() == 2).then(|| format!("\"{} {}\"", words[0], words[1]))
        })
        .collect();
    vec![
        ("title", titles),
        ("topic", topics),
        ("author", authors),
        ("phrase", phrases),
    ]
}

fn dir_size(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let meta = entry?.metadata()?;
        total += meta.len();
    }
    Ok(total)
}
