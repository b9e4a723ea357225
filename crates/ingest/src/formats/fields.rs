//! Turning source strings into `Paper` field values: dates, author names, category lists.
//!
//! Every parser needs the same few conversions, and they must agree: the same author written as
//! `Diaby, Moustapha` (oai_dc), `["Diaby", "Moustapha", ""]` (Kaggle) or `Moustapha Diaby`
//! (Atom) has to come out as one name, or merging sees two people.

use chrono::{DateTime, NaiveDate, Utc};
use paperboy_domain::text::normalise_line;

/// An RFC 2822 date as arXiv writes version dates: `Sun, 30 Mar 2008 23:26:50 GMT`.
pub(super) fn rfc2822(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// An RFC 3339 timestamp (`2013-01-31T20:46:12Z`, `2025-12-31T04:19:33.000Z`).
pub(super) fn rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A calendar day written `2008-11-13`.
pub(super) fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Midnight UTC of `day`: the time a source that only names days stands for.
pub(super) fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// A day or a full timestamp, as OAI-PMH datestamps come in either granularity.
pub(super) fn day_or_time(text: &str) -> Option<DateTime<Utc>> {
    rfc3339(text).or_else(|| day(text).map(midnight))
}

/// The day of a timestamp written `2026-01-02T00:17:55.450Z`, read from its date part so that
/// a slightly off-format time does not lose the day.
pub(super) fn day_of_timestamp(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    day(text.get(..10)?)
}

/// A version attribute `v3` (or `3`) as a number; `None` for anything else.
pub(super) fn version_number(text: &str) -> Option<u32> {
    let text = text.trim();
    let digits = text
        .strip_prefix('v')
        .or_else(|| text.strip_prefix('V'))
        .unwrap_or(text);
    digits.parse().ok().filter(|v| *v > 0)
}

/// Splits a space-separated category list (`cs.LG stat.ML`), keeping the first of duplicates.
pub(super) fn categories<'a>(terms: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for term in terms.into_iter().flat_map(str::split_whitespace) {
        if !out.iter().any(|c| c == term) {
            out.push(term.to_string());
        }
    }
    out
}

/// True for strings shaped like an arXiv category code (`cs.LG`, `hep-th`, `math.AG`), to tell
/// them from the human subject names some feeds mix in (`Computer Science - Learning`).
pub(super) fn looks_like_category(term: &str) -> bool {
    let (archive, class) = term.split_once('.').unwrap_or((term, ""));
    !archive.is_empty()
        && archive.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        && class.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-')
        && term.contains('.') != class.is_empty()
}

/// Name parts as Kaggle and OAI `arXiv` give them, joined in reading order: `First Last Suffix`.
pub(super) fn join_name(forenames: &str, keyname: &str, suffix: &str) -> String {
    normalise_line(&format!("{forenames} {keyname} {suffix}"))
}

/// `Last, First` (Dublin Core's `dc:creator`) as `First Last`; other shapes unchanged.
pub(super) fn last_comma_first(name: &str) -> String {
    match name.split_once(',') {
        Some((last, first)) if !last.trim().is_empty() && !first.trim().is_empty() => join_name(first, last, ""),
        _ => normalise_line(name),
    }
}

/// Name suffixes that a comma split would otherwise turn into authors of their own.
const SUFFIXES: &[&str] = &["Jr", "Jr.", "Sr", "Sr.", "II", "III", "IV"];

/// Splits arXiv's one-string author list (`A, B and C`) into names.
///
/// The rule is deliberately simple: names are separated by commas and by the word `and`;
/// parenthesised text is an affiliation (`Servane Gey (MAP5)`, or a trailing
/// `((1) University of Cape Town, (2) ...)` key) and is dropped, so commas inside it do not
/// split. A lone suffix (`Smith, Jr.`) is joined back to the name before it. Unbalanced
/// parentheses are kept as written, since guessing what they enclose would lose names.
pub(super) fn split_author_list(list: &str) -> Vec<String> {
    let stripped = strip_parenthesised(list).unwrap_or_else(|| list.to_string());
    let flat = normalise_line(&stripped);
    let mut names: Vec<String> = Vec::new();
    for part in flat.split(',').flat_map(|p| p.split(" and ")) {
        let part = part.trim();
        let part = part.strip_prefix("and ").unwrap_or(part).trim();
        if part.is_empty() || part == "and" {
            continue;
        }
        match names.last_mut() {
            Some(previous) if SUFFIXES.contains(&part) => {
                previous.push(' ');
                previous.push_str(part);
            }
            _ => names.push(part.to_string()),
        }
    }
    names
}

/// `text` without its parenthesised parts (nested ones included); `None` when the
/// parentheses do not balance.
fn strip_parenthesised(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for ch in text.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1)?,
            _ if depth == 0 => out.push(ch),
            _ => {}
        }
    }
    (depth == 0).then_some(out)
}

/// Normalises an abstract from a source that writes each paragraph on one line (the listing
/// archives, Hugging Face): every line break is a paragraph break there, whatever its
/// indentation. `text::normalise_paragraphs` cannot know that: when every paragraph starts
/// with arXiv's two-space marker, it reads the marker as the text's common indentation.
pub(super) fn unwrapped_paragraphs(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .lines()
        .map(normalise_line)
        .filter(|line| !line.is_empty())
        .collect();
    paragraphs.join("\n\n")
}

