//! JSON lines: one paper per line, in one of three dialects told apart per line by its keys.
//!
//! - paperboy's own export (`export`, [`PaperDocument`]): has `daily_entries`, `daily`,
//!   `as_of` or `upvotes`. Read back as stored, daily-list entries included.
//! - the Kaggle arXiv metadata snapshot: has `abstract`, `update_date`, `authors_parsed` or
//!   `journal-ref`. Versions with dates; `update_date` is when the snapshot saw the paper.
//! - the daily-arXiv listing archives: has `summary`, `abs` or `pdf`. The file stands for one
//!   announcement day, which only its name says ([`SourceContext::listing_day`]).
//!
//! Lines are read as bytes into one reused buffer, so that a line of invalid UTF-8 is one
//! rejected record, and a line longer than [`MAX_LINE_BYTES`] is skipped without being held.

use std::io::{self, BufRead};

use paperboy_domain::text::{normalise_line, normalise_paragraphs};
use paperboy_domain::{PaperDocument, PaperVersion};
use serde::de::{Deserializer, IgnoredAny};
use serde::Deserialize;

use super::fields;
use crate::record::{IncomingRecord, ParseIssue, Parsed, SourceContext};

/// Lines longer than this are rejected unread; a real record is a few kB.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Reads JSON lines, yielding one record per non-blank line.
pub struct JsonlParser<R: BufRead> {
    input: R,
    ctx: SourceContext,
    line: Vec<u8>,
    line_number: u64,
    done: bool,
}

impl<R: BufRead> JsonlParser<R> {
    pub fn new(input: R, ctx: SourceContext) -> Self {
        JsonlParser {
            input,
            ctx,
            line: Vec::with_capacity(16 * 1024),
            line_number: 0,
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for JsonlParser<R> {
    type Item = Parsed;

    fn next(&mut self) -> Option<Parsed> {
        while !self.done {
            self.line_number += 1;
            let number = self.line_number;
            match read_line(&mut self.input, &mut self.line, MAX_LINE_BYTES) {
                Err(e) => {
                    self.done = true;
                    let message = format!("could not read line {number}: {e}");
                    return Some(Err(ParseIssue::fatal(None, message)));
                }
                Ok(LineRead::Eof) => self.done = true,
                Ok(LineRead::TooLong) => {
                    let message = format!("longer than {} MiB; skipped", MAX_LINE_BYTES >> 20);
                    return Some(Err(ParseIssue::record(format!("line {number}"), message)));
                }
                Ok(LineRead::Line) => {
                    if self.line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let parsed = parse_line(&self.line, &self.ctx)
                        .map_err(|message| ParseIssue::record(format!("line {number}"), message));
                    return Some(parsed);
                }
            }
        }
        None
    }
}

enum LineRead {
    Line,
    TooLong,
    Eof,
}

/// Reads up to the next newline into `line` (without it), holding at most `max` bytes: a longer
/// line is consumed and dropped.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>, max: usize) -> io::Result<LineRead> {
    line.clear();
    let mut read_any = false;
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (read_any, too_long) {
                (false, _) => LineRead::Eof,
                (true, true) => LineRead::TooLong,
                (true, false) => LineRead::Line,
            });
        }
        read_any = true;
        let newline = available.iter().position(|b| *b == b'\n');
        let take = newline.unwrap_or(available.len());
        if !too_long {
            if line.len() + take > max {
                too_long = true;
                line.clear();
                line.shrink_to(64 * 1024);
            } else {
                line.extend_from_slice(&available[..take]);
            }
        }
        match newline {
            Some(at) => {
                input.consume(at + 1);
                return Ok(if too_long { LineRead::TooLong } else { LineRead::Line });
            }
            None => input.consume(take),
        }
    }
}

/// Which keys a line has, read without building any value.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Keys {
    daily_entries: Present,
    daily: Present,
    as_of: Present,
    upvotes: Present,
    #[serde(rename = "abstract")]
    abstract_text: Present,
    update_date: Present,
    authors_parsed: Present,
    #[serde(rename = "journal-ref")]
    journal_ref: Present,
    summary: Present,
    abs: Present,
    pdf: Present,
}

/// Whether a key was there (even as `null`).
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| Present(true))
    }
}

fn parse_line(bytes: &[u8], ctx: &SourceContext) -> Result<IncomingRecord, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1))?;
    let text = text.trim();
    if !text.starts_with('{') {
        return Err("expected a JSON object".into());
    }
    let keys: Keys = serde_json::from_str(text).map_err(json_message)?;
    if keys.daily_entries.0 || keys.daily.0 || keys.as_of.0 || keys.upvotes.0 {
        own_export(text)
    } else if keys.abstract_text.0 || keys.update_date.0 || keys.authors_parsed.0 || keys.journal_ref.0 {
        kaggle(text)
    } else if keys.summary.0 || keys.abs.0 || keys.pdf.0 {
        listing(text, ctx)
    } else {
        Err("not a known kind of record: expected the keys of a paperboy export \
             (daily_entries, as_of), the Kaggle arXiv snapshot (abstract, update_date) or a \
             daily-arXiv listing (summary)"
            .into())
    }
}

