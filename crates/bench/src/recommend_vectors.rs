//! The benchmark's embeddings, computed with the real model once and kept on disk: a re-run (or
//! a tuning run) embeds only papers it has not seen.
//!
//! The cache is one binary file: a header line with the model id and dimension, then per paper
//! its id's length (u16), the id, and the vector (f32, little-endian). Vectors of another model
//! are ignored.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use paperboy_embed::{paper_text, EmbedOptions, Embedder};

use crate::recommend_data::Paper;

/// Texts handed to the embedder at once, as the indexer does.
const CHUNK: usize = 64;

/// The unit vectors of `wanted` papers (indices into `papers`), from `cache` where present.
pub fn vectors(papers: &[Paper], wanted: &[usize], cache: &Path) -> anyhow::Result<HashMap<usize, Vec<f32>>> {
    let embedder =
        Embedder::load(&EmbedOptions::default()).context("loading the embedding model (run scripts/setup)")?;
    // The model id says the model and the truncation: the two things that change the vectors.
    let header = format!("paperboy-bench-recommend {} {}\n", embedder.model_id(), embedder.dim());
    let mut known = read(cache, &header, embedder.dim()).unwrap_or_default();
    let missing: Vec<usize> = wanted
        .iter()
        .copied()
        .filter(|&i| !known.contains_key(&papers[i].id))
        .collect();
    if !missing.is_empty() {
        println!(
            "embedding {} papers ({} cached in {})…",
            missing.len(),
            known.len(),
            cache.display()
        );
        let started = Instant::now();
        for (n, chunk) in missing.chunks(CHUNK).enumerate() {
            let texts: Vec<String> = chunk
                .iter()
                .map(|&i| paper_text(&papers[i].title, &papers[i].summary))
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            for (&i, mut v) in chunk.iter().zip(embedder.embed(&refs)?) {
                paperboy_recommend::normalise(&mut v);
                known.insert(papers[i].id.clone(), v);
            }
            if n % 10 == 9 {
                println!(
                    "  {} / {} ({:.1} papers/s)",
                    (n + 1) * CHUNK,
                    missing.len(),
                    ((n + 1) * CHUNK) as f64 / started.elapsed().as_secs_f64()
                );
            }
        }
        write(cache, &header, &known)?;
        println!(
            "embedded {} papers in {:.0} s",
            missing.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(wanted
        .iter()
        .filter_map(|&i| known.get(&papers[i].id).map(|v| (i, v.clone())))
        .collect())
}

fn read(path: &Path, header: &str, dim: usize) -> anyhow::Result<HashMap<String, Vec<f32>>> {
    let mut bytes = Vec::new();
    BufReader::new(std::fs::File::open(path)?).read_to_end(&mut bytes)?;
    let mut rest = bytes
        .strip_prefix(header.as_bytes())
        .context("cache of another model")?;
    let mut out = HashMap::new();
    while rest.len() >= 2 {
        let len = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        let (id, after) = rest[2..].split_at_checked(len).context("truncated cache")?;
        let (raw, after) = after.split_at_checked(dim * 4).context("truncated cache")?;
        let vector = raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        out.insert(String::from_utf8(id.to_vec())?, vector);
        rest = after;
    }
    Ok(out)
}

fn write(path: &Path, header: &str, vectors: &HashMap<String, Vec<f32>>) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = path.with_extension("partial");
    let mut out = BufWriter::new(std::fs::File::create(&partial)?);
    out.write_all(header.as_bytes())?;
    let mut ids: Vec<&String> = vectors.keys().collect();
    ids.sort();
    for id in ids {
        out.write_all(&(id.len() as u16).to_le_bytes())?;
        out.write_all(id.as_bytes())?;
        for x in &vectors[id] {
            out.write_all(&x.to_le_bytes())?;
        }
    }
    out.flush()?;
    drop(out);
    // Whole or not at all: an interrupted run leaves the old cache.
    std::fs::rename(&partial, path)?;
    Ok(())
}
