//! Importing a reference manager's export into a reader's library: the file is read by
//! `paperboy_domain::library`, each entry is matched to a stored paper — by arXiv id, then
//! DOI, then title (a keyword search whose hits must have the same title key) — papers arXiv
//! has but this store lacks are fetched, and everything matched is saved in one transaction.
//!
//! Blocking (store, index and arXiv calls): the page runs it on a blocking thread, the
//! command line directly. A file that cannot be read stores nothing; a readable one stores
//! what matched and reports the rest by name.

use std::collections::{HashMap, HashSet};

use paperboy_domain::library::{self, title_key, BadEntry, Entry, FileError, FileFormat};
use paperboy_domain::ArxivId;
use paperboy_search::{Filters, ParsedQuery, Searcher};
use paperboy_store::{Backend, StoreError};

use crate::participation::PaperFetcher;
use crate::AppError;

/// Keyword hits compared with an entry's title.
const TITLE_CANDIDATES: usize = 5;

/// An entry matched to a paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub label: String,
    pub id: String,
}

/// An entry no paper was found for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    pub label: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub format: FileFormat,
    /// Entries matched to papers already stored.
    pub matched: Vec<Matched>,
    /// Entries whose paper was fetched from arXiv for this import.
    pub fetched: Vec<Matched>,
    pub unmatched: Vec<Unmatched>,
    /// Entries that could not be read.
    pub bad: Vec<BadEntry>,
    /// Papers new to the library (an entry already saved, or two entries of one paper, add
    /// nothing).
    pub added: usize,
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ImportError> for AppError {
    fn from(e: ImportError) -> AppError {
        match e {
            ImportError::File(FileError::TooLarge { .. }) => AppError::Refused {
                status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                message: format!("Nothing was imported: {e}."),
            },
            ImportError::File(e) => AppError::BadRequest(format!("Nothing was imported: {e}.")),
            ImportError::Store(e) => e.into(),
        }
    }
}

/// Where an import looks papers up and fetches the missing ones.
pub struct Sources<'a> {
    pub store: &'a dyn Backend,
    /// For matching by title; `None` matches by id and DOI only.
    pub searcher: Option<&'a Searcher>,
    /// For papers arXiv has and the store lacks; `None` leaves them unmatched.
    pub fetcher: Option<&'a dyn PaperFetcher>,
    /// The most papers fetched in one import (the rest are reported unmatched).
    pub max_fetch: usize,
}

/// Imports the export `bytes` into the library of `user_id`.
pub fn import_file(sources: &Sources<'_>, user_id: i64, bytes: &[u8]) -> Result<ImportReport, ImportError> {
    let parsed = library::parse(bytes)?;
    let store = sources.store;
    let mut report = ImportReport {
        format: parsed.format,
        matched: Vec::new(),
        fetched: Vec::new(),
        unmatched: Vec::new(),
        bad: parsed.bad,
        added: 0,
    };
    let ids: Vec<String> = parsed
        .entries
        .iter()
        .filter_map(|e| e.arxiv.as_ref().map(ToString::to_string))
        .collect();
    let stored = store.stored_ids(&ids)?;
    let dois: Vec<String> = parsed.entries.iter().filter_map(|e| e.doi.clone()).collect();
    let by_doi = store.ids_by_doi(&dois)?;
    let mut to_fetch: Vec<(Entry, ArxivId)> = Vec::new();
    for entry in parsed.entries {
        match find_stored(sources, &entry, &stored, &by_doi)? {
            Some(id) => report.matched.push(Matched { label: entry.label, id }),
            None => match entry.arxiv.clone() {
                Some(id) => to_fetch.push((entry, id)),
                None => report.unmatched.push(Unmatched {
                    reason: no_match_reason(&entry),
                    label: entry.label,
                }),
            },
        }
    }
    fetch(sources, to_fetch, &mut report)?;
    let mut saving: Vec<String> = report
        .matched
        .iter()
        .chain(&report.fetched)
        .map(|m| m.id.clone())
        .collect();
    saving.sort();
    saving.dedup();
    report.added = store.save_all(user_id, &saving)?;
    Ok(report)
}

/// The stored paper an entry names: by arXiv id, else DOI, else title.
fn find_stored(
    sources: &Sources<'_>,
    entry: &Entry,
    stored: &HashSet<String>,
    by_doi: &HashMap<String, String>,
) -> Result<Option<String>, StoreError> {
    if let Some(id) = entry.arxiv.as_ref().filter(|id| stored.contains(id.as_str())) {
        return Ok(Some(id.to_string()));
    }
    if let Some(id) = entry.doi.as_ref().and_then(|doi| by_doi.get(doi)) {
        return Ok(Some(id.clone()));
    }
    let (Some(searcher), Some(key)) = (sources.searcher, entry.title.as_deref().and_then(title_key)) else {
        return Ok(None);
    };
    let query = ParsedQuery {
        words: key.split(' ').map(str::to_string).collect(),
        ..ParsedQuery::default()
    };
    // A failing index costs the title match, not the import.
    let hits = searcher
        .lexical
        .search(&query, &Filters::default(), 0, TITLE_CANDIDATES)
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "title lookup failed during a library import");
            Vec::new()
        });
    Ok(hits
        .into_iter()
        .find(|hit| title_key(&hit.title).as_deref() == Some(key.as_str()))
        .map(|hit| hit.id.to_string()))
}

fn no_match_reason(entry: &Entry) -> String {
    let mut tried = Vec::new();
    if let Some(doi) = &entry.doi {
        tried.push(format!("DOI {doi}"));
    }
    if entry.title.is_some() {
        tried.push("its title".to_string());
    }
    format!("no paper here matches {}", tried.join(" or "))
}

/// Fetches the papers of `wanted` from arXiv; those it has are `fetched`, the rest unmatched.
fn fetch(sources: &Sources<'_>, wanted: Vec<(Entry, ArxivId)>, report: &mut ImportReport) -> Result<(), StoreError> {
    if wanted.is_empty() {
        return Ok(());
    }
    let Some(fetcher) = sources.fetcher else {
        for (entry, id) in wanted {
            report.unmatched.push(Unmatched {
                label: entry.label,
                reason: format!("{id} is not stored here, and this server does not fetch papers from arXiv"),
            });
        }
        return Ok(());
    };
    let mut ids: Vec<ArxivId> = wanted.iter().map(|(_, id)| id.clone()).collect();
    ids.sort();
    ids.dedup();
    let skipped: HashSet<ArxivId> = ids.split_off(ids.len().min(sources.max_fetch)).into_iter().collect();
    let failure = fetcher.fetch_many_into(&ids, sources.store).err();
    if let Some(why) = &failure {
        tracing::warn!(error = %why, "fetching imported papers from arXiv failed");
    }
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let arrived = sources.store.stored_ids(&keys)?;
    for (entry, id) in wanted {
        if arrived.contains(id.as_str()) {
            report.fetched.push(Matched {
                label: entry.label,
                id: id.to_string(),
            });
            continue;
        }
        let reason = if skipped.contains(&id) {
            format!(
                "{id} was not fetched: one import fetches at most {} papers from arXiv (import the file again for the rest)",
                sources.max_fetch
            )
        } else if failure.is_some() {
            format!("{id} could not be fetched from arXiv just now; try again later")
        } else {
            format!("arXiv has no paper {id}")
        };
        report.unmatched.push(Unmatched {
            label: entry.label,
            reason,
        });
    }
    Ok(())
}
