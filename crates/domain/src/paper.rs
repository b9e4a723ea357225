//! The paper: what paperboy knows about one arXiv paper, whatever source it came from.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::arxiv_id::ArxivId;

/// Metadata of one paper, keyed by its version-less arXiv id.
///
/// Fields a source does not provide are empty (`None`, empty string or list); merging
/// (see [`crate::merge`]) fills them from other sources without letting older data win.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paper {
    pub id: ArxivId,
    /// Latest version known (`3` for v3); `None` when no source said.
    pub version: Option<u32>,
    #[serde(default)]
    pub title: String,
    #[serde(rename = "abstract", default)]
    pub abstract_text: String,
    #[serde(default)]
    pub authors: Vec<String>,
    /// arXiv categories, primary first (`cs.LG`, `stat.ML`).
    #[serde(default)]
    pub categories: Vec<String>,
    pub comment: Option<String>,
    pub journal_ref: Option<String>,
    pub doi: Option<String>,
    pub license: Option<String>,
    pub submitter: Option<String>,
    /// Submission time of the first version.
    pub published: Option<DateTime<Utc>>,
    /// Submission time of the latest version.
    pub updated: Option<DateTime<Utc>>,
    /// The day arXiv announced the paper (its first listing).
    pub announced: Option<NaiveDate>,
    #[serde(default)]
    pub versions: Vec<PaperVersion>,
    pub code_url: Option<String>,
    pub project_url: Option<String>,
    /// A machine-written summary from Hugging Face's daily lists (`ai_summary`), shown labelled
    /// as such; never mixed with the authors' abstract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_summary: Option<String>,
    /// Machine-chosen keywords from the same lists (`ai_keywords`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ai_keywords: Vec<String>,
    /// When the source that last set the metadata saw it; orders sources without versions.
    pub as_of: Option<DateTime<Utc>>,
}

/// One submitted version of a paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperVersion {
    pub version: u32,
    pub submitted: Option<DateTime<Utc>>,
}

/// A paper's appearance in a day's curated daily list (imported or submitted by a user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyEntry {
    pub day: NaiveDate,
    /// Upvotes the entry carried when imported (Hugging Face's count at that time).
    pub upvotes: i64,
    pub comments: i64,
    pub submitted_by: Option<String>,
    /// Where the entry came from: `hf` for Hugging Face imports, `paperboy` for local ones.
    pub source: String,
}

/// Links shown for a paper, derived from its id and the URLs sources gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Links {
    pub abs: String,
    pub pdf: String,
    pub doi: Option<String>,
    pub code: Option<String>,
    pub project: Option<String>,
}

impl Paper {
    /// An empty paper with only its id, for sources to fill in.
    pub fn new(id: ArxivId) -> Paper {
        Paper {
            id,
            version: None,
            title: String::new(),
            abstract_text: String::new(),
            authors: Vec::new(),
            categories: Vec::new(),
            comment: None,
            journal_ref: None,
            doi: None,
            license: None,
            submitter: None,
            published: None,
            updated: None,
            announced: None,
            versions: Vec::new(),
            code_url: None,
            project_url: None,
            ai_summary: None,
            ai_keywords: Vec::new(),
            as_of: None,
        }
    }

    pub fn primary_category(&self) -> Option<&str> {
        self.categories.first().map(String::as_str)
    }

    pub fn links(&self) -> Links {
        Links {
            abs: self.id.abs_url(),
            pdf: self.id.pdf_url(),
            doi: self.doi.as_ref().map(|doi| format!("https://doi.org/{doi}")),
            code: self.code_url.clone(),
            project: self.project_url.clone(),
        }
    }

    /// Sets `version`, `published` and `updated` from the version list, when it has any.
    pub fn derive_version_fields(&mut self) {
        self.versions.sort_by_key(|v| v.version);
        self.versions.dedup_by_key(|v| v.version);
        if let Some(last) = self.versions.last() {
            self.version = Some(self.version.map_or(last.version, |v| v.max(last.version)));
            if self.updated.is_none() {
                self.updated = last.submitted;
            }
        }
        if let Some(first) = self.versions.first() {
            if first.version == 1 && first.submitted.is_some() {
                self.published = first.submitted;
            }
        }
    }
}
