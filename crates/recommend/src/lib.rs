//! "For you": recent papers ranked for one reader from what that reader has told paperboy.
//!
//! Pure logic over plain types — no HTTP, no SQL, no I/O — so the web layer, the digest and the
//! offline benchmark (`scripts/bench-recommend`) all rank the same way. The caller loads a
//! reader's [`Signals`] (upvotes and saves with their embeddings, "not interested" clicks,
//! followed authors and categories, saved searches) and the candidate papers, keeps the reader's
//! [`ReaderModel`] (serde: stored per reader), refits it when a signal changes
//! ([`ReaderModel::refit`], well under a millisecond for hundreds of signals) and calls
//! [`rank`].
//!
//! The score blends, with weights chosen on a tuning split of the offline benchmark
//! ([`Weights::default`]):
//! - **nearest liked papers** (kNN): the mean cosine of a candidate to its closest upvoted or
//!   saved papers — the strongest single signal, and the source of "like 2605.01234 you upvoted";
//! - **a linear model** (logistic regression on the embedding), trained from liked papers and
//!   saved searches against "not interested" and a seeded sample of unseen candidates: it
//!   generalises past the nearest neighbour and keeps older signals that kNN no longer looks at;
//! - **"not interested"** lowering the candidates near a dismissed paper (and removing it);
//! - **follows and saved searches**: a followed author's papers and saved-search matches always
//!   surface (they rank above everything else) and say so; a followed category lifts its papers.
//!
//! docs/for-you.md describes the model for readers of the code; docs/benchmarks.md ("For you")
//! has its numbers.

mod error;
mod keywords;
mod linear;
mod rank;
mod reason;
mod sample;
mod signals;
mod vector;

pub use error::RecommendError;
pub use keywords::{Lexicon, STOP_WORDS};
pub use linear::{FitReport, ReaderModel, Training};
pub use rank::{rank, Ranked, Weights};
pub use reason::Reason;
pub use signals::{Candidate, Disliked, Liked, Liking, SavedSearch, Signals};
pub use vector::{dot, normalise};
