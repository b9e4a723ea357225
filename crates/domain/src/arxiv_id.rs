//! arXiv identifiers: parsing every spelling users and feeds use, and one canonical form.
//!
//! Two schemes exist. New-style ids (April 2007 on) are `YYMM.NNNN` (to 2014) or `YYMM.NNNNN`
//! (2015 on). Old-style ids are `archive/YYMMNNN`, sometimes written with the subject class
//! (`math.GT/0309136`), which arXiv itself drops in the canonical form. Either may carry a
//! version suffix `vN`, which is split off: the store keys papers by the bare id and keeps the
//! version beside it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A canonical arXiv id without version, e.g. `2404.01234` or `hep-th/9901001`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ArxivId(String);

/// An arXiv id as written somewhere, with its version when one was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedId {
    pub id: ArxivId,
    pub version: Option<u32>,
}

/// Why a string is not an arXiv id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("empty arXiv id")]
    Empty,
    #[error("{0:?} is not an arXiv id (expected e.g. 2404.01234, 2404.01234v2 or hep-th/9901001)")]
    Malformed(String),
}

/// Prefixes that wrap an id in feeds and links; matched case-insensitively, longest first.
const WRAPPERS: &[&str] = &[
    "https://export.arxiv.org/abs/",
    "http://export.arxiv.org/abs/",
    "https://arxiv.org/abs/",
    "http://arxiv.org/abs/",
    "https://www.arxiv.org/abs/",
    "https://arxiv.org/pdf/",
    "http://arxiv.org/pdf/",
    "https://export.arxiv.org/pdf/",
    "https://huggingface.co/papers/",
    "https://hf.co/papers/",
    "oai:arxiv.org:",
    "arxiv.org/abs/",
    "arxiv.org/pdf/",
    "arxiv:",
];

impl ArxivId {
    /// Parses any common spelling of an arXiv id and drops its version.
    pub fn parse(input: &str) -> Result<ArxivId, IdError> {
        VersionedId::parse(input).map(|v| v.id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for `YYMM.NNNNN`-style ids.
    pub fn is_new_style(&self) -> bool {
        !self.0.contains('/')
    }

    pub fn abs_url(&self) -> String {
        format!("https://arxiv.org/abs/{}", self.0)
    }

    pub fn pdf_url(&self) -> String {
        format!("https://arxiv.org/pdf/{}", self.0)
    }
}

impl VersionedId {
    /// Parses ids, `arXiv:` ids, OAI identifiers and arXiv/Hugging Face URLs.
    pub fn parse(input: &str) -> Result<VersionedId, IdError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(IdError::Empty);
        }
        let malformed = || IdError::Malformed(shorten(trimmed));
        let mut rest = trimmed;
        for wrapper in WRAPPERS {
            if rest.len() >= wrapper.len()
                && rest.is_char_boundary(wrapper.len())
                && rest[..wrapper.len()].eq_ignore_ascii_case(wrapper)
            {
                rest = &rest[wrapper.len()..];
                break;
            }
        }
        let rest = rest.split(['?', '#']).next().unwrap_or(rest);
        let rest = rest.trim_end_matches('/');
        let rest = rest.strip_suffix(".pdf").unwrap_or(rest);
        let (body, version) = split_version(rest).ok_or_else(malformed)?;
        let id = if let Some((archive, number)) = body.split_once('/') {
            normalise_old_style(archive, number)
        } else {
            normalise_new_style(body)
        }
        .ok_or_else(malformed)?;
        Ok(VersionedId {
            id: ArxivId(id),
            version,
        })
    }
}

/// Splits `2404.01234v3` into the body and version 3; a bare body has no version.
fn split_version(s: &str) -> Option<(&str, Option<u32>)> {
    match s.rfind(['v', 'V']) {
        Some(pos) if pos > 0 && s[pos + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            let digits = &s[pos + 1..];
            if digits.is_empty() {
                return None;
            }
            let version: u32 = digits.parse().ok().filter(|v| *v > 0)?;
            Some((&s[..pos], Some(version)))
        }
        _ => Some((s, None)),
    }
}

