//! Simulated readers for the "For you" benchmark, from the real listings and daily lists.
//!
//! The last `window` announcement days of the arXiv listings are "the later days": their papers
//! (and the Hugging Face daily papers listed on those days) are the candidate pool. A reader is
//! someone whose earlier papers say what they like and whose papers in the window are what they
//! would want:
//! - an **author** with at least `MIN_AUTHOR_HISTORY` papers before the window and one in it
//!   (an author reads what is close to their own work: the usual proxy when real clicks are
//!   private);
//! - a **submitter** of the Hugging Face daily lists with at least `MIN_SUBMITTER_HISTORY`
//!   submissions before the window and one in it (the aggregator accounts that submit whole
//!   days — over `MAX_SUBMISSIONS` — are left out: they have no taste to learn).
//!
//! History is capped at the `HISTORY` most recent papers (a reader with a few weeks of upvotes;
//! and it bounds how many papers the benchmark embeds).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::NaiveDate;
use flate2::read::MultiGzDecoder;

const MIN_AUTHOR_HISTORY: usize = 5;
const MIN_SUBMITTER_HISTORY: usize = 3;
const MAX_SUBMISSIONS: usize = 100;
pub const HISTORY: usize = 6;

pub struct Paper {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub authors: Vec<String>,
    pub categories: Vec<String>,
    /// First announcement (listings), or the daily list's day for papers only on Hugging Face.
    pub day: NaiveDate,
    /// Hugging Face upvotes (0 for papers not on a daily list).
    pub upvotes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Author,
    Submitter,
}

pub struct Reader {
    pub name: String,
    pub kind: Kind,
    /// Indices into `Dataset::papers`, oldest first.
    pub history: Vec<usize>,
    /// Indices into `Dataset::papers`, all in the pool.
    pub wanted: Vec<usize>,
    /// Tuning readers choose the weights; the others are reported.
    pub tuning: bool,
}

pub struct Dataset {
    /// Papers in listing order (the order of the files and of lines in them).
    pub papers: Vec<Paper>,
    /// Indices of the candidate papers: everything first announced in the window.
    pub pool: Vec<usize>,
    pub readers: Vec<Reader>,
    pub window: (NaiveDate, NaiveDate),
}

struct Daily {
    day: NaiveDate,
    upvotes: u64,
    submitter: String,
    title: String,
    summary: String,
    authors: Vec<String>,
}

/// Loads the data and picks up to `max_authors` author readers (by a hash of the name, so the
/// choice is spread and repeatable) plus every qualifying submitter.
pub fn load(shared: &Path, window: usize, max_authors: usize) -> anyhow::Result<Dataset> {
    let mut papers: Vec<Paper> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (day, line) in listing_lines(&shared.join("arxiv-listings"))? {
        let id = line["id"].as_str().unwrap_or_default().to_string();
        if id.is_empty() || index.contains_key(&id) {
            continue;
        }
        index.insert(id.clone(), papers.len());
        papers.push(Paper {
            id,
            title: text(&line["title"]),
            summary: text(&line["summary"]),
            authors: names(&line["authors"]),
            categories: names(&line["categories"]),
            day,
            upvotes: 0,
        });
    }
    let mut days: Vec<NaiveDate> = papers
        .iter()
        .map(|p| p.day)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    days.sort();
    let first = days[days.len().saturating_sub(window.max(1))];
    let last = *days.last().context("no listing days")?;

    let daily = daily_entries(&shared.join("hf-daily"))?;
    for (id, d) in &daily {
        match index.get(id) {
            Some(&i) => papers[i].upvotes = papers[i].upvotes.max(d.upvotes),
            None if (first..=last).contains(&d.day) => {
                index.insert(id.clone(), papers.len());
                papers.push(Paper {
                    id: id.clone(),
                    title: d.title.clone(),
                    summary: d.summary.clone(),
                    authors: d.authors.clone(),
                    categories: Vec::new(),
                    day: d.day,
                    upvotes: d.upvotes,
                });
            }
            None => {}
        }
    }
    let in_window = |i: usize| papers[i].day >= first;
    let pool: Vec<usize> = (0..papers.len()).filter(|&i| in_window(i)).collect();

    // Authors: papers before the window (listings) and in it.
    let mut by_author: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in papers.iter().enumerate() {
        for a in &p.authors {
            by_author.entry(a.as_str()).or_default().push(i);
        }
    }
    let mut authors: Vec<Reader> = by_author
        .into_iter()
        .filter_map(|(name, list)| reader(name, Kind::Author, &list, &papers, first, MIN_AUTHOR_HISTORY))
        .collect();
    authors.sort_by_key(|r| fnv(&r.name));
    authors.truncate(max_authors);

    // Submitters: their daily-list papers, known to the corpus (listings, or the window's HF).
    let mut by_submitter: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (id, d) in &daily {
        if let Some(&i) = index.get(id) {
            by_submitter.entry(d.submitter.as_str()).or_default().push(i);
        }
    }
    let submitters = by_submitter
        .into_iter()
        .filter(|(_, list)| list.len() <= MAX_SUBMISSIONS)
        .filter_map(|(name, list)| reader(name, Kind::Submitter, &list, &papers, first, MIN_SUBMITTER_HISTORY));
    let mut readers: Vec<Reader> = authors.into_iter().chain(submitters).collect();
    readers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Dataset {
        papers,
        pool,
        readers,
        window: (first, last),
    })
}

