//! "For you" over what paperboy stores: the recent papers ranked for one reader by
//! `paperboy_recommend`, from what the reader told paperboy (upvotes, saves, follows, saved
//! searches, "not interested").
//!
//! `paperboy_recommend` is the pure model; this crate feeds it. [`gather`] reads a window of
//! papers and a reader's signals from the store (and the vectors of the papers they name from the
//! search engine); [`Pool`] holds a window's candidates with their vectors, loaded once and ranked
//! for as many readers as asked (the web app ranks one reader per request, a digest run every
//! subscriber with an account); [`Models`] keeps each reader's model between rankings, refitted
//! from its previous weights, so that a new vote counts at once.
//!
//! **Architecture invariant:** no HTTP and no mail here: the web app (`/for-you`, its API and
//! feed) and the digest's "For you" section call in and show the result each in their shape.

pub mod gather;
mod models;
mod pool;
mod warm;

pub use gather::{window, Window, MAX_CANDIDATES};
pub use models::Models;
pub use pool::{for_reader, ForYou, Pick, Pool, Ranking};
pub use warm::keep_warm;

use paperboy_recommend::RecommendError;
use paperboy_search::SearchError;
use paperboy_store::StoreError;

/// The embedding dimension assumed when no model is loaded (then only follows, saved-search
/// words and popularity rank; the vectors are all zero).
pub const FALLBACK_DIM: usize = 384;

/// What can stop a ranking.
#[derive(Debug, thiserror::Error)]
pub enum ForYouError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("the For you model could not be fitted: {0}")]
    Fit(RecommendError),
    #[error("For you could not be ranked: {0}")]
    Rank(RecommendError),
}
