//! Storage for what a signed-in reader tells paperboy about their interests, besides upvotes:
//! followed authors and categories, named saved searches, and papers marked "not interested".
//! The "For you" ranking reads them; only their owner ever sees them.
//!
//! Every call is scoped by the owner's account id: a follow or saved search of another account
//! is never returned, changed or removed (a wrong id answers as "not found").

use chrono::{DateTime, Utc};
use paperboy_domain::ArxivId;
use serde::Serialize;

use crate::rows::RowRead;
use crate::StoreError;

/// What a follow is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FollowKind {
    Author,
    Category,
}

impl FollowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FollowKind::Author => "author",
            FollowKind::Category => "category",
        }
    }

    /// The kind a stored name stands for.
    pub fn parse(stored: &str) -> Result<FollowKind, StoreError> {
        match stored {
            "author" => Ok(FollowKind::Author),
            "category" => Ok(FollowKind::Category),
            other => Err(StoreError::Other(format!(
                "the store holds an unknown follow kind {other:?}"
            ))),
        }
    }
}

/// One followed author or category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Follow {
    pub id: i64,
    pub kind: FollowKind,
    /// As the reader gave it (an author's name as written, a category such as `cs.RO`).
    pub value: String,
    pub created_at: DateTime<Utc>,
}

/// Follows are unique per reader by kind and this key: names compare without case.
pub fn follow_key(value: &str) -> String {
    value.trim().to_lowercase()
}

/// A search to keep, as the search box would run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSavedSearch {
    pub name: String,
    pub query: String,
    /// `keyword`, `semantic` or `hybrid` (checked by the caller).
    pub mode: String,
}

/// A named, saved search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    pub query: String,
    pub mode: String,
    pub created_at: DateTime<Utc>,
    /// Sent as a digest of its own this often (`crate::SearchDigestStore`); `None`: not sent.
    pub digest: Option<crate::Frequency>,
}

/// A paper the reader said they are not interested in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotInterested {
    pub paper_id: String,
    pub at: DateTime<Utc>,
}

/// What adding a follow or a saved search did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added<T> {
    /// Newly stored.
    Created(T),
    /// The reader already had it (the same follow, or a saved search of that name, which was
    /// replaced by the new query): the stored row.
    Existing(T),
}

impl<T> Added<T> {
    pub fn into_inner(self) -> T {
        match self {
            Added::Created(t) | Added::Existing(t) => t,
        }
    }

    pub fn created(&self) -> bool {
        matches!(self, Added::Created(_))
    }
}

/// How many of each a reader has, for limits and settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SignalCounts {
    pub follows: u64,
    pub saved_searches: u64,
    pub not_interested: u64,
}

pub trait SignalStore: Send + Sync {
    /// Follows `value` (idempotent: following again returns the existing follow).
    fn follow(&self, user_id: i64, kind: FollowKind, value: &str) -> Result<Added<Follow>, StoreError>;

    /// The reader's follows, oldest first.
    fn follows(&self, user_id: i64) -> Result<Vec<Follow>, StoreError>;

    /// Removes one of the reader's follows; false when they have none with that id.
    fn unfollow(&self, user_id: i64, follow_id: i64) -> Result<bool, StoreError>;

    /// Saves a search under its name; saving a name again replaces that search's query.
    fn save_search(&self, user_id: i64, search: &NewSavedSearch) -> Result<Added<SavedSearch>, StoreError>;

    /// The reader's saved searches, oldest first.
    fn saved_searches(&self, user_id: i64) -> Result<Vec<SavedSearch>, StoreError>;

    /// Removes one of the reader's saved searches; false when they have none with that id.
    fn delete_saved_search(&self, user_id: i64, search_id: i64) -> Result<bool, StoreError>;

    /// Marks (`on`) or unmarks a paper as not interesting to the reader. `None` when there is
    /// no such paper; otherwise whether anything changed.
    fn set_not_interested(&self, user_id: i64, paper: &ArxivId, on: bool) -> Result<Option<bool>, StoreError>;

    /// Papers the reader is not interested in, newest mark first.
    fn not_interested(&self, user_id: i64, limit: usize) -> Result<Vec<NotInterested>, StoreError>;

    fn signal_counts(&self, user_id: i64) -> Result<SignalCounts, StoreError>;

    /// Forgets every follow, saved search and "not interested" mark of the reader.
    fn delete_signals(&self, user_id: i64) -> Result<SignalCounts, StoreError>;
}

/// A follow's columns; [`follow`] reads them.
pub(crate) const FOLLOW_SELECT: &str = "SELECT id, kind, value, created_at FROM follows";

pub(crate) fn follow(row: &impl RowRead) -> Result<Follow, StoreError> {
    let kind: String = row.column(1)?;
    Ok(Follow {
        id: row.column(0)?,
        kind: FollowKind::parse(&kind)?,
        value: row.column(2)?,
        created_at: row.column(3)?,
    })
}

/// A saved search's columns; [`saved_search`] reads them.
pub(crate) const SAVED_SEARCH_SELECT: &str = "SELECT id, name, query, mode, created_at, digest FROM saved_searches";

pub(crate) fn saved_search(row: &impl RowRead) -> Result<SavedSearch, StoreError> {
    let id: i64 = row.column(0)?;
    let digest: Option<String> = row.column(5)?;
    let digest = match digest {
        None => None,
        Some(stored) => Some(crate::Frequency::parse(&stored).ok_or_else(|| StoreError::Corrupt {
            id: format!("saved search {id}"),
            message: format!("unknown digest frequency {stored:?}"),
        })?),
    };
    Ok(SavedSearch {
        digest,
        id,
        name: row.column(1)?,
        query: row.column(2)?,
        mode: row.column(3)?,
        created_at: row.column(4)?,
    })
}
