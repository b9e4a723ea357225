//! Checks a hand-written query set against the papers it describes: how many content words each
//! query shares with its paper's title and abstract. The low-overlap paraphrase set
//! (`crates/bench/data/low-overlap.tsv`) must share at most one, so that keyword search cannot
//! find its papers by their words; this checker is what holds it to that, before any search runs.
//!
//! Words are lower-cased runs of letters and digits of two characters or more, less English
//! function words, with a light stemming (plural and -ing/-ed/-ly endings off). Two words count as
//! shared when their stems are equal or the shorter (five letters or more) begins the longer
//! ("robot" and "robotic", "predict" and "prediction"): stricter than the search engine's own
//! stemmer, so a query that passes here shares no more words with its paper as search sees them.
//!
//! Usage: `check-overlap SHARED_DATA_DIR QUERIES.tsv [MAX]` (MAX shared words, default 1). Prints
//! every query with the words it shares and exits with 1 when any shares more than MAX or names a
//! paper that is not in the listings.

mod corpus;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use anyhow::{bail, Context};

/// Function words: they carry no topic, so sharing them says nothing.
#[rustfmt::skip] // one word a line otherwise (some are longer than rustfmt packs)
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "already", "also", "among", "an", "and", "any", "are",
    "as", "at", "be", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did",
    "do", "does", "doing", "done", "during", "each", "even", "few", "for", "from", "further", "get", "gets",
    "getting", "got", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "if", "in",
    "instead", "into", "is", "it", "its", "itself", "just", "like", "many", "me", "more", "most", "much", "my",
    "no", "nor", "not", "of", "off", "on", "once", "one", "ones", "only", "or", "other", "our", "ours", "out",
    "over", "own", "rather", "same", "she", "should", "so", "some", "still", "such", "than", "that", "the",
    "their", "theirs", "them", "themselves", "then", "there", "these", "they", "thing", "things", "this", "those",
    "through", "to", "too", "under", "until", "up", "upon", "very", "via", "was", "way", "ways", "we", "were",
    "what", "when", "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within",
    "without", "would", "yet", "you", "your", "yours",
];

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        bail!("usage: check-overlap SHARED_DATA_DIR QUERIES.tsv [MAX]");
    }
    let max: usize = args
        .get(3)
        .map_or(Ok(1), |a| a.parse())
        .context("MAX must be a number")?;
    let queries = std::fs::read_to_string(&args[2]).with_context(|| format!("reading {}", args[2]))?;
    let real = corpus::distinct_listing_papers(&PathBuf::from(&args[1]).join("arxiv-listings"))?;
    let papers: HashMap<&str, String> = real
        .iter()
        .map(|r| {
            let summary = r.line["summary"].as_str().unwrap_or_default();
            (
                r.line["id"].as_str().unwrap_or_default(),
                format!("{} {summary}", r.title),
            )
        })
        .collect();
    let (mut checked, mut failed) = (0, 0);
    for line in queries.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let Some((id, query)) = line.split_once('\t') else {
            bail!("not `id<TAB>query`: {line:?}");
        };
        checked += 1;
        let Some(paper) = papers.get(id) else {
            failed += 1;
            println!("FAIL {id}: no such paper in the listings");
            continue;
        };
        let common = shared(query, paper);
        let verdict = if common.len() > max { "FAIL" } else { "ok  " };
        if common.len() > max {
            failed += 1;
        }
        println!("{verdict} {id} {} {common:?} | {query}", common.len());
    }
    println!("{checked} queries, {failed} failing (more than {max} shared content words)");
    if failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// The query's content words that its paper's text also has (as the query spells them).
fn shared(query: &str, paper: &str) -> BTreeSet<String> {
    let paper = content_stems(paper);
    content_stems(query)
        .into_iter()
        .filter(|q| paper.iter().any(|p| same_word(q, p)))
        .collect()
}

fn content_stems(text: &str) -> BTreeSet<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 2 && !STOP_WORDS.contains(w))
        .map(stem)
        .collect()
}

/// A light stemmer: enough to make "models"/"model" and "learning"/"learned"/"learn" one word.
fn stem(word: &str) -> String {
    let mut w = word.to_string();
    if w.len() > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.ends_with("sses") {
        w.truncate(w.len() - 2);
    } else if w.len() > 3 && w.ends_with('s') && !(w.ends_with("ss") || w.ends_with("us") || w.ends_with("is")) {
        w.truncate(w.len() - 1);
    }
    for suffix in ["ing", "ed", "ly"] {
        if w.len() >= suffix.len() + 3 && w.ends_with(suffix) {
            w.truncate(w.len() - suffix.len());
            break;
        }
    }
    w
}

fn same_word(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short == long || (short.len() >= 5 && long.starts_with(short))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_join_inflections_and_prefixes_count_as_shared() {
        assert_eq!(stem("models"), "model");
        assert_eq!(stem("learning"), "learn");
        assert_eq!(stem("studies"), "study");
        assert_eq!(stem("analysis"), "analysis");
        let common = shared("robots folding laundry", "Robotic manipulation of cloth: folded shirts");
        assert_eq!(common, BTreeSet::from(["fold".to_string(), "robot".to_string()]));
    }

    #[test]
    fn function_words_and_short_prefixes_do_not_count() {
        assert!(shared("the one with a cat", "A dog and the cat").len() == 1);
        assert!(shared("nets", "networks").is_empty());
    }
}
