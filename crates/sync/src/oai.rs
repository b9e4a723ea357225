//! Backfill of announcement days that arXiv's listing feed no longer shows, from OAI-PMH
//! (`metadataPrefix=arXivRaw`, `from` = `until` = the day, one set per archive followed).
//!
//! OAI-PMH says when a record changed, not when it was announced, so such a day is
//! *estimated*: a paper with one version takes the day as its announcement day (merging keeps
//! an earlier one already stored), and the counts are estimates of the same kind — one
//! version is new (or cross in a category not its primary), more are replacements. Every page
//! is read before anything is stored, so that a failure leaves the day as it was.

use std::collections::BTreeMap;
use std::io::Cursor;

use chrono::NaiveDate;
use paperboy_ingest::formats::oai::OaiParser;
use paperboy_ingest::harvest::HarvestRequest;
use paperboy_ingest::{IncomingRecord, IssueKind, SourceContext};
use paperboy_store::AnnouncedCounts;

use crate::Polite;

/// The archives of the physics group, whose OAI-PMH sets are `physics:ARCHIVE`.
const PHYSICS: &[&str] = &[
    "astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nlin", "nucl-ex", "nucl-th",
    "physics", "quant-ph",
];

/// The OAI-PMH set holding `category` (`cs.AI` is in `cs`, `hep-th` in `physics:hep-th`).
pub(crate) fn set_of(category: &str) -> String {
    let archive = category.split('.').next().unwrap_or(category);
    if PHYSICS.contains(&archive) {
        format!("physics:{archive}")
    } else {
        archive.to_string()
    }
}

/// A day read from OAI-PMH: its records in the followed categories, announcement days set
/// where estimated, and the estimated counts per category.
pub(crate) struct EstimatedDay {
    pub records: Vec<IncomingRecord>,
    pub counts: BTreeMap<String, AnnouncedCounts>,
}

/// Reads `day` for `categories` from `endpoint`, every page; an error names what failed.
pub(crate) fn read_day(
    polite: &Polite,
    endpoint: &str,
    categories: &[String],
    day: NaiveDate,
) -> Result<EstimatedDay, String> {
    let mut sets: Vec<String> = categories.iter().map(|c| set_of(c)).collect();
    sets.sort();
    sets.dedup();
    let mut records = Vec::new();
    for set in sets {
        let request = HarvestRequest {
            endpoint: endpoint.to_string(),
            metadata_prefix: "arXivRaw".into(),
            set: Some(set),
            from: day,
            until: Some(day),
        };
        let mut url = request.first_url();
        loop {
            let body = polite.get(&url)?;
            let context = SourceContext {
                name: url.clone(),
                listing_day: None,
            };
            let mut parser = OaiParser::new(Cursor::new(body), context);
            let mut no_records = false;
            for parsed in parser.by_ref() {
                match parsed {
                    Ok(record) => records.push(record),
                    Err(issue) => match issue.kind {
                        IssueKind::OaiError { code } if code == "noRecordsMatch" => no_records = true,
                        IssueKind::Record => tracing::warn!(%url, message = issue.message, "record skipped"),
                        _ => return Err(format!("{url}: {}", issue.message)),
                    },
                }
            }
            match parser
                .resumption_token()
                .map(|t| t.token)
                .filter(|t| !t.trim().is_empty())
            {
                Some(token) if !no_records => url = request.resume_url(&token),
                _ => break,
            }
        }
    }
    records.retain(|r| r.paper.categories.iter().any(|c| categories.contains(c)));
    records.sort_by(|a, b| a.paper.id.cmp(&b.paper.id));
    records.dedup_by(|a, b| a.paper.id == b.paper.id);
    let mut counts: BTreeMap<String, AnnouncedCounts> = BTreeMap::new();
    for record in &mut records {
        let paper = &mut record.paper;
        let new = paper.versions.len() <= 1;
        if new {
            paper.announced = paper.announced.or(Some(day));
        }
        for category in paper.categories.iter().filter(|c| categories.contains(c)) {
            let entry = counts.entry(category.clone()).or_default();
            let primary = paper.primary_category() == Some(category.as_str());
            match (new, primary) {
                (true, true) => entry.new += 1,
                (true, false) => entry.cross += 1,
                (false, true) => entry.replace += 1,
                (false, false) => entry.replace_cross += 1,
            }
        }
    }
    Ok(EstimatedDay { records, counts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_archives() {
        assert_eq!(set_of("cs.AI"), "cs");
        assert_eq!(set_of("stat.ML"), "stat");
        assert_eq!(set_of("hep-th"), "physics:hep-th");
        assert_eq!(set_of("astro-ph.GA"), "physics:astro-ph");
        assert_eq!(set_of("math.NT"), "math");
    }
}
