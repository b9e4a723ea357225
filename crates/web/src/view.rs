//! View models: what a template shows, computed from store documents. Templates stay dumb;
//! every decision about wording and shortening is made here, where it can be tested.

use chrono::NaiveDate;
use paperboy_domain::tex::excerpt;
use paperboy_domain::PaperDocument;

use crate::math::{self, Piece};

/// Authors shown on a card before "et al.".
const CARD_AUTHORS: usize = 4;
/// Characters of abstract on a card.
const CARD_ABSTRACT_CHARS: usize = 280;

/// A paper in a list.
pub struct Card {
    pub id: String,
    /// The title with its math rendered.
    pub title: Vec<Piece>,
    /// The first few authors, linked to their pages.
    pub authors: Vec<AuthorLink>,
    /// How many authors were left out (shown as "et al.").
    pub more_authors: usize,
    pub upvotes: i64,
    pub comments: i64,
    pub submitter: Option<String>,
    pub excerpt: Vec<Piece>,
    pub abs_url: String,
    pub pdf_url: String,
    pub code_url: Option<String>,
    pub categories: Vec<String>,
    /// The paper's latest news (its announcement or its latest daily list), for "New" marks.
    pub fresh_day: Option<NaiveDate>,
    /// The paper as a COinS ContextObject, for reference managers saving from a list.
    pub coins: String,
}

impl Card {
    /// `day` picks the daily entry whose comment count and submitter are shown.
    pub fn new(doc: &PaperDocument, day: Option<NaiveDate>) -> Card {
        let entry = day.and_then(|d| doc.daily_entries.iter().find(|e| e.day == d));
        let links = doc.paper.links();
        Card {
            id: doc.paper.id.to_string(),
            title: math::render(&doc.paper.title),
            authors: doc
                .paper
                .authors
                .iter()
                .take(CARD_AUTHORS)
                .map(|a| AuthorLink::new(a))
                .collect(),
            more_authors: doc.paper.authors.len().saturating_sub(CARD_AUTHORS),
            upvotes: doc.upvotes,
            comments: doc.comments.max(entry.map_or(0, |e| e.comments)),
            submitter: entry.and_then(|e| e.submitted_by.clone()),
            excerpt: math::render(&excerpt(&doc.paper.abstract_text, CARD_ABSTRACT_CHARS)),
            abs_url: links.abs,
            pdf_url: links.pdf,
            code_url: links.code,
            categories: doc.paper.categories.clone(),
            fresh_day: doc.paper.announced.max(doc.daily.last().copied()),
            coins: paperboy_domain::cite::context_object(&doc.paper),
        }
    }
}

/// An author's name and the path of their page.
pub struct AuthorLink {
    pub name: String,
    pub path: String,
}

impl AuthorLink {
    pub fn new(name: &str) -> AuthorLink {
        AuthorLink {
            name: name.to_string(),
            path: author_path(name),
        }
    }
}

/// `/authors/{name}`, the name percent-encoded as one path segment.
pub fn author_path(name: &str) -> String {
    format!("/authors/{}", paperboy_domain::text::percent_encode(name))
}

/// "A, B, C, D et al. (12 authors)" past `keep` names.
pub fn author_list(authors: &[String], keep: usize) -> String {
    if authors.len() <= keep {
        authors.join(", ")
    } else {
        format!("{} et al. ({} authors)", authors[..keep].join(", "), authors.len())
    }
}

/// "Friday, 1 May 2026".
pub fn long_date(day: NaiveDate) -> String {
    day.format("%A, %-d %B %Y").to_string()
}

/// A stretch of text, marked when it matches the query, or a formula.
pub struct Segment {
    pub text: String,
    pub marked: bool,
    /// Checked MathML for a formula (see [`math::render`]); `text` is then its TeX.
    pub mathml: Option<String>,
}

