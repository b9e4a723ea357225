//! Semantic and hybrid search latency at scale, and the vector index's memory.
//!
//! Embedding 100k or 1M papers on 2 cores takes hours, so the corpus's vectors are grown from
//! real ones: SEEDS real papers are embedded with the real model, and paper i of the synthetic
//! corpus (`corpus::grow`, as `bench-search` uses) gets seed (i mod SEEDS)'s vector plus a little
//! deterministic noise, renormalised. The vectors are then as clustered as real ones, which is
//! what HNSW search time depends on. Queries are embedded for real, as in production.
//!
//! Usage: `bench-hybrid SHARED_DATA_DIR [TOTAL] [SEEDS] [QUERIES]` (scripts/bench-hybrid).
//! `PAPERBOY_HYBRID_CACHE=DIR` keeps the grown store and its indexes in `DIR/TOTAL-SEEDS` and
//! reuses them: at 1M papers, build once (at low priority, while others work) and time the
//! queries alone on a quiet machine. `PAPERBOY_HYBRID_BACKLOG=1` times them as if no paper
//! were embedded yet by the background embedder (the vectors are there; the cursor is not).

mod corpus;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use paperboy_domain::ArxivId;
use paperboy_embed::{paper_text, EmbedOptions, Embedder};
use paperboy_ingest::{ingest, IngestOptions, IngestReport};
use paperboy_search::semantic::{cursor_key, TextEmbedder};
use paperboy_search::{Mode, SearchRequest, Searcher};
use paperboy_store::embeddings::text_hash;
use paperboy_store::{EmbeddingStore, EmbeddingWrite, PaperStore, SqliteStore};

/// Noise added to each grown vector, per dimension (before renormalising).
const NOISE: f32 = 0.02;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        bail!("usage: bench-hybrid SHARED_DATA_DIR [TOTAL] [SEEDS] [QUERIES]");
    }
    let number = |i: usize, default: usize| -> anyhow::Result<usize> {
        args.get(i)
            .map_or(Ok(default), |a| a.parse().context("arguments are numbers"))
    };
    let (total, seeds, queries) = (number(2, 100_000)?, number(3, 1_000)?, number(4, 200)?);
    let real = corpus::distinct_listing_papers(&PathBuf::from(&args[1]).join("arxiv-listings"))?;
    let work = tempfile::tempdir()?;
    let cache =
        std::env::var_os("PAPERBOY_HYBRID_CACHE").map(|dir| PathBuf::from(dir).join(format!("{total}-{seeds}")));
    let store_dir = cache.clone().unwrap_or_else(|| work.path().join("store"));
    // Written once the store and both indexes are complete; a run cut short builds again.
    let ready = store_dir.join("bench-hybrid.ready");
    let store = SqliteStore::open(&store_dir)?;
    let embedder = Arc::new(Embedder::load(&EmbedOptions::default())?);
    if !ready.exists() {
        grow_store(
            &store,
            &real,
            total,
            seeds,
            embedder.as_ref(),
            &work.path().join("corpus.jsonl"),
        )?;
    }

    // Every paper has its vector, as on a server that has caught up: the embedding cursor is the
    // store's latest change. PAPERBOY_HYBRID_BACKLOG=1 leaves it at 0 instead, as during a full
    // re-embedding, where every search also counts the papers still pending.
    let cursor = if std::env::var_os("PAPERBOY_HYBRID_BACKLOG").is_some() {
        0
    } else {
        store.change_seq()?
    };
    store.set_state(&cursor_key(embedder.model_id()), Some(&cursor.to_string()))?;

    let rss_before = rss_mb();
    let started = Instant::now();
    let searcher = Searcher::open_with(&store_dir, Ok(Arc::clone(&embedder) as Arc<dyn TextEmbedder>), &store)?;
    searcher.lexical.catch_up(&store)?;
    println!(
        "indexes {} in {:.1} s: {} vectors; resident memory +{:.0} MB",
        if ready.exists() {
            "opened from the cache"
        } else {
            "built"
        },
        started.elapsed().as_secs_f64(),
        searcher.vector_count(),
        rss_mb() - rss_before
    );
    if cache.is_some() {
        std::fs::write(&ready, "")?;
    }
    let sample: Vec<String> = real
        .iter()
        .step_by((real.len() / queries.max(1)).max(1))
        .take(queries)
        .map(|p| {
            p.title
                .split_whitespace()
                .filter(|w| w.len() > 4 && w.chars().all(char::is_alphanumeric))
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|q| !q.is_empty())
        .collect();
    println!("\n| papers | mode | queries | p50 ms | p99 ms | max ms |");
    println!("| ---: | --- | ---: | ---: | ---: | ---: |");
    for mode in [Mode::Lexical, Mode::Semantic, Mode::Hybrid] {
        let timings = timed(&sample, |text| {
            searcher
                .search(&store, &SearchRequest::top(text, mode, 10))
                .map(drop)
                .map_err(anyhow::Error::from)
        })?;
        print_row(&format!("{total} | {mode:?}"), &timings);
    }
    // The part of the semantic time that does not depend on the corpus's size.
    let embedding = timed(&sample, |text| {
        embedder.embed_query(text).map(drop).map_err(anyhow::Error::msg)
    })?;
    print_row(&format!("{total} | the query's embedding alone"), &embedding);
    Ok(())
}

