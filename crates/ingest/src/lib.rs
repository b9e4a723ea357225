//! Getting paper metadata in: parsing every supported format, opening sources (files, globs,
//! stdin, URLs, gzip), the batched ingest pipeline, harvesting arXiv over OAI-PMH, and
//! fetching one paper by id.

pub mod fetch;
pub mod formats;
pub mod harvest;
pub mod pipeline;
pub mod record;
pub mod source;

pub use fetch::{ArxivApi, FetchError};
pub use formats::Format;
pub use pipeline::{ingest, ingest_with_progress, IngestOptions, IngestReport, Problem};
pub use record::{IncomingRecord, IssueKind, ParseIssue, Parsed, SourceContext};
pub use source::{Source, SourceError};
