//! Citations: a paper as reference managers import it — BibTeX, RIS and CSL-JSON, and COinS
//! (`coins`), the span a list page carries for each paper so browser connectors can save it.
//!
//! One place decides what an arXiv preprint's entry holds (so the web app's exports, the CLI's
//! and the page's `citation_*` tags agree): the arXiv id as `eprint`/number, the primary
//! category, the DOI and journal reference when known, the authors in order (split into family
//! and given names once, by [`split_name`]), and the date of the first version. Each format
//! then only escapes: BibTeX keeps TeX valid (see `bibtex`), RIS and CSL-JSON are plain text.
//!
//! Entries are keyed `arxiv:<id>` (`arxiv:2404.01234`, `arxiv:hep-th/9901001`): unique and
//! stable across exports, unlike `lastnameYEARword` keys, which collide.

mod bibtex;
mod coins;
mod csl;
mod ris;

pub use coins::context_object;

use chrono::{Datelike, NaiveDate};

use crate::paper::Paper;

/// A citation format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Bibtex,
    Ris,
    CslJson,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Bibtex, Format::Ris, Format::CslJson];

    /// The name used in `?format=` and `--format`: `bibtex`, `ris`, `csl-json`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Bibtex => "bibtex",
            Format::Ris => "ris",
            Format::CslJson => "csl-json",
        }
    }

    /// Parses a name as [`Format::name`] spells it.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The media type reference managers and `Accept` headers use.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Bibtex => "application/x-bibtex",
            Format::Ris => "application/x-research-info-systems",
            Format::CslJson => "application/vnd.citationstyles.csl+json",
        }
    }

    /// The file extension (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Bibtex => "bib",
            Format::Ris => "ris",
            Format::CslJson => "json",
        }
    }

    /// `papers`, in order, as one document of this format.
    pub fn write<'a>(self, papers: impl IntoIterator<Item = &'a Paper>) -> String {
        let papers: Vec<&Paper> = papers.into_iter().collect();
        match self {
            Format::Bibtex => bibtex::write(&papers),
            Format::Ris => ris::write(&papers),
            Format::CslJson => csl::write(&papers),
        }
    }
}

/// The citation key of a paper: `arxiv:<id>`.
pub fn key(paper: &Paper) -> String {
    format!("arxiv:{}", paper.id)
}

/// A person's name split for citing: family name and given names (`None` for a single name or
/// an organisation, which is cited as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub family: String,
    pub given: Option<String>,
    /// `Jr.`, `III`.
    pub suffix: Option<String>,
}

/// Lower-case particles that belong to the family name ("Ludwig van Beethoven").
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la", "le", "ter", "ten", "zu",
    "af", "al", "bin", "ibn",
];
/// Suffixes that stay with the given names ("Martin Luther King Jr.").
const SUFFIXES: &[&str] = &["Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"];

/// Splits an author name as arXiv writes it (`Given Family`, or `Family, Given`).
pub fn split_name(name: &str) -> Name {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((family, given)) = name.split_once(',') {
        let (family, given) = (family.trim(), given.trim());
        if !family.is_empty() && !given.is_empty() {
            return Name {
                family: family.to_string(),
                given: Some(given.to_string()),
                suffix: None,
            };
        }
    }
    let mut words: Vec<&str> = name.split(' ').filter(|w| !w.is_empty()).collect();
    let suffix = match words.last() {
        Some(last) if words.len() > 2 && SUFFIXES.contains(last) => words.pop(),
        _ => None,
    };
    if words.len() < 2 {
        return Name {
            family: name.clone(),
            given: None,
            suffix: None,
        };
    }
    let mut start = words.len() - 1;
    while start > 1 && PARTICLES.contains(&words[start - 1]) {
        start -= 1;
    }
    Name {
        family: words[start..].join(" "),
        given: Some(words[..start].join(" ")),
        suffix: suffix.map(str::to_string),
    }
}

