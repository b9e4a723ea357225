//! What a format parser yields: records ready to merge, or problems that name where they are.

use chrono::NaiveDate;
use paperboy_domain::{DailyEntry, Paper};

/// One paper as a source describes it, with its daily-list appearances.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingRecord {
    pub paper: Paper,
    pub daily: Vec<DailyEntry>,
    /// Fields that were cut to their caps ("abstract cut from 50000 to 10000 characters").
    pub warnings: Vec<String>,
}

/// A problem found while reading a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIssue {
    /// Which record: "line 42", "record 7 (oai:arXiv.org:0803.4354)", "entry 3"; `None` when
    /// the problem concerns the source as a whole.
    pub record: Option<String>,
    pub message: String,
    pub kind: IssueKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    /// One record is rejected; reading goes on with the next.
    Record,
    /// The source cannot be read further (syntax error, truncated file); records before it stand.
    Fatal,
    /// An OAI-PMH `<error code="…">` response, e.g. `noRecordsMatch` or `badResumptionToken`.
    OaiError { code: String },
}

/// What a parser yields for each record.
pub type Parsed = Result<IncomingRecord, ParseIssue>;

/// Facts about a source that its content does not say.
#[derive(Debug, Clone, Default)]
pub struct SourceContext {
    /// How to name the source in messages (a path, `stdin` or a URL).
    pub name: String,
    /// The announcement day a file stands for, from a name like `2026-01-06.jsonl.gz`: the
    /// daily-arXiv listing archives say it only there.
    pub listing_day: Option<NaiveDate>,
}

impl ParseIssue {
    pub fn record(record: impl Into<String>, message: impl Into<String>) -> ParseIssue {
        ParseIssue {
            record: Some(record.into()),
            message: message.into(),
            kind: IssueKind::Record,
        }
    }

    pub fn fatal(record: Option<String>, message: impl Into<String>) -> ParseIssue {
        ParseIssue {
            record,
            message: message.into(),
            kind: IssueKind::Fatal,
        }
    }
}

impl IncomingRecord {
    /// Wraps a parsed paper: normalises nothing (parsers do), but enforces the field caps.
    pub fn new(mut paper: Paper, daily: Vec<DailyEntry>) -> IncomingRecord {
        let warnings = paperboy_domain::limits::enforce_limits(&mut paper);
        IncomingRecord { paper, daily, warnings }
    }
}
