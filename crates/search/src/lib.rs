//! paperboy's search: keyword (BM25) search over the store's papers, with semantic and hybrid
//! modes layered on top when an embedding model is available.
//!
//! Indexes live in the data folder and are derived from the store: they tail its change
//! sequence ([`paperboy_store::PaperStore::changed_since`]) and can be rebuilt at any time.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use paperboy_domain::ArxivId;
use paperboy_store::{PaperStore, StoreError};
use serde::Serialize;

pub mod lexical;
pub mod query;

pub use lexical::{CatchUp, LexicalIndex};
pub use query::{parse, ParsedQuery, QueryError};

/// Where the keyword index lives inside the data folder.
pub fn lexical_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("index").join("lexical")
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
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("the search index at {path} failed: {message}; `paperboy index rebuild` recreates it")]
    Index { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// The search engine over one store.
pub struct Searcher {
    pub lexical: LexicalIndex,
}

/// Keeps the indexes current with the store from a background thread: every `every`, index what
/// changed. This is how a running server sees ingests made by other processes.
pub fn follow_store(
    searcher: std::sync::Arc<Searcher>,
    store: std::sync::Arc<dyn PaperStore>,
    every: std::time::Duration,
) {
    let spawned = std::thread::Builder::new()
        .name("index-follower".into())
        .spawn(move || loop {
            match searcher.lexical.catch_up(store.as_ref()) {
                Ok(CatchUp::Done { indexed, seq }) if indexed > 0 => {
                    tracing::info!(indexed, seq, "keyword index caught up")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "keyword index catch-up failed; retrying"),
            }
            std::thread::sleep(every);
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the index follower; search will lag behind ingests");
    }
}

/// Papers shown after an exact id match ("more like this" by its title).
const RELATED_AFTER_ID: usize = 9;

impl Searcher {
    pub fn open(data_dir: &Path) -> Result<Searcher, SearchError> {
        Ok(Searcher {
            lexical: LexicalIndex::open(&lexical_dir(data_dir))?,
        })
    }

    pub fn search(&self, store: &dyn PaperStore, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        let started = Instant::now();
        if let (Some(from), Some(until)) = (request.filters.from, request.filters.until) {
            if from > until {
                return Err(SearchError::EmptyRange { from, until });
            }
        }
        let parsed = parse(&request.text)?;
        let mut notices = Vec::new();
        if parsed.truncated {
            notices.push(format!(
                "the query was cut to its first {} characters",
                query::MAX_QUERY_CHARS
            ));
        }
        if request.mode != Mode::Lexical {
            notices.push(
                "semantic search is not available (no embedding model is loaded); showing keyword results".into(),
            );
        }
        let limit = request.limit.clamp(1, 1_000);
        let mut results = self.lexical.search(&parsed, &request.filters, request.offset, limit)?;
        if parsed.id.is_some() && request.offset == 0 {
            results.extend(self.related_to_first(&results, &request.filters)?);
            results.truncate(limit);
        }
        let index_lag = (store.change_seq()? - self.lexical.indexed_seq()?).max(0);
        if index_lag > 0 {
            notices.push(format!(
                "the search index is {index_lag} changes behind the store and catching up"
            ));
        }
        Ok(SearchResponse {
            query: request.text.clone(),
            mode: Mode::Lexical,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            results,
            notices,
            index_lag,
        })
    }

    /// The papers nearest to paper `id`, best first, without it. Empty when the paper is unknown.
    pub fn similar(&self, store: &dyn PaperStore, id: &ArxivId, limit: usize) -> Result<Vec<SearchHit>, SearchError> {
        let Some(doc) = store.paper(id)? else {
            return Ok(Vec::new());
        };
        let Ok(mut by_title) = parse(&doc.paper.title) else {
            return Ok(Vec::new());
        };
        by_title.id = None;
        let limit = limit.clamp(1, 100);
        let mut hits = self.lexical.search(&by_title, &Filters::default(), 0, limit + 1)?;
        hits.retain(|h| &h.id != id);
        hits.truncate(limit);
        Ok(hits)
    }

    /// Papers whose text matches the title of `hits[0]`, excluding it.
    fn related_to_first(&self, hits: &[SearchHit], filters: &Filters) -> Result<Vec<SearchHit>, SearchError> {
        let Some(first) = hits.first() else {
            return Ok(Vec::new());
        };
        let Ok(mut related) = parse(&first.title) else {
            return Ok(Vec::new());
        };
        related.id = None;
        let mut hits = self.lexical.search(&related, filters, 0, RELATED_AFTER_ID + 1)?;
        hits.retain(|h| h.id != first.id);
        Ok(hits)
    }
}
