//! What identifies an entry: an arXiv id found wherever reference managers put it, a DOI in
//! one spelling, and a title reduced to the words that survive TeX markup and punctuation.

use crate::ArxivId;

/// The DOI prefix arXiv registers its papers under (`10.48550/arXiv.2405.01234`).
const ARXIV_DOI_PREFIX: &str = "10.48550/arxiv.";

/// A DOI in one spelling: lowercase, without `https://doi.org/` or `doi:`. `None` when the
/// text is not a DOI (`10.` followed by a registrant, a slash and a suffix).
pub fn normalise_doi(raw: &str) -> Option<String> {
    let doi = raw.trim().to_lowercase();
    let doi = [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ]
    .iter()
    .find_map(|prefix| doi.strip_prefix(prefix))
    .unwrap_or(&doi)
    .trim();
    let (registrant, suffix) = doi.split_once('/')?;
    let valid = registrant.len() > 3
        && registrant.starts_with("10.")
        && !suffix.is_empty()
        && !doi.chars().any(|c| c.is_whitespace() || c.is_control());
    valid.then(|| doi.to_string())
}

/// The arXiv id behind one of arXiv's own DOIs.
pub(super) fn arxiv_from_doi(doi: &str) -> Option<ArxivId> {
    doi.strip_prefix(ARXIV_DOI_PREFIX)
        .and_then(|id| ArxivId::parse(id).ok())
}

/// The first arXiv id a text mentions: an arxiv.org link, `arXiv:2405.01234`, or one of
/// arXiv's DOIs.
pub fn arxiv_in(text: &str) -> Option<ArxivId> {
    let lower = text.to_lowercase();
    for marker in ["arxiv.org/abs/", "arxiv.org/pdf/", "arxiv:", "arxiv."] {
        let mut from = 0;
        while let Some(found) = lower[from..].find(marker) {
            let start = from + found + marker.len();
            let token: String = text[start..]
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-'))
                .collect();
            let token = token.trim_end_matches(['.', '/']);
            if let Ok(id) = ArxivId::parse(token) {
                return Some(id);
            }
            from = start;
        }
    }
    None
}

/// A title reduced for comparison: TeX commands, braces and math delimiters dropped, accents
/// written as TeX (`\"{o}`) reduced to their letter, punctuation gone, words lowercase and
/// joined by single spaces. `None` when nothing is left (or too little to tell papers apart).
pub fn title_key(title: &str) -> Option<String> {
    let mut words = String::with_capacity(title.len());
    let mut chars = title.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        if c == '\\' {
            // A command (`\emph`, `\alpha`) is dropped; an accent command (`\"`, `\'`) too,
            // leaving the letter it decorates.
            if chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) {
                while chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) {
                    chars.next();
                }
            } else {
                chars.next();
            }
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !words.is_empty() {
                words.push(' ');
            }
            pending_space = false;
            words.extend(c.to_lowercase());
        } else if !matches!(c, '{' | '}' | '$' | '\'' | '’') {
            pending_space = true;
        }
    }
    (words.chars().filter(|c| c.is_alphanumeric()).count() >= 8).then_some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dois_have_one_spelling() {
        for raw in [
            "10.1000/XYZ.1",
            " https://doi.org/10.1000/xyz.1 ",
            "doi:10.1000/xyz.1",
            "http://dx.doi.org/10.1000/XYZ.1",
        ] {
            assert_eq!(normalise_doi(raw).as_deref(), Some("10.1000/xyz.1"), "{raw}");
        }
        for raw in ["", "10.1000", "11.1000/x", "10./x", "10.1000/x y", "see the paper"] {
            assert_eq!(normalise_doi(raw), None, "{raw}");
        }
    }

    #[test]
    fn arxiv_ids_are_found_where_reference_managers_put_them() {
        let id = |s: &str| arxiv_in(s).map(|i| i.to_string());
        assert_eq!(id("arXiv:2405.01234 [cs.CL]").as_deref(), Some("2405.01234"));
        assert_eq!(id("arXiv: 2405.01234v3").as_deref(), Some("2405.01234"));
        assert_eq!(id("http://arxiv.org/abs/2405.01234v2").as_deref(), Some("2405.01234"));
        assert_eq!(
            id("https://arxiv.org/pdf/hep-th/9901001.pdf").as_deref(),
            Some("hep-th/9901001")
        );
        assert_eq!(id("10.48550/arXiv.2405.01234").as_deref(), Some("2405.01234"));
        assert_eq!(id("See arXiv preprint arXiv:1301.7746.").as_deref(), Some("1301.7746"));
        assert_eq!(id("In Proc. of NeurIPS, pages 1-9"), None);
        assert_eq!(id("arxiv: not an id"), None);
        assert_eq!(
            arxiv_from_doi("10.48550/arxiv.1301.7746")
                .map(|i| i.to_string())
                .as_deref(),
            Some("1301.7746")
        );
        assert_eq!(arxiv_from_doi("10.1000/xyz"), None);
    }

    #[test]
    fn titles_compare_without_markup_case_or_punctuation() {
        let key = |t: &str| title_key(t).unwrap();
        assert_eq!(key("{Attention} Is {All} You Need"), key("Attention is all you need."));
        assert_eq!(
            key("A $\\mathcal{O}(n)$ Algorithm for Sorting"),
            "a o n algorithm for sorting"
        );
        assert_eq!(
            key("Schr\\\"{o}dinger's Equation, Revisited"),
            key("Schrödinger's equation — revisited").replace('ö', "o")
        );
        assert_eq!(key("Über  Graphen\n und Netze"), "über graphen und netze");
        assert_eq!(title_key("{}"), None);
        assert_eq!(title_key("Short"), None);
    }
}