fn reader(
    name: &str,
    kind: Kind,
    list: &[usize],
    papers: &[Paper],
    first: NaiveDate,
    min_history: usize,
) -> Option<Reader> {
    let mut history: Vec<usize> = list.iter().copied().filter(|&i| papers[i].day < first).collect();
    let mut wanted: Vec<usize> = list.iter().copied().filter(|&i| papers[i].day >= first).collect();
    history.sort_by_key(|&i| (papers[i].day, i));
    history.dedup();
    wanted.sort();
    wanted.dedup();
    if history.len() < min_history || wanted.is_empty() || name.is_empty() {
        return None;
    }
    let history = history.split_off(history.len() - HISTORY.min(history.len()));
    Some(Reader {
        name: name.to_string(),
        kind,
        history,
        wanted,
        tuning: fnv(&format!("split:{name}")).is_multiple_of(2),
    })
}

/// (announcement day, line) of every listing line, days in order.
fn listing_lines(dir: &Path) -> anyhow::Result<Vec<(NaiveDate, serde_json::Value)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: the arXiv listings of ../shared/data", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let Ok(day) = NaiveDate::parse_from_str(name.get(..10).unwrap_or_default(), "%Y-%m-%d") else {
            continue;
        };
        for line in BufReader::new(MultiGzDecoder::new(File::open(&file)?)).lines() {
            out.push((day, serde_json::from_str(&line?)?));
        }
    }
    Ok(out)
}

/// Each daily-list paper's first entry (the day it was listed).
fn daily_entries(dir: &Path) -> anyhow::Result<BTreeMap<String, Daily>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: the Hugging Face daily lists of ../shared/data", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let mut out = BTreeMap::new();
    for file in files {
        let entries: Vec<serde_json::Value> = serde_json::from_reader(BufReader::new(File::open(&file)?))
            .with_context(|| format!("{}", file.display()))?;
        for e in entries {
            let paper = &e["paper"];
            let id = text(&paper["id"]);
            let day = text(&paper["submittedOnDailyAt"]);
            let Ok(day) = NaiveDate::parse_from_str(day.get(..10).unwrap_or_default(), "%Y-%m-%d") else {
                continue;
            };
            let submitter = e["submittedBy"]["name"]
                .as_str()
                .or_else(|| paper["submittedOnDailyBy"]["name"].as_str())
                .unwrap_or_default()
                .to_string();
            out.entry(id).or_insert(Daily {
                day,
                upvotes: paper["upvotes"].as_u64().unwrap_or(0),
                submitter,
                title: text(&paper["title"]),
                summary: text(&paper["summary"]),
                authors: names(&paper["authors"]),
            });
        }
    }
    Ok(out)
}

fn text(v: &serde_json::Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// A list of names: strings, objects with a "name", or (as some archived lines have it) the text
/// of a Python list of either.
fn names(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().or_else(|| i["name"].as_str()).map(String::from))
            .collect(),
        serde_json::Value::String(s) if s.contains("'name': ") => s
            .split("'name': ")
            .skip(1)
            .filter_map(|rest| {
                let quote = rest.chars().next()?;
                rest[1..].split(quote).next().map(String::from)
            })
            .collect(),
        serde_json::Value::String(s) => s
            .split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-'))
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

/// FNV-1a: a stable hash for choosing and splitting readers.
pub fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