/// [`highlight`] for a title or abstract with TeX: formulas become MathML (never marked: a
/// `<mark>` must not cut through one), the text between them is made readable and highlighted.
pub fn highlight_math(text: &str, query_words: &[String]) -> Vec<Segment> {
    math::render(text)
        .into_iter()
        .flat_map(|piece| match piece.mathml {
            Some(mathml) => vec![Segment {
                text: piece.text,
                marked: false,
                mathml: Some(mathml),
            }],
            None => highlight(&piece.text, query_words),
        })
        .collect()
}

/// Splits `text` into segments, marking words that match a query word: the same word, or one
/// sharing its first five letters; words under three letters are not marked (a rough stand-in for the index's stemming: "segmentation"
/// marks "segment", "segmenting").
pub fn highlight(text: &str, query_words: &[String]) -> Vec<Segment> {
    let keys: Vec<String> = query_words
        .iter()
        .flat_map(|w| w.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 3)
        .map(|w| w.to_lowercase().chars().take(5).collect())
        .collect();
    let mut segments: Vec<Segment> = Vec::new();
    let mut push = |piece: &str, marked: bool| match segments.last_mut() {
        Some(last) if last.marked == marked => last.text.push_str(piece),
        _ => segments.push(Segment {
            text: piece.to_string(),
            marked,
            mathml: None,
        }),
    };
    for piece in split_words(text) {
        let lower = piece.to_lowercase();
        let marked = piece.chars().next().is_some_and(char::is_alphanumeric)
            && keys.iter().any(|k| lower.starts_with(k.as_str()));
        push(piece, marked);
    }
    segments
}

/// Alternating runs of word characters and of everything else.
fn split_words(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let wordy = first.is_alphanumeric();
        let end = rest.find(|c: char| c.is_alphanumeric() != wordy).unwrap_or(rest.len());
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_query_words_and_their_variants() {
        let words = vec!["segmentation".to_string(), "of".to_string()];
        let segments = highlight("Segmenting images, the segment-anything way.", &words);
        let marked: Vec<&str> = segments.iter().filter(|s| s.marked).map(|s| s.text.as_str()).collect();
        assert_eq!(marked, vec!["Segmenting", "segment"]);
        let joined: String = segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, "Segmenting images, the segment-anything way.", "nothing lost");
    }

    #[test]
    fn highlighting_leaves_formulas_whole_and_marks_the_text_around_them() {
        let words = vec!["divergence".to_string(), "alpha".to_string()];
        let segments = highlight_math("Scaling $\\alpha$-Divergence \\emph{training}", &words);
        let math: Vec<&Segment> = segments.iter().filter(|s| s.mathml.is_some()).collect();
        assert_eq!(math.len(), 1);
        assert!(!math[0].marked && math[0].mathml.as_deref().unwrap().contains("α"));
        let marked: Vec<&str> = segments.iter().filter(|s| s.marked).map(|s| s.text.as_str()).collect();
        assert_eq!(marked, vec!["Divergence"]);
        let text: String = segments
            .iter()
            .filter(|s| s.mathml.is_none())
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(
            text, "Scaling -Divergence training",
            "TeX outside formulas made readable"
        );
        let hostile = highlight_math("$<script>alert(1)</script>$ script", &["script".to_string()]);
        assert!(hostile
            .iter()
            .all(|s| s.mathml.as_deref().is_none_or(math::is_plain_mathml)));
    }

    #[test]
    fn authors_are_shortened_past_a_few() {
        let names: Vec<String> = ["A", "B", "C", "D", "E"].map(String::from).to_vec();
        assert_eq!(author_list(&names[..2], 4), "A, B");
        assert_eq!(author_list(&names, 4), "A, B, C, D et al. (5 authors)");
    }

    #[test]
    fn author_paths_are_one_encoded_segment() {
        assert_eq!(author_path("Ada Lovelace"), "/authors/Ada%20Lovelace");
        assert_eq!(author_path("A/B <x>"), "/authors/A%2FB%20%3Cx%3E");
        assert_eq!(author_path("Zoë"), "/authors/Zo%C3%AB");
    }

    #[test]
    fn dates_read_naturally() {
        assert_eq!(
            long_date(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()),
            "Friday, 1 May 2026"
        );
    }
}
