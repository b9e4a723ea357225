//! Storage for each account's library: a private list of saved papers (the "Save" button, and
//! what an imported Zotero or BibTeX file matched), plus the two look-ups an import needs to
//! match its entries to stored papers (by id, by DOI).
//!
//! A library belongs to its account alone: rows go when the account goes (`ON DELETE
//! CASCADE`), and nothing here is counted on papers, so saving never changes what others see.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use paperboy_domain::ArxivId;
use serde::Serialize;

use crate::{Page, StoreError};

/// One paper in a library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedPaper {
    /// The paper's id as stored.
    pub id: String,
    pub saved_at: DateTime<Utc>,
}

/// Libraries. Blocking, like [`crate::PaperStore`].
pub trait LibraryStore: Send + Sync {
    /// Saves (`saved`) or removes a paper in the user's library. `None` when the paper is not
    /// stored; otherwise whether anything changed (saving twice changes nothing).
    fn set_saved(&self, user_id: i64, paper: &ArxivId, saved: bool) -> Result<Option<bool>, StoreError>;

    /// Saves every stored paper of `papers` (ids as stored) in one transaction; ids not stored
    /// are skipped. Returns how many were not in the library before.
    fn save_all(&self, user_id: i64, papers: &[String]) -> Result<usize, StoreError>;

    /// Which of `papers` are in the user's library.
    fn saved(&self, user_id: i64, papers: &[String]) -> Result<HashSet<String>, StoreError>;

    /// One page of the user's library, most recently saved first (then by id).
    fn library(&self, user_id: i64, page: Page) -> Result<Vec<SavedPaper>, StoreError>;

    /// How many papers the user's library holds.
    fn library_size(&self, user_id: i64) -> Result<u64, StoreError>;

    /// Which of `ids` are stored papers.
    fn stored_ids(&self, ids: &[String]) -> Result<HashSet<String>, StoreError>;

    /// Stored papers by DOI: each of `dois` (lowercase) that a paper carries, with its id.
    fn ids_by_doi(&self, dois: &[String]) -> Result<HashMap<String, String>, StoreError>;
}