/// serde_json's message without its position in the (one-line) document, then the column.
fn json_message(error: serde_json::Error) -> String {
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => &message,
    };
    if error.column() > 0 {
        format!("{message} (column {})", error.column())
    } else {
        message.to_string()
    }
}

fn own_export(text: &str) -> Result<IncomingRecord, String> {
    let document: PaperDocument = serde_json::from_str(text).map_err(json_message)?;
    let mut paper = document.paper;
    // Exported text is normalised already; doing it again is a no-op that guards hand edits.
    paper.title = normalise_line(&paper.title);
    if paper.title.is_empty() {
        return Err(format!("paper {}: missing title", paper.id));
    }
    paper.abstract_text = normalise_paragraphs(&paper.abstract_text);
    for author in &mut paper.authors {
        *author = normalise_line(author);
    }
    paper.authors.retain(|a| !a.is_empty());
    paper.comment = fields::optional_line(paper.comment.as_deref());
    Ok(IncomingRecord::new(paper, document.daily_entries))
}

#[derive(Deserialize)]
struct KaggleLine {
    id: String,
    submitter: Option<String>,
    authors: Option<String>,
    authors_parsed: Option<Vec<Vec<String>>>,
    title: Option<String>,
    comments: Option<String>,
    #[serde(rename = "journal-ref")]
    journal_ref: Option<String>,
    doi: Option<String>,
    categories: Option<String>,
    license: Option<String>,
    #[serde(rename = "abstract")]
    abstract_text: Option<String>,
    versions: Option<Vec<KaggleVersion>>,
    update_date: Option<String>,
}

#[derive(Deserialize)]
struct KaggleVersion {
    version: String,
    created: Option<String>,
}

fn kaggle(text: &str) -> Result<IncomingRecord, String> {
    let line: KaggleLine = serde_json::from_str(text).map_err(json_message)?;
    let mut paper = fields::titled_paper(&line.id, line.title.as_deref())?;
    paper.abstract_text = line
        .abstract_text
        .as_deref()
        .map(normalise_paragraphs)
        .unwrap_or_default();
    paper.authors = match &line.authors_parsed {
        Some(parsed) if !parsed.is_empty() => parsed
            .iter()
            .map(|parts| {
                let part = |i: usize| parts.get(i).map_or("", String::as_str);
                fields::join_name(part(1), part(0), part(2))
            })
            .filter(|name| !name.is_empty())
            .collect(),
        _ => line
            .authors
            .as_deref()
            .map(fields::split_author_list)
            .unwrap_or_default(),
    };
    paper.categories = fields::categories(line.categories.as_deref());
    paper.submitter = fields::optional_line(line.submitter.as_deref());
    paper.comment = fields::optional_line(line.comments.as_deref());
    paper.journal_ref = fields::optional_line(line.journal_ref.as_deref());
    paper.doi = line.doi.as_deref().and_then(fields::bare_doi);
    paper.license = fields::optional_line(line.license.as_deref());
    let mut warnings = Vec::new();
    for version in line.versions.iter().flatten() {
        let Some(number) = fields::version_number(&version.version) else {
            warnings.push(format!(
                "version {:?} is not a version number; ignored",
                version.version
            ));
            continue;
        };
        let submitted = version.created.as_deref().and_then(fields::rfc2822);
        if submitted.is_none() {
            warnings.push(format!("date of v{number} missing or not understood"));
        }
        paper.versions.push(PaperVersion {
            version: number,
            submitted,
        });
    }
    paper.as_of = line.update_date.as_deref().and_then(fields::day).map(fields::midnight);
    paper.derive_version_fields();
    let mut record = IncomingRecord::new(paper, Vec::new());
    record.warnings.extend(warnings);
    Ok(record)
}

#[derive(Deserialize)]
struct ListingLine {
    id: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    authors: Vec<String>,
    title: Option<String>,
    comment: Option<String>,
    summary: Option<String>,
}

fn listing(text: &str, ctx: &SourceContext) -> Result<IncomingRecord, String> {
    let line: ListingLine = serde_json::from_str(text).map_err(json_message)?;
    let mut paper = fields::titled_paper(&line.id, line.title.as_deref())?;
    paper.abstract_text = line
        .summary
        .as_deref()
        .map(fields::unwrapped_paragraphs)
        .unwrap_or_default();
    paper.authors = line
        .authors
        .iter()
        .map(|a| normalise_line(a))
        .filter(|a| !a.is_empty())
        .collect();
    paper.categories = fields::categories(line.categories.iter().map(String::as_str));
    paper.comment = fields::optional_line(line.comment.as_deref());
    paper.announced = ctx.listing_day;
    paper.as_of = ctx.listing_day.map(fields::midnight);
    Ok(IncomingRecord::new(paper, Vec::new()))
}

#[cfg(test)]
#[path = "jsonl_tests.rs"]
mod tests;
