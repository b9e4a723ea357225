//! A paper as both backends read it from a row: plain columns, and the JSON ones (authors,
//! categories, versions) still as text, decoded here the same way for both; and a paper's daily
//! entries, read the same way too.

use chrono::{DateTime, NaiveDate, Utc};
use paperboy_domain::{ArxivId, DailyEntry, Paper, PaperVersion};

use crate::rows::RowRead;
use crate::StoreError;

/// A paper row before its JSON columns are decoded (decoding errors need the id to report).
pub(crate) struct PaperRow {
    pub id: String,
    pub version: Option<i64>,
    pub title: String,
    pub abstract_text: String,
    pub authors: String,
    pub categories: String,
    pub comment: Option<String>,
    pub journal_ref: Option<String>,
    pub doi: Option<String>,
    pub license: Option<String>,
    pub submitter: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub announced: Option<NaiveDate>,
    pub versions: String,
    pub code_url: Option<String>,
    pub project_url: Option<String>,
    pub as_of: Option<DateTime<Utc>>,
    pub ai_summary: Option<String>,
    pub ai_keywords: String,
}

impl PaperRow {
    /// Reads the first columns of `row`, laid out as the backends' `PAPER_COLUMNS` (id,
    /// version, title, abstract, authors, categories, comment, journal_ref, doi, license,
    /// submitter, published, updated, announced, versions, code_url, project_url, as_of,
    /// ai_summary, ai_keywords).
    pub fn read(row: &impl RowRead) -> Result<PaperRow, StoreError> {
        Ok(PaperRow {
            id: row.column(0)?,
            version: row.column(1)?,
            title: row.column(2)?,
            abstract_text: row.column(3)?,
            authors: row.column(4)?,
            categories: row.column(5)?,
            comment: row.column(6)?,
            journal_ref: row.column(7)?,
            doi: row.column(8)?,
            license: row.column(9)?,
            submitter: row.column(10)?,
            published: row.column(11)?,
            updated: row.column(12)?,
            announced: row.column(13)?,
            versions: row.column(14)?,
            code_url: row.column(15)?,
            project_url: row.column(16)?,
            as_of: row.column(17)?,
            ai_summary: row.column(18)?,
            ai_keywords: row.column(19)?,
        })
    }

    /// The paper, or [`StoreError::Corrupt`] naming the paper and the column that is unreadable.
    pub fn into_paper(self) -> Result<Paper, StoreError> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt {
            id: self.id.clone(),
            message: format!("{what}: {e}"),
        };
        let id = ArxivId::parse(&self.id).map_err(|e| corrupt("id", &e))?;
        let version = self
            .version
            .map(u32::try_from)
            .transpose()
            .map_err(|e| corrupt("version", &e))?;
        let authors: Vec<String> = serde_json::from_str(&self.authors).map_err(|e| corrupt("authors", &e))?;
        let categories: Vec<String> = serde_json::from_str(&self.categories).map_err(|e| corrupt("categories", &e))?;
        let versions: Vec<PaperVersion> = serde_json::from_str(&self.versions).map_err(|e| corrupt("versions", &e))?;
        let ai_keywords: Vec<String> =
            serde_json::from_str(&self.ai_keywords).map_err(|e| corrupt("ai_keywords", &e))?;
        Ok(Paper {
            id,
            version,
            title: self.title,
            abstract_text: self.abstract_text,
            authors,
            categories,
            comment: self.comment,
            journal_ref: self.journal_ref,
            doi: self.doi,
            license: self.license,
            submitter: self.submitter,
            published: self.published,
            updated: self.updated,
            announced: self.announced,
            versions,
            code_url: self.code_url,
            project_url: self.project_url,
            ai_summary: self.ai_summary,
            ai_keywords,
            as_of: self.as_of,
        })
    }
}

/// Reads a daily entry from `day, upvotes, comments, submitted_by, source` at column `first`.
pub(crate) fn daily_entry(row: &impl RowRead, first: usize) -> Result<DailyEntry, StoreError> {
    Ok(DailyEntry {
        day: row.column(first)?,
        upvotes: row.column(first + 1)?,
        comments: row.column(first + 2)?,
        submitted_by: row.column(first + 3)?,
        source: row.column(first + 4)?,
    })
}

/// A list as JSON text for a JSON column (serialising strings and numbers cannot fail).
pub(crate) fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}
