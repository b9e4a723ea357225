//! What a reader has told paperboy, and the papers that may be recommended to them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How a reader showed they liked a paper; it is said in the reason ("you upvoted").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liking {
    Upvoted,
    Saved,
}

/// A paper the reader upvoted or saved, with its embedding, and its words for the keyword part
/// of the score (empty when unknown: then only its embedding counts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Liked {
    pub id: String,
    pub vector: Vec<f32>,
    pub how: Liking,
    /// Title and abstract.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub authors: Vec<String>,
}

/// A paper the reader marked "not interested", with its embedding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disliked {
    pub id: String,
    pub vector: Vec<f32>,
}

/// A named search the reader keeps. A paper matches when every term occurs in its title or
/// abstract (case-insensitive, whole words or phrases) — or, for a search without terms, when
/// its embedding is within [`crate::Weights::search_match`] of the query's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSearch {
    pub name: String,
    /// Lower-case words or phrases that must all occur.
    pub terms: Vec<String>,
    /// The query's embedding, if it was embedded (semantic and hybrid searches): it also counts
    /// as a liked example for the model, which is how a new reader starts.
    pub vector: Option<Vec<f32>>,
}

/// Everything a reader has said. Lists are in the order the signals were given (oldest first):
/// the nearest-neighbour part of the model looks at the most recent liked papers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Signals {
    pub liked: Vec<Liked>,
    pub not_interested: Vec<Disliked>,
    /// Followed authors, as their names are written on papers.
    pub authors: Vec<String>,
    /// Followed arXiv categories ("cs.RO").
    pub categories: Vec<String>,
    pub saved_searches: Vec<SavedSearch>,
}

impl Signals {
    /// Is `id` a paper the reader already liked or dismissed (so it is not recommended)?
    pub fn has_judged(&self, id: &str) -> bool {
        self.liked.iter().any(|l| l.id == id) || self.not_interested.iter().any(|d| d.id == id)
    }

    /// Every paper the reader liked or dismissed, for checking many candidates (a look-up each
    /// instead of a pass over hundreds of signals; with a fast hash, as it is made per ranking).
    pub fn judged(&self) -> rustc_hash::FxHashSet<&str> {
        self.liked
            .iter()
            .map(|l| l.id.as_str())
            .chain(self.not_interested.iter().map(|d| d.id.as_str()))
            .collect()
    }
}

/// A paper that may be recommended. Borrowed, so a caller ranks what it already holds (the
/// store's documents and the index's vectors) without copying.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub id: &'a str,
    /// The unit-length embedding of title and abstract (all-MiniLM-L6-v2: 384 values).
    pub vector: &'a [f32],
    pub authors: &'a [String],
    pub categories: &'a [String],
    /// Title and abstract, for saved-search terms and keywords (see [`crate::Lexicon`]).
    pub text: &'a str,
    /// The announcement day (newer first among equal scores).
    pub day: NaiveDate,
    pub upvotes: u64,
}