/// Each text's time in ms, from the second of two passes (the first warms caches), sorted.
fn timed(sample: &[String], mut run: impl FnMut(&str) -> anyhow::Result<()>) -> anyhow::Result<Vec<f64>> {
    let mut timings = Vec::new();
    for round in 0..2 {
        for text in sample {
            let started = Instant::now();
            run(text)?;
            if round == 1 {
                timings.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    timings.sort_by(f64::total_cmp);
    Ok(timings)
}

/// A table row: `label`, then the count, p50, p99 and max of sorted `timings`.
fn print_row(label: &str, timings: &[f64]) {
    let pick = |q: f64| timings[((timings.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "| {label} | {} | {:.2} | {:.2} | {:.2} |",
        timings.len(),
        pick(0.5),
        pick(0.99),
        pick(1.0)
    );
}

/// Loads the synthetic corpus of `total` papers into `store` and gives each a vector grown from
/// `seeds` real embeddings (see the module's comment).
fn grow_store(
    store: &SqliteStore,
    real: &[corpus::Real],
    total: usize,
    seeds: usize,
    embedder: &Embedder,
    file: &Path,
) -> anyhow::Result<()> {
    corpus::grow(real, total, file)?;
    let started = Instant::now();
    let sources = paperboy_ingest::source::expand(file.to_str().unwrap_or_default())?;
    ingest(store, &sources, IngestOptions::default(), &mut IngestReport::default())?;
    println!("{total} papers loaded in {:.1} s", started.elapsed().as_secs_f64());

    let model = embedder.model_id().to_string();
    // Real vectors for the first SEEDS papers (in store order, which is the corpus's id order).
    let mut ids: Vec<(ArxivId, String)> = Vec::with_capacity(total);
    store.for_each_paper(&mut |doc| {
        let text = paper_text(&doc.paper.title, &doc.paper.abstract_text);
        ids.push((doc.paper.id.clone(), text));
        Ok(())
    })?;
    let started = Instant::now();
    let seed_texts: Vec<&str> = ids.iter().take(seeds).map(|(_, t)| t.as_str()).collect();
    let mut seed_vectors = Vec::with_capacity(seeds);
    for chunk in seed_texts.chunks(64) {
        seed_vectors.extend(embedder.embed(chunk).map_err(anyhow::Error::msg)?);
    }
    println!(
        "{} seed papers embedded in {:.1} s",
        seed_vectors.len(),
        started.elapsed().as_secs_f64()
    );
    let mut random = 0x9E37_79B9_7F4A_7C15u64;
    for (batch_start, batch) in ids.chunks(2_000).enumerate().map(|(i, b)| (i * 2_000, b)) {
        let vectors: Vec<Vec<f32>> = (0..batch.len())
            .map(|k| {
                let serial = batch_start + k;
                let seed = &seed_vectors[serial % seed_vectors.len()];
                // The seeds themselves keep their real vectors; copies get noise.
                grown(seed, serial < seed_vectors.len(), &mut random)
            })
            .collect();
        let rows: Vec<EmbeddingWrite<'_>> = batch
            .iter()
            .zip(&vectors)
            .map(|((id, text), vector)| EmbeddingWrite {
                id,
                text_hash: text_hash(text),
                vector,
            })
            .collect();
        store.put_embeddings(&model, &rows, &[], "bench.hybrid", 0)?;
    }

    Ok(())
}

/// A seed vector with deterministic noise, unit length.
fn grown(seed: &[f32], exact: bool, state: &mut u64) -> Vec<f32> {
    if exact {
        return seed.to_vec();
    }
    let mut v: Vec<f32> = seed
        .iter()
        .map(|x| {
            // xorshift64*: fast and reproducible; uniform in [-1, 1).
            *state ^= *state >> 12;
            *state ^= *state << 25;
            *state ^= *state >> 27;
            let r = (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32;
            x + NOISE * (2.0 * r - 1.0)
        })
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// Resident memory of this process, in MB (Linux).
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
