//! Reading a reference manager's export (a Zotero, Mendeley or JabRef library as BibTeX, RIS or
//! CSL-JSON) into entries that can be matched to papers: by arXiv id, by DOI, or by title.
//!
//! Files come from users, so nothing here trusts them: a file that cannot be read at all is a
//! [`FileError`] (and nothing of it is used), while one bad entry in a readable file is a
//! [`BadEntry`] naming it, and the rest of the file still counts. Text taken from a file is
//! kept as plain text; escaping it is the job of whoever shows it.

mod bibtex;
mod csl;
mod identify;
mod ris;

use std::fmt;

use crate::ArxivId;

pub use identify::{arxiv_in, normalise_doi, title_key};

/// The largest file read (bytes): a whole library of ten thousand entries fits with room.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// The most entries one file may hold.
pub const MAX_ENTRIES: usize = 20_000;
/// Labels in messages are cut to this many characters.
const MAX_LABEL_CHARS: usize = 100;

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Bibtex,
    Ris,
    CslJson,
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileFormat::Bibtex => "BibTeX",
            FileFormat::Ris => "RIS",
            FileFormat::CslJson => "CSL-JSON",
        })
    }
}

/// One readable entry and what identifies it. At least one of `arxiv`, `doi` and `title` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// How messages name it: its citation key or id, else its title, else its position.
    pub label: String,
    pub title: Option<String>,
    /// Lowercase, without a resolver prefix (`10.1000/xyz`).
    pub doi: Option<String>,
    pub arxiv: Option<ArxivId>,
}

/// An entry that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEntry {
    pub label: String,
    pub reason: String,
}

/// What a readable file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub format: FileFormat,
    pub entries: Vec<Entry>,
    pub bad: Vec<BadEntry>,
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; at most {max} bytes can be imported at once (split the library)")]
    TooLarge { size: usize, max: usize },
    #[error("the file is not UTF-8 text (byte {offset} is not); export it again as UTF-8")]
    NotText { offset: usize },
    #[error(
        "this is not a BibTeX, RIS or CSL-JSON file (expected entries like @article{{…}}, lines like \
         \"TY  - JOUR\", or a JSON list of items)"
    )]
    UnknownFormat,
    #[error("the {format} file could not be read: {reason}")]
    Unreadable { format: FileFormat, reason: String },
    #[error("the file holds more than {max} entries; split it")]
    TooManyEntries { max: usize },
}

/// Reads a library export, telling its format from its content.
pub fn parse(bytes: &[u8]) -> Result<Parsed, FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge {
            size: bytes.len(),
            max: MAX_FILE_BYTES,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| FileError::NotText {
        offset: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    let format = detect(text).ok_or(FileError::UnknownFormat)?;
    let raw = match format {
        FileFormat::Bibtex => bibtex::parse(text),
        FileFormat::Ris => ris::parse(text),
        FileFormat::CslJson => csl::parse(text).map_err(|reason| FileError::Unreadable { format, reason })?,
    };
    if raw.records.len() + raw.bad.len() > MAX_ENTRIES {
        return Err(FileError::TooManyEntries { max: MAX_ENTRIES });
    }
    let mut parsed = Parsed {
        format,
        entries: Vec::new(),
        bad: raw.bad,
    };
    for (position, record) in raw.records.into_iter().enumerate() {
        match record.into_entry(position + 1) {
            Ok(entry) => parsed.entries.push(entry),
            Err(bad) => parsed.bad.push(bad),
        }
    }
    Ok(parsed)
}

fn detect(text: &str) -> Option<FileFormat> {
    let start = text.trim_start();
    if start.starts_with('[') || start.starts_with('{') {
        return Some(FileFormat::CslJson);
    }
    if text
        .lines()
        .any(|l| ris::tag_line(l).is_some_and(|(tag, _)| tag == "TY"))
    {
        return Some(FileFormat::Ris);
    }
    if bibtex::has_entry(text) {
        return Some(FileFormat::Bibtex);
    }
    None
}

/// An entry as a format's parser read it: its name and its fields (names lowercase, values
/// as written, whitespace collapsed).
#[derive(Debug, Default)]
struct Record {
    label: Option<String>,
    fields: Vec<(String, String)>,
}

/// What a format's parser read.
#[derive(Debug, Default)]
struct RawFile {
    records: Vec<Record>,
    bad: Vec<BadEntry>,
}

/// Fields that may mention an arXiv id in passing ("arXiv:2405.01234 [cs.CL]").
const MENTIONING: &[&str] = &[
    "note",
    "howpublished",
    "journal",
    "number",
    "annote",
    "comment",
    "extra",
];
/// Fields that hold a link.
const LINKS: &[&str] = &["url", "link"];

impl Record {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, v)| n == name && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
    }

    fn into_entry(self, position: usize) -> Result<Entry, BadEntry> {
        let title = self
            .field("title")
            .map(crate::text::normalise_line)
            .filter(|t| !t.is_empty());
        let label = label(self.label.as_deref().or(title.as_deref()), position);
        let doi = self.field("doi").and_then(normalise_doi);
        let archive = self.field("archiveprefix").or(self.field("eprinttype"));
        let eprint = self
            .field("eprint")
            .filter(|_| archive.is_none_or(|a| a.trim().eq_ignore_ascii_case("arxiv")))
            .or(self.field("arxivid"))
            .or(self.field("arxiv"));
        let mut arxiv = eprint.and_then(|e| ArxivId::parse(e.trim()).ok());
        if arxiv.is_none() {
            arxiv = doi.as_deref().and_then(identify::arxiv_from_doi);
        }
        for (name, value) in &self.fields {
            if arxiv.is_some() {
                break;
            }
            if LINKS.contains(&name.as_str()) || MENTIONING.contains(&name.as_str()) {
                arxiv = arxiv_in(value);
            }
        }
        if arxiv.is_none() && doi.is_none() && title.as_deref().and_then(title_key).is_none() {
            return Err(BadEntry {
                label,
                reason: "it has no arXiv id, DOI or title to match".into(),
            });
        }
        Ok(Entry {
            label,
            title,
            doi,
            arxiv,
        })
    }
}

/// A label fit for a message: whitespace and control characters collapsed, cut short.
fn label(name: Option<&str>, position: usize) -> String {
    let cleaned = crate::text::normalise_line(name.unwrap_or_default());
    if cleaned.is_empty() {
        return format!("entry {position}");
    }
    let mut cut: String = cleaned.chars().take(MAX_LABEL_CHARS).collect();
    if cut.len() < cleaned.len() {
        cut.push('…');
    }
    cut
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests;