/// When a paper was first out: its first version's submission, else its announcement, else the
/// month its (new-style) id names.
pub fn issued(paper: &Paper) -> Option<NaiveDate> {
    paper
        .published
        .map(|t| t.date_naive())
        .or_else(|| paper.versions.iter().find_map(|v| v.submitted).map(|t| t.date_naive()))
        .or(paper.announced)
        .or_else(|| id_month(paper))
}

/// `YYMM` of a new-style id (`2404.01234` → April 2024), as the first of that month.
fn id_month(paper: &Paper) -> Option<NaiveDate> {
    let id = paper.id.as_str();
    if !paper.id.is_new_style() {
        return None;
    }
    let year: i32 = id.get(0..2)?.parse().ok()?;
    let month: u32 = id.get(2..4)?.parse().ok()?;
    NaiveDate::from_ymd_opt(2000 + year, month, 1)
}

/// The year and month of [`issued`].
fn year_month(paper: &Paper) -> Option<(i32, u32)> {
    issued(paper).map(|d| (d.year(), d.month()))
}

/// Text on one line: runs of whitespace (newlines included) become one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A DOI without a resolver prefix.
fn bare_doi(doi: &str) -> &str {
    let doi = doi.trim();
    ["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"]
        .iter()
        .find_map(|p| doi.strip_prefix(p))
        .unwrap_or(doi)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ArxivId;

    /// A paper with every field a citation uses.
    pub fn sample() -> Paper {
        let mut paper = Paper::new(ArxivId::parse("2404.01234").unwrap());
        paper.title = "Attention Is All You Need for $\\mathcal{O}(n^2)$ LLMs".into();
        paper.authors = vec![
            "Ashish Vaswani".into(),
            "Ludwig van Beethoven".into(),
            "Noam Shazeer".into(),
        ];
        paper.categories = vec!["cs.LG".into(), "cs.CL".into()];
        paper.abstract_text = "We show 50% of <b>things</b> & more.".into();
        paper.published = Some(
            chrono::DateTime::parse_from_rfc3339("2024-04-02T10:00:00Z")
                .unwrap()
                .into(),
        );
        paper
    }

    #[test]
    fn names_split_into_family_and_given() {
        let split = |n: &str| {
            let name = split_name(n);
            (name.family, name.given)
        };
        assert_eq!(split_name("Martin Luther King Jr.").suffix.as_deref(), Some("Jr."));
        assert_eq!(split("Ashish Vaswani"), ("Vaswani".into(), Some("Ashish".into())));
        assert_eq!(
            split("Ludwig van Beethoven"),
            ("van Beethoven".into(), Some("Ludwig".into()))
        );
        assert_eq!(split("Vaswani, A."), ("Vaswani".into(), Some("A.".into())));
        assert_eq!(
            split("Martin Luther King Jr."),
            ("King".into(), Some("Martin Luther".into()))
        );
        assert_eq!(split("DeepSeek-AI"), ("DeepSeek-AI".into(), None));
        assert_eq!(split("  Jane \n Doe "), ("Doe".into(), Some("Jane".into())));
    }

    #[test]
    fn the_date_is_the_first_versions_else_the_ids_month() {
        let mut paper = sample();
        assert_eq!(issued(&paper), NaiveDate::from_ymd_opt(2024, 4, 2));
        paper.published = None;
        assert_eq!(issued(&paper), NaiveDate::from_ymd_opt(2024, 4, 1));
        paper.id = ArxivId::parse("hep-th/9901001").unwrap();
        assert_eq!(issued(&paper), None);
    }

    #[test]
    fn formats_round_trip_their_names() {
        for format in Format::ALL {
            assert_eq!(Format::from_name(format.name()), Some(format));
        }
        assert_eq!(Format::from_name("bib"), None);
        assert_eq!(bare_doi("https://doi.org/10.1/x"), "10.1/x");
    }
}
