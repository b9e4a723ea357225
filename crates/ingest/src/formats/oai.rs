//! arXiv's OAI-PMH responses (`ListRecords`, `GetRecord`), streamed record by record.
//!
//! Three metadata formats are understood, told apart by the element inside `<metadata>`:
//! `arXivRaw` (full version history), `arXiv` (structured author names) and `oai_dc` (Dublin
//! Core, the lowest common denominator). Deleted records are skipped silently: a deletion
//! says nothing about a paper's metadata. An OAI-PMH `<error>` response ends the parse with an
//! [`IssueKind::OaiError`], and the `resumptionToken` is kept for the harvester to ask for the
//! next page.

use std::io::BufRead;

use paperboy_domain::text::{normalise_line, normalise_paragraphs};
use paperboy_domain::{Paper, PaperVersion, VersionedId};

use super::fields;
use super::xml::{Element, Item, Record, RecordReader};
use crate::record::{IncomingRecord, IssueKind, ParseIssue, Parsed, SourceContext};

/// Where a `ListRecords` answer stops, and how to ask for the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumptionToken {
    /// The token to send back; empty when the list is complete.
    pub token: String,
    pub cursor: Option<u64>,
    pub complete_list_size: Option<u64>,
}

/// Reads an OAI-PMH response, yielding one record per non-deleted `<record>`.
pub struct OaiParser<R: BufRead> {
    xml: RecordReader<R>,
    resumption: Option<ResumptionToken>,
    done: bool,
}

impl<R: BufRead> OaiParser<R> {
    /// The context is not needed: an OAI-PMH response says all about itself.
    pub fn new(input: R, _ctx: SourceContext) -> Self {
        OaiParser {
            xml: RecordReader::new(input, "OAI-PMH", "record"),
            resumption: None,
            done: false,
        }
    }

    /// The response's `resumptionToken`, once the iterator is exhausted; `None` when the
    /// response had none (a `GetRecord`, or a list that fit in one response).
    pub fn resumption_token(&self) -> Option<ResumptionToken> {
        self.resumption.clone()
    }

    fn outside(&mut self, element: Element) -> Option<Parsed> {
        match element.name.as_str() {
            "resumptionToken" => {
                let number = |key| element.attr(key).and_then(|v| v.trim().parse().ok());
                self.resumption = Some(ResumptionToken {
                    token: element.text.trim().to_string(),
                    cursor: number("cursor"),
                    complete_list_size: number("completeListSize"),
                });
                None
            }
            "error" if element.parent == "OAI-PMH" => {
                self.done = true;
                let code = element.attr("code").unwrap_or("unknown").to_string();
                Some(Err(ParseIssue {
                    record: None,
                    message: format!("OAI-PMH error {code}: {}", normalise_line(&element.text)),
                    kind: IssueKind::OaiError { code },
                }))
            }
            _ => None,
        }
    }
}

impl<R: BufRead> Iterator for OaiParser<R> {
    type Item = Parsed;

