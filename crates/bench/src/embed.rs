//! Embedding throughput benchmark: papers/s and tokens/s embedding N real papers
//! (`paperboy_embed::paper_text` of each listing's title and abstract), per configuration of
//! sessions × threads, batch size (texts of similar length batched together) and truncation; for
//! truncations other than 256, the quality effect as the cosine of each paper's embedding with its
//! 256-token one (which matches sentence-transformers).
//!
//! Usage: `bench-embed SHARED_DATA_DIR N [CONFIG…]` (scripts/bench-embed), CONFIG like
//! `s2t1b1m256` (2 sessions of 1 thread, batches of 1, 256 tokens, the fp32 graph), `-int8` after
//! it for the int8 graph (`s2t1b1m256-int8`), optionally `@MODEL_DIR` to try another model folder
//! against the default folder's 256-token fp32 vectors (the reference: a run of `…m256` without
//! a suffix). The model and ONNX Runtime are found as paperboy finds them (run scripts/setup first).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use flate2::read::MultiGzDecoder;
use paperboy_embed::{paper_text, EmbedOptions, Embedder, Precision, Tuning};

const DEFAULT_CONFIGS: [&str; 9] = [
    "s1t2b1m256",
    "s2t1b1m256",
    "s2t1b1m256-int8",
    "s2t1b4m256",
    "s1t2b8m256",
    "s2t1b1m192",
    "s2t1b1m128",
    "s2t1b1m384",
    "s2t1b1m512",
];

/// Texts are handed to the embedder in chunks of this many, as an indexer would.
const CHUNK: usize = 64;

struct Config {
    tuning: Tuning,
    max_tokens: usize,
    model_dir: Option<PathBuf>,
    precision: Precision,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        bail!("usage: bench-embed SHARED_DATA_DIR N [CONFIG…]  (CONFIG like s2t1b1m256)");
    }
    let n: usize = args[2].parse().context("N must be a number")?;
    let texts = paper_texts(&PathBuf::from(&args[1]).join("arxiv-listings"), n)?;
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let names: Vec<String> = if args.len() > 3 {
        args[3..].to_vec()
    } else {
        DEFAULT_CONFIGS.iter().map(|s| s.to_string()).collect()
    };
    println!("{} real papers (title + abstract)", texts.len());
    println!(
        "| {:<12} | {:>8} | {:>5} | {:>6} | {:>8} | {:>8} | {:>9} | {:>12} | {:>11} | {:>10} |",
        "config",
        "sessions",
        "thr",
        "batch",
        "max tok",
        "papers/s",
        "tokens/s",
        "CPU ms/paper",
        "mean cos256",
        "min cos256"
    );
    let mut reference: Option<Vec<Vec<f32>>> = None;
    for name in names {
        let config = parse_config(&name)?;
        let options = EmbedOptions {
            max_tokens: config.max_tokens,
            model_dir: config.model_dir.clone(),
            precision: config.precision,
            ..EmbedOptions::default()
        };
        let embedder = Embedder::load_tuned(&options, config.tuning)?;
        if embedder.precision() != config.precision {
            bail!(
                "{name}: the model folder has no {} graph (run scripts/setup)",
                config.precision.name()
            );
        }
        embedder.embed(&texts[..texts.len().min(8)])?;
        let tokens: usize = embedder.token_counts(&texts)?.iter().sum();
        let (started, cpu_started) = (Instant::now(), process_cpu_seconds());
        let mut vectors = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(CHUNK) {
            vectors.extend(embedder.embed(chunk)?);
        }
        let seconds = started.elapsed().as_secs_f64();
        let cpu_ms_per_paper = (process_cpu_seconds() - cpu_started) * 1000.0 / texts.len() as f64;
        let is_reference =
            config.max_tokens == 256 && config.model_dir.is_none() && config.precision == Precision::Fp32;
        if is_reference && reference.is_none() {
            reference = Some(vectors.clone());
        }
        let (mean, min) = match &reference {
            _ if is_reference => ("(ref)".to_string(), String::new()),
            Some(reference) => {
                let cosines: Vec<f32> = reference.iter().zip(&vectors).map(|(a, b)| dot(a, b)).collect();
                let mean = cosines.iter().sum::<f32>() / cosines.len() as f32;
                let min = cosines.iter().copied().fold(f32::INFINITY, f32::min);
                (format!("{mean:.4}"), format!("{min:.4}"))
            }
            None => ("(no ref run)".to_string(), String::new()),
        };
        println!(
            "| {:<12} | {:>8} | {:>5} | {:>6} | {:>8} | {:>8.1} | {:>9.0} | {:>12.1} | {:>11} | {:>10} |",
            name,
            config.tuning.sessions,
            config.tuning.threads_per_session,
            config.tuning.batch_size,
            config.max_tokens,
            texts.len() as f64 / seconds,
            tokens as f64 / seconds,
            cpu_ms_per_paper,
            mean,
            min
        );
    }
    Ok(())
}

fn parse_config(name: &str) -> anyhow::Result<Config> {
    let (name, model_dir) = match name.split_once('@') {
        Some((name, dir)) => (name, Some(PathBuf::from(dir))),
        None => (name, None),
    };
    let (name, precision) = match name.split_once('-') {
        Some((name, precision)) => (
            name,
            Precision::parse(precision).with_context(|| format!("{precision:?}: int8 or fp32"))?,
        ),
        None => (name, Precision::Fp32),
    };
    let mut numbers = [0usize; 4];
    let mut rest = name;
    for (slot, letter) in numbers.iter_mut().zip(['s', 't', 'b', 'm']) {
        rest = rest
            .strip_prefix(letter)
            .with_context(|| format!("config {name:?}: expected '{letter}' (like s2t1b1m256)"))?;
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        *slot = rest[..digits]
            .parse()
            .with_context(|| format!("config {name:?}: a number after '{letter}'"))?;
        rest = &rest[digits..];
    }
    Ok(Config {
        tuning: Tuning {
            sessions: numbers[0],
            threads_per_session: numbers[1],
            batch_size: numbers[2],
            // Throughput at the caller's priority, as the benchmark's other work runs.
            bulk_nice: 0,
        },
        max_tokens: numbers[3],
        model_dir,
        precision,
    })
}

/// The first `n` distinct papers of the listings, in file order.
fn paper_texts(dir: &Path, n: usize) -> anyhow::Result<Vec<String>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for file in files {
        for line in BufReader::new(MultiGzDecoder::new(File::open(&file)?)).lines() {
            let value: serde_json::Value = serde_json::from_str(&line?)?;
            let id = value["id"].as_str().unwrap_or_default().to_string();
            if seen.insert(id) {
                let title = value["title"].as_str().unwrap_or_default();
                let summary = value["summary"].as_str().unwrap_or_default();
                out.push(paper_text(title, summary));
                if out.len() == n {
                    return Ok(out);
                }
            }
        }
    }
    Ok(out)
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// CPU time used by this process so far (all threads), from /proc/self/stat; 0 where there is
/// no /proc. Printed beside wall-clock rates because the development machine is shared: CPU time
/// per paper says what the work costs, whatever else runs.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime: fields 14 and 15 of stat, 11 and 12 counted from the state after the name;
    // in clock ticks, 100 a second on Linux.
    (ticks(11) + ticks(12)) / 100.0
}
