//! The JSON document of a paper: what `show --json`, `export` and the JSON API print, and what
//! `ingest` reads back in paperboy's own JSON-lines format.
//!
//! Public interface: the keys `id`, `title`, `abstract`, `authors`, `categories`, `announced`,
//! `daily`, `upvotes`, `comments` and `links` are relied on by scripts; add keys, never rename
//! them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::paper::{DailyEntry, Links, Paper};

/// A paper with everything the store knows around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperDocument {
    #[serde(flatten)]
    pub paper: Paper,
    /// Days on which the paper was in a daily list, ascending.
    #[serde(default)]
    pub daily: Vec<NaiveDate>,
    /// The daily-list entries in full (counts, submitter), so that export round-trips.
    #[serde(default)]
    pub daily_entries: Vec<DailyEntry>,
    /// Upvotes: the most any daily list reported plus this instance's community votes.
    #[serde(default)]
    pub upvotes: i64,
    /// Comments: the most any daily list reported plus this instance's visible comments.
    #[serde(default)]
    pub comments: i64,
    /// Derived from the id and the paper's URLs; ignored when read back.
    #[serde(default, skip_deserializing)]
    pub links: Option<Links>,
}

impl PaperDocument {
    pub fn new(paper: Paper, mut daily_entries: Vec<DailyEntry>, upvotes: i64) -> PaperDocument {
        daily_entries.sort_by_key(|e| e.day);
        let daily = daily_entries.iter().map(|e| e.day).collect();
        let links = Some(paper.links());
        PaperDocument {
            paper,
            daily,
            daily_entries,
            upvotes,
            comments: 0,
            links,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ArxivId;

    #[test]
    fn json_has_the_public_keys_and_round_trips() {
        let mut paper = Paper::new(ArxivId::parse("2404.01234").unwrap());
        paper.title = "T".into();
        let day = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let entry = DailyEntry {
            day,
            upvotes: 7,
            comments: 1,
            submitted_by: None,
            source: "hf".into(),
        };
        let doc = PaperDocument::new(paper, vec![entry], 7);
        let json = serde_json::to_value(&doc).unwrap();
        for key in [
            "id",
            "title",
            "abstract",
            "authors",
            "categories",
            "announced",
            "daily",
            "upvotes",
            "comments",
            "links",
        ] {
            assert!(json.get(key).is_some(), "missing {key}");
        }
        assert_eq!(json["daily"][0], "2026-01-02");
        assert_eq!(json["links"]["pdf"], "https://arxiv.org/pdf/2404.01234");
        let back: PaperDocument = serde_json::from_value(json).unwrap();
        assert_eq!(back.paper, doc.paper);
        assert_eq!(back.daily_entries, doc.daily_entries);
    }
}
