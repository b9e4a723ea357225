//! Caps on field sizes. Real arXiv metadata stays well inside them (abstracts are limited to
//! 1,920 characters by arXiv, the largest author lists have a few thousand names); anything
//! beyond is hostile or broken input, cut and reported rather than stored whole.

pub const MAX_TITLE_CHARS: usize = 1_000;
pub const MAX_ABSTRACT_CHARS: usize = 10_000;
pub const MAX_AUTHOR_CHARS: usize = 300;
pub const MAX_AUTHORS: usize = 5_000;
pub const MAX_COMMENT_CHARS: usize = 2_000;
pub const MAX_CATEGORIES: usize = 32;
pub const MAX_URL_CHARS: usize = 2_000;

use crate::paper::Paper;
use crate::text::cap_chars;

/// Cuts every over-long field of `paper` to its cap; returns one message per cut.
pub fn enforce_limits(paper: &mut Paper) -> Vec<String> {
    let mut cuts = Vec::new();
    fn cap(cuts: &mut Vec<String>, name: &str, text: &mut String, max: usize) {
        let chars = text.chars().count();
        if cap_chars(text, max) {
            cuts.push(format!("{name} cut from {chars} to {max} characters"));
        }
    }
    fn cap_list(cuts: &mut Vec<String>, name: &str, list: &mut Vec<String>, max: usize, unit: &str) {
        if list.len() > max {
            cuts.push(format!("{name} cut from {} to {max}{unit}", list.len()));
            list.truncate(max);
        }
    }
    cap(&mut cuts, "title", &mut paper.title, MAX_TITLE_CHARS);
    cap(&mut cuts, "abstract", &mut paper.abstract_text, MAX_ABSTRACT_CHARS);
    if let Some(summary) = paper.ai_summary.as_mut() {
        cap(&mut cuts, "AI summary", summary, MAX_ABSTRACT_CHARS);
    }
    cap_list(&mut cuts, "AI keyword list", &mut paper.ai_keywords, MAX_CATEGORIES, "");
    for keyword in &mut paper.ai_keywords {
        cap(&mut cuts, "an AI keyword", keyword, MAX_AUTHOR_CHARS);
    }
    for field in [
        &mut paper.comment,
        &mut paper.journal_ref,
        &mut paper.submitter,
        &mut paper.license,
        &mut paper.doi,
    ] {
        if let Some(text) = field.as_mut() {
            cap(&mut cuts, "a text field", text, MAX_COMMENT_CHARS);
        }
    }
    for field in [&mut paper.code_url, &mut paper.project_url] {
        if let Some(url) = field.as_mut() {
            cap(&mut cuts, "a link", url, MAX_URL_CHARS);
        }
    }
    cap_list(&mut cuts, "author list", &mut paper.authors, MAX_AUTHORS, " names");
    for author in &mut paper.authors {
        cap(&mut cuts, "an author name", author, MAX_AUTHOR_CHARS);
    }
    cap_list(&mut cuts, "category list", &mut paper.categories, MAX_CATEGORIES, "");
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ArxivId;

    #[test]
    fn huge_fields_are_cut_and_reported() {
        let mut paper = Paper::new(ArxivId::parse("2404.01234").unwrap());
        paper.title = "x".repeat(MAX_TITLE_CHARS + 5);
        paper.authors = vec!["A".into(); MAX_AUTHORS + 1];
        let cuts = enforce_limits(&mut paper);
        assert_eq!(paper.title.len(), MAX_TITLE_CHARS);
        assert_eq!(paper.authors.len(), MAX_AUTHORS);
        assert_eq!(cuts.len(), 2, "{cuts:?}");
        assert!(cuts[0].contains("title"));
    }

    #[test]
    fn normal_papers_are_untouched() {
        let mut paper = Paper::new(ArxivId::parse("2404.01234").unwrap());
        paper.title = "Fine".into();
        assert!(enforce_limits(&mut paper).is_empty());
    }
}
