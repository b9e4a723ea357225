//! View models: what a template shows, computed from store documents. Templates stay dumb;
//! every decision about wording and shortening is made here, where it can be tested.

use chrono::NaiveDate;
use paperboy_domain::text::excerpt;
use paperboy_domain::PaperDocument;

/// Authors shown on a card before "et al.".
const CARD_AUTHORS: usize = 4;
/// Characters of abstract on a card.
const CARD_ABSTRACT_CHARS: usize = 280;

/// A paper in a list.
pub struct Card {
    pub id: String,
    pub title: String,
    pub authors: String,
    pub upvotes: i64,
    pub comments: i64,
    pub submitter: Option<String>,
    pub excerpt: String,
    pub abs_url: String,
    pub pdf_url: String,
    pub code_url: Option<String>,
    pub categories: Vec<String>,
}

impl Card {
    /// `day` picks the daily entry whose comment count and submitter are shown.
    pub fn new(doc: &PaperDocument, day: Option<NaiveDate>) -> Card {
        let entry = day.and_then(|d| doc.daily_entries.iter().find(|e| e.day == d));
        let links = doc.paper.links();
        Card {
            id: doc.paper.id.to_string(),
            title: doc.paper.title.clone(),
            authors: author_list(&doc.paper.authors, CARD_AUTHORS),
            upvotes: doc.upvotes,
            comments: entry.map_or(0, |e| e.comments),
            submitter: entry.and_then(|e| e.submitted_by.clone()),
            excerpt: excerpt(&doc.paper.abstract_text, CARD_ABSTRACT_CHARS),
            abs_url: links.abs,
            pdf_url: links.pdf,
            code_url: links.code,
            categories: doc.paper.categories.clone(),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_are_shortened_past_a_few() {
        let names: Vec<String> = ["A", "B", "C", "D", "E"].map(String::from).to_vec();
        assert_eq!(author_list(&names[..2], 4), "A, B");
        assert_eq!(author_list(&names, 4), "A, B, C, D et al. (5 authors)");
    }

    #[test]
    fn dates_read_naturally() {
        assert_eq!(
            long_date(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()),
            "Friday, 1 May 2026"
        );
    }
}
