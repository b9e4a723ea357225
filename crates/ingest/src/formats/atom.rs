//! The arXiv API's Atom feeds (`export.arxiv.org/api/query`), streamed entry by entry.
//!
//! An entry's id is its abstract URL with the version (`http://arxiv.org/abs/1301.7746v1`);
//! `published` is when v1 was submitted and `updated` when the version in the id was, so both
//! go into the version list. The API reports a bad query as a feed with one entry whose id is
//! `http://arxiv.org/api/errors#...`: that is a fatal problem, not a paper.

use std::io::BufRead;

use paperboy_domain::text::{normalise_line, normalise_paragraphs};
use paperboy_domain::{Paper, PaperVersion, VersionedId};

use super::fields;
use super::xml::{Element, Item, Record, RecordReader};
use crate::record::{IncomingRecord, ParseIssue, Parsed, SourceContext};

/// Reads an Atom feed, yielding one record per `<entry>`.
pub struct AtomParser<R: BufRead> {
    xml: RecordReader<R>,
    done: bool,
}

impl<R: BufRead> AtomParser<R> {
    /// The context is not needed: each entry carries its own dates.
    pub fn new(input: R, _ctx: SourceContext) -> Self {
        AtomParser {
            xml: RecordReader::new(input, "feed", "entry"),
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for AtomParser<R> {
    type Item = Parsed;

    fn next(&mut self) -> Option<Parsed> {
        while !self.done {
            match self.xml.next_item() {
                Ok(Item::Record(entry)) => {
                    if let Some(message) = api_error(&entry) {
                        self.done = true;
                        return Some(Err(ParseIssue::fatal(None, message)));
                    }
                    return Some(entry_to_paper(&entry));
                }
                Ok(Item::Outside(_)) => {}
                Ok(Item::End) => self.done = true,
                Err(message) => {
                    self.done = true;
                    return Some(Err(ParseIssue::fatal(None, message)));
                }
            }
        }
        None
    }
}

/// The message of the API's error entry, the way it says a query failed.
fn api_error(entry: &Record) -> Option<String> {
    let id = child(&entry.elements, "id")?.trim();
    if !id.contains("arxiv.org/api/errors") {
        return None;
    }
    let summary = child(&entry.elements, "summary").map(normalise_line);
    Some(format!("arXiv API error: {}", summary.unwrap_or_default()))
}

fn entry_to_paper(entry: &Record) -> Parsed {
    let id_text = child(&entry.elements, "id").map(str::trim).unwrap_or("");
    let label = if id_text.is_empty() {
        format!("entry {} (line {})", entry.index, entry.line)
    } else {
        format!("entry {} ({id_text})", entry.index)
    };
    build(entry, id_text).map_err(|message| ParseIssue::record(label, message))
}

/// The text of the entry's child element `name`.
fn child<'a>(elements: &'a [Element], name: &str) -> Option<&'a str> {
    elements.iter().find(|e| e.is("entry", name)).map(|e| e.text.as_str())
}

fn build(entry: &Record, id_text: &str) -> Result<IncomingRecord, String> {
    let get = |name| child(&entry.elements, name);
    if let Some(problem) = &entry.problem {
        return Err(problem.clone());
    }
    if id_text.is_empty() {
        return Err("missing <id>".into());
    }
    let id = VersionedId::parse(id_text).map_err(|e| e.to_string())?;
    let mut paper = Paper::new(id.id);
    paper.version = id.version;
    paper.title = get("title").map(normalise_line).unwrap_or_default();
    if paper.title.is_empty() {
        return Err("missing <title>".into());
    }
    paper.abstract_text = get("summary").map(normalise_paragraphs).unwrap_or_default();
    paper.published = get("published").and_then(fields::rfc3339);
    paper.updated = get("updated").and_then(fields::rfc3339);
    paper.as_of = paper.updated;
    paper.comment = fields::optional_line(get("comment"));
    paper.journal_ref = fields::optional_line(get("journal_ref"));
    paper.doi = get("doi").and_then(fields::bare_doi);
    let elements = &entry.elements;
    paper.authors = elements
        .iter()
        .filter(|e| e.is("author", "name"))
        .map(|e| normalise_line(&e.text))
        .filter(|name| !name.is_empty())
        .collect();
    paper.categories = categories(elements);
    if paper.doi.is_none() {
        paper.doi = elements
            .iter()
            .find(|e| e.is("entry", "link") && e.attr("title") == Some("doi"))
            .and_then(|e| e.attr("href"))
            .and_then(fields::bare_doi);
    }
    if let Some(version) = paper.version {
        if paper.published.is_some() {
            paper.versions.push(PaperVersion {
                version: 1,
                submitted: paper.published,
            });
        }
        if paper.updated.is_some() && version > 1 {
            paper.versions.push(PaperVersion {
                version,
                submitted: paper.updated,
            });
        }
    }
    paper.derive_version_fields();
    Ok(IncomingRecord::new(paper, Vec::new()))
}

/// The primary category first, then the other `category` terms, without repeats.
fn categories(elements: &[Element]) -> Vec<String> {
    let primary = elements
        .iter()
        .filter(|e| e.is("entry", "primary_category"))
        .filter_map(|e| e.attr("term"));
    let others = elements
        .iter()
        .filter(|e| e.is("entry", "category"))
        .filter_map(|e| e.attr("term"));
    fields::categories(primary.chain(others))
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::formats::test_data;
    use crate::record::IssueKind;

    fn parse_bytes(xml: &[u8]) -> (Vec<IncomingRecord>, Vec<ParseIssue>) {
        test_data::split(AtomParser::new(xml, SourceContext::default()))
    }

    fn utc(text: &str) -> Option<DateTime<Utc>> {
        Some(text.parse().unwrap())
    }

    fn feed(entries: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
<title>q</title>{entries}</feed>"#
        )
    }

