//! The shared real-data folder (`../shared/data`) for tests; tests skip when it is absent.

use std::path::PathBuf;

use crate::record::{IncomingRecord, ParseIssue, Parsed};

/// The data folder, or `None` (after saying so on stderr) when this checkout lacks it.
pub(crate) fn dir() -> Option<PathBuf> {
    paperboy_testkit::shared_data()
}

/// Opens `relative` inside the data folder, or `None` to skip.
pub(crate) fn open(relative: &str) -> Option<std::io::BufReader<std::fs::File>> {
    let path = dir()?.join(relative);
    match std::fs::File::open(&path) {
        Ok(file) => Some(std::io::BufReader::new(file)),
        Err(e) => panic!("{} is in the data folder's README but unreadable: {e}", path.display()),
    }
}

/// Splits parser output into records and issues, keeping their order within each.
pub(crate) fn split(parsed: impl Iterator<Item = Parsed>) -> (Vec<IncomingRecord>, Vec<ParseIssue>) {
    let mut records = Vec::new();
    let mut issues = Vec::new();
    for item in parsed {
        match item {
            Ok(record) => records.push(record),
            Err(issue) => issues.push(issue),
        }
    }
    (records, issues)
}
