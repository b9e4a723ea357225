//! Getting paper metadata in: parsing every supported format, opening sources (files, globs,
//! stdin, URLs, gzip), and harvesting arXiv over OAI-PMH.

pub mod formats;
pub mod record;

pub use formats::Format;
pub use record::{IncomingRecord, IssueKind, ParseIssue, Parsed, SourceContext};