    #[test]
    fn single_entry_sample() {
        let Some(input) = test_data::open("samples/arxiv-api-atom-2013-02-02-id-1301.7746.xml") else {
            return;
        };
        let (records, issues) = test_data::split(AtomParser::new(input, SourceContext::default()));
        assert!(issues.is_empty(), "{issues:?}");
        let [record] = &records[..] else {
            panic!("expected one entry, got {}", records.len());
        };
        let paper = &record.paper;
        assert_eq!(paper.id.as_str(), "1301.7746");
        assert_eq!(paper.version, Some(1));
        assert_eq!(paper.versions.len(), 1);
        assert_eq!(paper.published, utc("2013-01-31T20:46:12Z"));
        assert_eq!(paper.as_of, utc("2013-01-31T20:46:12Z"));
        assert_eq!(
            paper.title,
            "Phases and phase transitions in disordered quantum systems"
        );
        assert_eq!(paper.authors, ["Thomas Vojta"]);
        assert_eq!(paper.categories, ["cond-mat.dis-nn", "cond-mat.str-el"]);
        assert!(paper.abstract_text.starts_with("These lecture notes give"));
        assert!(paper
            .comment
            .as_deref()
            .unwrap()
            .ends_with("arXiv:cond-mat/0602312 and arXiv:1005.2707"));
    }

    #[test]
    fn search_results_sample() {
        let Some(input) = test_data::open("samples/arxiv-api-atom-2019-08-10-all_science.xml") else {
            return;
        };
        let (records, issues) = test_data::split(AtomParser::new(input, SourceContext::default()));
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(records.len(), 10);
        let report = &records[1].paper;
        assert_eq!(report.id.as_str(), "1503.01162");
        assert!(report
            .title
            .starts_with("Report on a Boston University Conference December 7-8, 2012 on 'How Can the History"));
        assert_eq!(report.authors, ["Peter Garik", "Yann Benétreau-Dupin"]);
        assert_eq!(report.doi.as_deref(), Some("10.1007/s11191-014-9716-8"));
        assert_eq!(
            report.journal_ref.as_deref(),
            Some("Science & Education, September 2014, 23(9): 1853-1873")
        );
        assert_eq!(report.categories[0], "physics.ed-ph");
    }

    #[test]
    fn later_versions_record_both_dates() {
        let xml = feed(
            r#"<entry><id>http://arxiv.org/abs/2404.01234v3</id><updated>2024-05-02T10:00:00Z</updated>
<published>2024-04-01T09:00:00Z</published><title>T</title><summary>S</summary>
<link title="doi" href="http://dx.doi.org/10.1/x" rel="related"/>
<category term="cs.LG"/><arxiv:primary_category term="stat.ML"/></entry>"#,
        );
        let (records, issues) = parse_bytes(xml.as_bytes());
        assert!(issues.is_empty(), "{issues:?}");
        let paper = &records[0].paper;
        assert_eq!(paper.version, Some(3));
        assert_eq!(paper.versions.len(), 2);
        assert_eq!(paper.published, utc("2024-04-01T09:00:00Z"));
        assert_eq!(paper.updated, utc("2024-05-02T10:00:00Z"));
        assert_eq!(paper.categories, ["stat.ML", "cs.LG"]);
        assert_eq!(paper.doi.as_deref(), Some("10.1/x"));
    }

    #[test]
    fn api_error_feed_is_fatal() {
        let xml = feed(
            r#"<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345</id>
<title>Error</title><summary>incorrect id format for 1234.12345</summary></entry>"#,
        );
        let (records, issues) = parse_bytes(xml.as_bytes());
        assert!(records.is_empty());
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].kind, IssueKind::Fatal);
        assert_eq!(issues[0].message, "arXiv API error: incorrect id format for 1234.12345");
    }

    #[test]
    fn bad_entries_are_skipped_with_a_reason() {
        let xml = feed(
            r#"<entry><title>No id</title></entry>
<entry><id>http://arxiv.org/abs/2404.01234v1</id><title>  </title></entry>
<entry><id>http://arxiv.org/abs/2404.01235v1</id><title>&lt;script&gt;x&lt;/script&gt;</title></entry>"#,
        );
        let (records, issues) = parse_bytes(xml.as_bytes());
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].paper.title, "<script>x</script>");
        assert_eq!(issues[0].record.as_deref(), Some("entry 1 (line 3)"));
        assert_eq!(issues[0].message, "missing <id>");
        assert_eq!(
            issues[1].record.as_deref(),
            Some("entry 2 (http://arxiv.org/abs/2404.01234v1)")
        );
        assert_eq!(issues[1].message, "missing <title>");
    }

    #[test]
    fn truncated_feed_is_fatal() {
        let xml = feed(r#"<entry><id>http://arxiv.org/abs/2404.01234v1</id><title>T</title></entry>"#);
        let cut = &xml.as_bytes()[..xml.len() - 5];
        let (records, issues) = parse_bytes(cut);
        assert_eq!(records.len(), 1);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].kind, IssueKind::Fatal);
    }
}
