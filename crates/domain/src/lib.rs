//! paperboy's domain: papers and the rules about them, free of storage, HTTP and parsing.
//!
//! Everything here is plain data and pure functions, so that the store, the ingest pipeline,
//! search and the web layer agree on one meaning of "the same paper" and "a newer version".

pub mod arxiv_id;
pub mod cite;
pub mod document;
pub mod library;
pub mod limits;
pub mod merge;
pub mod paper;
pub mod progress;
pub mod tex;
pub mod text;
pub mod trending;

pub use arxiv_id::{ArxivId, IdError, VersionedId};
pub use document::PaperDocument;
pub use paper::{DailyEntry, Links, Paper, PaperVersion};
pub use progress::{NoProgress, Progress};