/// A paper from a JSON record's id and title: both are required, the id's version is kept.
pub(super) fn titled_paper(id: &str, title: Option<&str>) -> Result<paperboy_domain::Paper, String> {
    let id = paperboy_domain::VersionedId::parse(id).map_err(|e| e.to_string())?;
    let mut paper = paperboy_domain::Paper::new(id.id);
    paper.version = id.version;
    paper.title = title.map(normalise_line).unwrap_or_default();
    if paper.title.is_empty() {
        return Err(format!("paper {}: missing title", paper.id));
    }
    Ok(paper)
}

/// Normalises an optional single-line field, dropping it when nothing visible is left.
pub(super) fn optional_line(text: Option<&str>) -> Option<String> {
    text.map(normalise_line).filter(|t| !t.is_empty())
}

/// A DOI without the resolver URL some feeds wrap it in.
pub(super) fn bare_doi(text: &str) -> Option<String> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let cut = [
        "https://doi.org/",
        "http://dx.doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "doi:",
    ]
    .iter()
    .find(|prefix| lower.starts_with(*prefix))
    .map_or(0, |prefix| prefix.len());
    let doi = text.get(cut..).unwrap_or(text).trim();
    (!doi.is_empty()).then(|| doi.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arxiv_dates() {
        let t = rfc2822("Sun, 30 Mar 2008 23:26:50 GMT").unwrap();
        assert_eq!(t.to_rfc3339(), "2008-03-30T23:26:50+00:00");
        assert!(rfc2822("30 March 2008").is_none());
        let t = rfc3339("2025-12-31T04:19:33.000Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-12-31T04:19:33+00:00");
        assert_eq!(
            day_or_time("2016-10-21").unwrap().to_rfc3339(),
            "2016-10-21T00:00:00+00:00"
        );
        assert_eq!(
            day_of_timestamp("2026-01-02T00:17:55.450Z"),
            NaiveDate::from_ymd_opt(2026, 1, 2)
        );
        assert_eq!(day_of_timestamp("2026-01"), None);
        assert_eq!(day_of_timestamp("2026-01-0é"), None);
    }

    #[test]
    fn version_numbers() {
        assert_eq!(version_number("v3"), Some(3));
        assert_eq!(version_number("12"), Some(12));
        assert_eq!(version_number("v0"), None);
        assert_eq!(version_number("vx"), None);
    }

    #[test]
    fn author_lists_split_on_commas_and_and() {
        assert_eq!(
            split_author_list("Carl Lagoze, Herbert Van de Sompel and\n   Simeon Warner"),
            ["Carl Lagoze", "Herbert Van de Sompel", "Simeon Warner"]
        );
        assert_eq!(
            split_author_list("A. One, B. Two, and C. Three"),
            ["A. One", "B. Two", "C. Three"]
        );
        assert_eq!(
            split_author_list("Julie Bessac and Emil Constantinescu and Mihai Anitescu"),
            ["Julie Bessac", "Emil Constantinescu", "Mihai Anitescu"]
        );
    }

    #[test]
    fn affiliations_are_dropped_and_do_not_split() {
        assert_eq!(
            split_author_list(
                "Maciej Bilicki (1,2), John A. Peacock (3) and Louise Steward (1) ((1) University \
                 of Cape Town, (2) University of Zielona G\\'ora, (3) University of Edinburgh)"
            ),
            ["Maciej Bilicki", "John A. Peacock", "Louise Steward"]
        );
        assert_eq!(split_author_list("Servane Gey (MAP5)"), ["Servane Gey"]);
        assert_eq!(split_author_list("Broken (paren, Name"), ["Broken (paren", "Name"]);
    }

    #[test]
    fn suffixes_stay_with_their_name() {
        assert_eq!(
            split_author_list("John Smith, Jr., Ann Lee"),
            ["John Smith Jr.", "Ann Lee"]
        );
    }

    #[test]
    fn tex_in_names_is_kept() {
        assert_eq!(
            split_author_list(r"Nir Lev and Joaquim Ortega-Cerd\`a"),
            ["Nir Lev", r"Joaquim Ortega-Cerd\`a"]
        );
    }

    #[test]
    fn dublin_core_names() {
        assert_eq!(last_comma_first("Diaby, Moustapha"), "Moustapha Diaby");
        assert_eq!(last_comma_first("Collaboration"), "Collaboration");
        assert_eq!(join_name("Moustapha", "Diaby", ""), "Moustapha Diaby");
        assert_eq!(join_name("John", "Smith", "Jr"), "John Smith Jr");
    }

    #[test]
    fn category_lists_and_codes() {
        assert_eq!(categories(["cs.LG  stat.ML cs.LG"]), ["cs.LG", "stat.ML"]);
        for code in ["cs.LG", "hep-th", "math.AG", "cond-mat.str-el"] {
            assert!(looks_like_category(code), "{code}");
        }
        for name in ["Computer Science - Learning", "68R10", "", "cs."] {
            assert!(!looks_like_category(name), "{name}");
        }
    }

    #[test]
    fn one_line_paragraphs() {
        let abs = "First paragraph, one line.\n  Second, marked.\nThird, unmarked.\n\n";
        let expected = "First paragraph, one line.\n\nSecond, marked.\n\nThird, unmarked.";
        assert_eq!(unwrapped_paragraphs(abs), expected);
        assert_eq!(
            paperboy_domain::text::normalise_paragraphs(&unwrapped_paragraphs(abs)),
            expected
        );
    }

    #[test]
    fn dois() {
        assert_eq!(
            bare_doi("http://dx.doi.org/10.1007/s11191-014-9716-8").as_deref(),
            Some("10.1007/s11191-014-9716-8")
        );
        assert_eq!(bare_doi("10.1/x").as_deref(), Some("10.1/x"));
        assert_eq!(bare_doi("  "), None);
    }
}