    fn next(&mut self) -> Option<Parsed> {
        while !self.done {
            match self.xml.next_item() {
                Ok(Item::Record(record)) => {
                    if let Some(parsed) = record_to_paper(record) {
                        return Some(parsed);
                    }
                }
                Ok(Item::Outside(element)) => {
                    if let Some(issue) = self.outside(element) {
                        return Some(issue);
                    }
                }
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

/// Turns one `<record>` into a paper; `None` for a deleted record.
fn record_to_paper(record: Record) -> Option<Parsed> {
    let header = |name: &str| {
        record
            .elements
            .iter()
            .find(|e| e.is("header", name))
            .map(|e| e.text.trim())
    };
    let identifier = header("identifier").unwrap_or("");
    let label = if identifier.is_empty() {
        format!("record {} (line {})", record.index, record.line)
    } else {
        format!("record {} ({identifier})", record.index)
    };
    let deleted = record
        .elements
        .iter()
        .any(|e| e.is("record", "header") && e.attr("status") == Some("deleted"));
    if deleted {
        return None;
    }
    Some(build(&record, identifier, header("datestamp")).map_err(|m| ParseIssue::record(label, m)))
}

fn build(record: &Record, identifier: &str, datestamp: Option<&str>) -> Result<IncomingRecord, String> {
    if let Some(problem) = &record.problem {
        return Err(problem.clone());
    }
    let elements = &record.elements;
    let format = elements
        .iter()
        .find(|e| e.parent == "metadata")
        .ok_or("no <metadata> in the record")?;
    let format = format.name.as_str();
    let stated_id = match format {
        "arXivRaw" | "arXiv" => text_of(elements, format, "id"),
        "dc" => elements
            .iter()
            .find(|e| e.is("dc", "identifier") && e.text.to_ascii_lowercase().contains("arxiv.org/abs/"))
            .map(|e| e.text.as_str()),
        other => {
            return Err(format!(
                "unsupported metadata format <{other}> (expected arXivRaw, arXiv or oai_dc)"
            ))
        }
    };
    let id = match stated_id {
        Some(id) => VersionedId::parse(id),
        None if !identifier.is_empty() => VersionedId::parse(identifier),
        None => return Err("missing <id>".to_string()),
    }
    .map_err(|e| e.to_string())?;
    let mut paper = Paper::new(id.id);
    paper.version = id.version;
    let mut warnings = Vec::new();
    match format {
        "arXivRaw" => arxiv_raw(elements, &mut paper, &mut warnings),
        "arXiv" => arxiv(elements, &mut paper),
        _ => dublin_core(elements, &mut paper),
    }
    if paper.title.is_empty() {
        return Err("missing <title>".to_string());
    }
    paper.as_of = datestamp.and_then(fields::day_or_time);
    paper.derive_version_fields();
    let mut incoming = IncomingRecord::new(paper, Vec::new());
    incoming.warnings.extend(warnings);
    Ok(incoming)
}

/// The text of `name` under `parent` when present.
fn text_of<'a>(elements: &'a [Element], parent: &str, name: &str) -> Option<&'a str> {
    elements.iter().find(|e| e.is(parent, name)).map(|e| e.text.as_str())
}

/// The fields `arXivRaw` and `arXiv` share, under the format element named `parent`.
fn common_fields(elements: &[Element], parent: &str, paper: &mut Paper) {
    let get = |name| text_of(elements, parent, name);
    paper.title = get("title").map(normalise_line).unwrap_or_default();
    paper.abstract_text = get("abstract").map(normalise_paragraphs).unwrap_or_default();
    paper.categories = fields::categories(get("categories"));
    paper.comment = fields::optional_line(get("comments"));
    paper.journal_ref = fields::optional_line(get("journal-ref"));
    paper.doi = get("doi").and_then(fields::bare_doi);
    paper.license = fields::optional_line(get("license"));
}

/// `metadataPrefix=arXivRaw`: one author string, and every version with its date.
fn arxiv_raw(elements: &[Element], paper: &mut Paper, warnings: &mut Vec<String>) {
    common_fields(elements, "arXivRaw", paper);
    paper.submitter = fields::optional_line(text_of(elements, "arXivRaw", "submitter"));
    paper.authors = text_of(elements, "arXivRaw", "authors")
        .map(fields::split_author_list)
        .unwrap_or_default();
    let mut date = None;
    for element in elements {
        if element.is("version", "date") {
            date = Some(element.text.trim());
        } else if element.is("arXivRaw", "version") {
            let label = element.attr("version").unwrap_or("");
            let Some(version) = fields::version_number(label) else {
                warnings.push(format!("version {label:?} is not a version number; ignored"));
                date = None;
                continue;
            };
            let submitted = date.take().and_then(|d| {
                let parsed = fields::rfc2822(d);
                if parsed.is_none() {
                    warnings.push(format!("date {d:?} of v{version} not understood"));
                }
                parsed
            });
            paper.versions.push(PaperVersion { version, submitted });
        }
    }
}

/// `metadataPrefix=arXiv`: structured author names, creation and update days, no versions.
fn arxiv(elements: &[Element], paper: &mut Paper) {
    common_fields(elements, "arXiv", paper);
    let day = |name| {
        text_of(elements, "arXiv", name)
            .and_then(fields::day)
            .map(fields::midnight)
    };
    paper.published = day("created");
    paper.updated = day("updated");
    let (mut keyname, mut forenames, mut suffix) = ("", "", "");
    for element in elements {
        match (element.parent.as_str(), element.name.as_str()) {
            ("author", "keyname") => keyname = &element.text,
            ("author", "forenames") => forenames = &element.text,
            ("author", "suffix") => suffix = &element.text,
            ("authors", "author") => {
                let name = fields::join_name(forenames, keyname, suffix);
                if !name.is_empty() {
                    paper.authors.push(name);
                }
                (keyname, forenames, suffix) = ("", "", "");
            }
            _ => {}
        }
    }
}

/// `metadataPrefix=oai_dc`: Dublin Core. Creators are `Last, First`; the abstract is the
/// first description and arXiv's comment the one starting `Comment:`; the id comes from the
/// `arxiv.org/abs/` identifier. Subjects are kept only when they are category codes: arXiv
/// writes most of them as names (`Computer Science - Learning`), which are not categories.
fn dublin_core(elements: &[Element], paper: &mut Paper) {
    let mut dates = Vec::new();
    for element in elements.iter().filter(|e| e.parent == "dc") {
        let text = element.text.trim();
        match element.name.as_str() {
            "title" if paper.title.is_empty() => paper.title = normalise_line(text),
            "creator" => paper.authors.push(fields::last_comma_first(text)),
            "description" => match text.strip_prefix("Comment:") {
                Some(comment) => paper.comment = fields::optional_line(Some(comment)),
                None if paper.abstract_text.is_empty() => {
                    paper.abstract_text = normalise_paragraphs(&element.text);
                }
                None => {}
            },
            "date" => dates.extend(fields::day(text)),
            "identifier" if text.to_ascii_lowercase().starts_with("doi:") => {
                paper.doi = fields::bare_doi(text);
            }
            "subject" if fields::looks_like_category(text) => {
                paper.categories.extend(fields::categories([text]));
            }
            "rights" => paper.license = fields::optional_line(Some(text)),
            _ => {}
        }
    }
    paper.authors.retain(|a| !a.is_empty());
    dates.sort();
    paper.published = dates.first().copied().map(fields::midnight);
    if dates.len() > 1 {
        paper.updated = dates.last().copied().map(fields::midnight);
    }
}

#[cfg(test)]
#[path = "oai_tests.rs"]
mod tests;