fn normalise_new_style(body: &str) -> Option<String> {
    let (yymm, number) = body.split_once('.')?;
    let valid_yymm = yymm.len() == 4 && yymm.bytes().all(|b| b.is_ascii_digit()) && {
        let month: u32 = yymm[2..].parse().ok()?;
        (1..=12).contains(&month)
    };
    let valid_number = (4..=5).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit());
    (valid_yymm && valid_number).then(|| body.to_string())
}

fn normalise_old_style(archive: &str, number: &str) -> Option<String> {
    // `math.GT/0309136` is the same paper as `math/0309136`.
    let archive = archive.split('.').next()?.to_ascii_lowercase();
    let valid_archive =
        !archive.is_empty() && archive.len() <= 16 && archive.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    let valid_number = number.len() == 7 && number.bytes().all(|b| b.is_ascii_digit());
    (valid_archive && valid_number).then(|| format!("{archive}/{number}"))
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        let head: String = s.chars().take(77).collect();
        format!("{head}...")
    }
}

impl fmt::Display for ArxivId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ArxivId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ArxivId::parse(&value)
    }
}

impl From<ArxivId> for String {
    fn from(id: ArxivId) -> String {
        id.0
    }
}

impl std::str::FromStr for ArxivId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ArxivId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(s: &str) -> (String, Option<u32>) {
        let v = VersionedId::parse(s).unwrap();
        (v.id.to_string(), v.version)
    }

    #[test]
    fn new_style_ids_with_and_without_versions() {
        assert_eq!(parsed("2404.01234"), ("2404.01234".into(), None));
        assert_eq!(parsed("2404.01234v2"), ("2404.01234".into(), Some(2)));
        assert_eq!(parsed("0704.0001"), ("0704.0001".into(), None));
        assert_eq!(parsed(" arXiv:1501.05039v1 "), ("1501.05039".into(), Some(1)));
    }

    #[test]
    fn urls_and_oai_identifiers() {
        assert_eq!(
            parsed("http://arxiv.org/abs/1501.05039v1"),
            ("1501.05039".into(), Some(1))
        );
        assert_eq!(
            parsed("https://arxiv.org/pdf/2404.01234v3.pdf"),
            ("2404.01234".into(), Some(3))
        );
        assert_eq!(parsed("https://arxiv.org/pdf/2404.01234"), ("2404.01234".into(), None));
        assert_eq!(parsed("oai:arXiv.org:0803.4354"), ("0803.4354".into(), None));
        assert_eq!(
            parsed("https://huggingface.co/papers/2604.27351"),
            ("2604.27351".into(), None)
        );
        assert_eq!(
            parsed("https://arxiv.org/abs/2404.01234?context=cs"),
            ("2404.01234".into(), None)
        );
    }

    #[test]
    fn old_style_ids_drop_subject_class() {
        assert_eq!(parsed("hep-th/9901001"), ("hep-th/9901001".into(), None));
        assert_eq!(parsed("hep-th/9901001v2"), ("hep-th/9901001".into(), Some(2)));
        assert_eq!(parsed("math.GT/0309136"), ("math/0309136".into(), None));
        assert_eq!(
            parsed("oai:arXiv.org:cond-mat/0102536"),
            ("cond-mat/0102536".into(), None)
        );
    }

    #[test]
    fn rejects_what_is_not_an_id() {
        for bad in [
            "",
            "  ",
            "hello",
            "2404.123",
            "2413.01234",
            "2404.012345",
            "2404.01234v",
            "2404.01234v0",
            "hep-th/990100",
            "../etc/passwd",
            "2404.01234<script>",
        ] {
            assert!(VersionedId::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn error_message_names_the_input() {
        let err = ArxivId::parse("nonsense").unwrap_err();
        assert!(err.to_string().contains("\"nonsense\""));
    }
}

#[cfg(test)]
mod properties;
