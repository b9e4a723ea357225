//! paperboy's search: keyword (BM25) search over the store's papers, with semantic and hybrid
//! modes layered on top when an embedding model is available.
//!
//! Indexes live in the data folder and are derived from the store: they tail its change
//! sequence ([`paperboy_store::PaperStore::changed_since`]) and can be rebuilt at any time.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use paperboy_domain::ArxivId;
use paperboy_store::StoreError;
use serde::Serialize;

pub mod fusion;
pub mod lexical;
pub mod query;
mod searcher;
pub mod semantic;

pub use lexical::{content_words, CatchUp, LexicalIndex};
pub use query::{parse, ParsedQuery, QueryError};
pub use searcher::{follow_store, sleep_unless_stopped, AlwaysEmbed, EmbedTurn, Searcher, MAX_LAG_COUNTED};

/// The terms of a query that can say why a paper matched it: its phrases, then its words less
/// stop words (the index's own list: "for" or "the" explain nothing). A query that does not
/// parse has none. Digest topics and saved searches both say "matched" with these.
pub fn query_terms(text: &str) -> Vec<String> {
    parse(text)
        .map(|q| {
            let words: Vec<String> = content_words(&q.words).into_iter().cloned().collect();
            q.phrases.into_iter().chain(words).collect()
        })
        .unwrap_or_default()
}

/// Where every index lives inside the data folder. All of it is derived from the store:
/// removing it loses nothing, the next open rebuilds it.
pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("index")
}

/// Where the keyword index lives inside the data folder.
pub fn lexical_dir(data_dir: &Path) -> PathBuf {
    index_dir(data_dir).join("lexical")
}

/// Where the vector index of `model_id` lives inside the data folder.
pub fn vectors_dir(data_dir: &Path, model_id: &str) -> PathBuf {
    index_dir(data_dir).join("vectors").join(semantic::model_slug(model_id))
}

/// Restrictions applied to every mode's results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub categories: Vec<String>,
}

/// How to rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Hybrid,
    Lexical,
    Semantic,
}

impl Mode {
    /// The mode a name stands for, as URLs, forms, saved searches and the MCP tools spell it:
    /// `hybrid`, `lexical` (or its alias `keyword`), `semantic`; case and surrounding space
    /// do not matter. `None` for anything else.
    pub fn parse(name: &str) -> Option<Mode> {
        match name.trim().to_ascii_lowercase().as_str() {
            "hybrid" => Some(Mode::Hybrid),
            "lexical" | "keyword" => Some(Mode::Lexical),
            "semantic" => Some(Mode::Semantic),
            _ => None,
        }
    }

    /// The mode's canonical name, the one [`Mode::parse`] reads and saved searches store.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Hybrid => "hybrid",
            Mode::Lexical => "lexical",
            Mode::Semantic => "semantic",
        }
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub id: ArxivId,
    pub title: String,
    pub score: f32,
    /// The paper's announcement day (or first submission day).
    pub published: Option<NaiveDate>,
}

/// A search as asked.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub text: String,
    pub mode: Mode,
    pub filters: Filters,
    pub offset: usize,
    pub limit: usize,
}

impl SearchRequest {
    /// The first `limit` results for `text`, without filters.
    pub fn top(text: impl Into<String>, mode: Mode, limit: usize) -> SearchRequest {
        SearchRequest {
            text: text.into(),
            mode,
            filters: Filters::default(),
            offset: 0,
            limit,
        }
    }
}

/// A search's answer. `mode` is the mode that ran, which differs from the one asked for when
/// semantic search is unavailable; `notices` say why, in words for the user.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResponse {
    pub query: String,
    pub mode: Mode,
    pub took_ms: f64,
    pub results: Vec<SearchHit>,
    pub notices: Vec<String>,
    /// Store changes not yet in the keyword index.
    pub index_lag: i64,
    /// Papers whose embedding is not computed yet (semantic results can't include them),
    /// counted up to [`MAX_LAG_COUNTED`]; absent when no model is loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding_lag: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("the search index at {path} failed: {message}; `paperboy index rebuild` recreates it")]
    Index { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the embedding model failed: {0}")]
    Embedding(String),
    #[error("--from {from} is after --until {until}")]
    EmptyRange { from: NaiveDate, until: NaiveDate },
}

impl SearchError {
    pub(crate) fn index(path: &Path, error: impl std::fmt::Display) -> SearchError {
        SearchError::Index {
            path: path.to_path_buf(),
            message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Mode;

    #[test]
    fn every_mode_reads_back_from_its_name_and_keyword_is_lexical() {
        for mode in [Mode::Hybrid, Mode::Lexical, Mode::Semantic] {
            assert_eq!(Mode::parse(mode.name()), Some(mode));
        }
        assert_eq!(Mode::parse(" Keyword "), Some(Mode::Lexical));
        assert_eq!(Mode::parse("fuzzy"), None);
        assert_eq!(Mode::parse(""), None);
    }
}
