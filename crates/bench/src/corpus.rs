//! The synthetic corpus the benchmarks grow from the real listings: new ids, and each copy's
//! abstract mixed with another paper's, so no two abstracts are equal.

#![allow(dead_code)] // each benchmark uses its own part

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

pub struct Real {
    pub line: serde_json::Value,
    pub title: String,
    pub author: String,
}

pub fn distinct_listing_papers(dir: &Path) -> anyhow::Result<Vec<Real>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
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
                let title = value["title"].as_str().unwrap_or_default().to_string();
                let author = value["authors"][0].as_str().unwrap_or_default().to_string();
                out.push(Real {
                    line: value,
                    title,
                    author,
                });
            }
        }
    }
    Ok(out)
}

/// Writes `n` papers: copy k of paper i gets a fresh id, and its abstract is its own first half
/// followed by the second half of paper i+k's.
pub fn grow(papers: &[Real], n: usize, path: &Path) -> anyhow::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    for serial in 0..n {
        let (i, copy) = (serial % papers.len(), serial / papers.len());
        let mut value = papers[i].line.clone();
        if copy > 0 {
            let other = papers[(i + copy * 7919) % papers.len()].line["summary"]
                .as_str()
                .unwrap_or_default();
            let own = value["summary"].as_str().unwrap_or_default();
            let mixed = format!(
                "{} {}",
                &own[..floor_boundary(own, own.len() / 2)],
                &other[floor_boundary(other, other.len() / 2)..]
            );
            value["summary"] = serde_json::Value::String(mixed);
        }
        value["id"] = serde_json::Value::String(format!(
            "{:02}{:02}.{:05}",
            10 + serial / 1_200_000,
            1 + (serial / 100_000) % 12,
            serial % 100_000
        ));
        serde_json::to_writer(&mut out, &value)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn floor_boundary(s: &str, mut index: usize) -> usize {
    while !s.is_char_boundary(index) {
        index -= 1;
    }
    index
}
