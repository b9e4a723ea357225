//! What one subscriber's digest contains: plain data, built from the period's trending papers
//! and the per-topic search results (computed once per period and shared by every subscriber).

use std::collections::HashMap;

use paperboy_domain::tex::to_plain_text;
use paperboy_domain::text::excerpt;
use paperboy_domain::PaperDocument;

use crate::period::Period;

/// Papers in the trending section.
pub const TRENDING_LIMIT: usize = 5;
/// Papers per topic.
pub const TOPIC_LIMIT: usize = 5;
const SUMMARY_CHARS: usize = 300;
const AUTHORS_SHOWN: usize = 6;

/// One paper as a digest shows it. Title and summary are plain text (TeX made readable), for
/// mail clients show no MathML.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub authors: String,
    pub summary: String,
    pub abs_url: String,
    pub pdf_url: String,
    pub upvotes: i64,
    /// Why it is in a topic section: the query terms it contains.
    pub matched: Vec<String>,
    /// Why it is in the "For you" section ("like 2605.01234 you upvoted", "by Jane Doe, whom
    /// you follow"); empty elsewhere.
    pub reasons: Vec<String>,
}

impl Entry {
    pub fn new(doc: &PaperDocument, matched: Vec<String>) -> Entry {
        let paper = &doc.paper;
        let mut authors = paper
            .authors
            .iter()
            .take(AUTHORS_SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if paper.authors.len() > AUTHORS_SHOWN {
            authors.push_str(&format!(" and {} more", paper.authors.len() - AUTHORS_SHOWN));
        }
        let links = paper.links();
        Entry {
            id: paper.id.as_str().to_string(),
            title: to_plain_text(&paper.title),
            authors,
            summary: excerpt(
                &to_plain_text(&paper.abstract_text.split_whitespace().collect::<Vec<_>>().join(" ")),
                SUMMARY_CHARS,
            ),
            abs_url: links.abs,
            pdf_url: links.pdf,
            upvotes: doc.upvotes,
            matched,
            reasons: Vec::new(),
        }
    }
}

/// One topic's section.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicSection {
    pub topic: String,
    pub entries: Vec<Entry>,
}

/// The trending section of a period, shared by every subscriber.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trending {
    pub entries: Vec<Entry>,
    /// Said above the entries when they are not the period's own daily lists ("No curated list
    /// for 2 May yet: trending from 1 May").
    pub note: Option<String>,
}

/// One subscriber's digest for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    pub period: Period,
    pub trending: Vec<Entry>,
    pub trending_note: Option<String>,
    pub topics: Vec<TopicSection>,
    /// The subscriber's account's own ranking (`paperboy_foryou`), each entry with its reasons;
    /// empty unless the subscriber opted in and has an account.
    pub for_you: Vec<Entry>,
}

impl Digest {
    /// Nothing to send: no mail goes out.
    pub fn is_empty(&self) -> bool {
        self.trending.is_empty() && self.topics.iter().all(|t| t.entries.is_empty()) && self.for_you.is_empty()
    }
}

/// The key under which a topic's results are shared between subscribers.
pub fn topic_key(topic: &str) -> String {
    topic.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A subscriber's digest from the period's shared parts. Topics without results are left out.
pub fn compose(
    period: &Period,
    trending: &Trending,
    by_topic: &HashMap<String, Vec<Entry>>,
    topics: &[String],
) -> Digest {
    let topics = topics
        .iter()
        .filter_map(|topic| {
            let entries = by_topic.get(&topic_key(topic))?;
            (!entries.is_empty()).then(|| TopicSection {
                topic: topic.clone(),
                entries: entries.clone(),
            })
        })
        .collect();
    Digest {
        period: period.clone(),
        trending: trending.entries.clone(),
        trending_note: trending.note.clone(),
        topics,
        for_you: Vec::new(),
    }
}

/// The query terms (words and phrases) that appear in a paper's title or abstract,
/// case-insensitively, in query order: the "why it matched" of a topic result.
pub fn matched_terms(terms: &[String], doc: &PaperDocument) -> Vec<String> {
    let haystack = format!("{} {}", doc.paper.title, doc.paper.abstract_text).to_lowercase();
    let mut found: Vec<String> = Vec::new();
    for term in terms {
        let lower = term.to_lowercase();
        if !lower.is_empty() && haystack.contains(&lower) && !found.contains(&lower) {
            found.push(lower);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Schedule;
    use paperboy_domain::{ArxivId, Paper};
    use paperboy_store::Frequency;

    fn doc(id: &str, title: &str, abstract_text: &str) -> PaperDocument {
        let mut paper = Paper::new(ArxivId::parse(id).unwrap());
        paper.title = title.into();
        paper.abstract_text = abstract_text.into();
        paper.authors = (0..8).map(|i| format!("Author {i}")).collect();
        PaperDocument::new(paper, Vec::new(), 3)
    }

    fn period() -> Period {
        let now = chrono::DateTime::parse_from_rfc3339("2026-05-02T08:00:00Z")
            .unwrap()
            .to_utc();
        Schedule::default().latest_period(Frequency::Daily, now)
    }

    #[test]
    fn matched_terms_name_what_the_paper_contains() {
        let d = doc("2605.00001", "Diffusion Models for Video", "We study LLM agents.");
        let terms = vec![
            "diffusion".into(),
            "llm".into(),
            "robotics".into(),
            "video generation".into(),
        ];
        assert_eq!(matched_terms(&terms, &d), ["diffusion", "llm"]);
    }

    #[test]
    fn matched_terms_leave_out_stop_words() {
        let d = doc(
            "2605.00001",
            "Diffusion Models for Video",
            "A study of motion in the wild.",
        );
        let terms = paperboy_search::query_terms("diffusion models for video");
        assert_eq!(terms, ["diffusion", "models", "video"]);
        assert_eq!(matched_terms(&terms, &d), ["diffusion", "models", "video"]);
        assert_eq!(
            paperboy_search::query_terms("\"in the wild\" robots of"),
            ["in the wild", "robots"],
            "phrases stay whole"
        );
    }

    #[test]
    fn entries_show_tex_as_readable_text() {
        let e = Entry::new(
            &doc(
                "2605.00001",
                "Scaling $\\alpha$-Divergences \\emph{fast}",
                "Costs $O(n^2)$ time.",
            ),
            Vec::new(),
        );
        assert_eq!(e.title, "Scaling α-Divergences fast");
        assert_eq!(e.summary, "Costs O(n²) time.");
    }

    #[test]
    fn a_digest_takes_the_subscribers_topics_from_the_shared_results() {
        let e = Entry::new(&doc("2605.00001", "T", "A"), vec!["t".into()]);
        assert_eq!(
            e.authors,
            "Author 0, Author 1, Author 2, Author 3, Author 4, Author 5 and 2 more"
        );
        let by_topic = HashMap::from([
            ("graph neural networks".to_string(), vec![e.clone()]),
            ("empty".into(), vec![]),
        ]);
        let topics = vec!["Graph  Neural Networks".to_string(), "empty".into(), "unknown".into()];
        let digest = compose(&period(), &Trending::default(), &by_topic, &topics);
        assert_eq!(digest.topics.len(), 1);
        assert_eq!(digest.topics[0].topic, "Graph  Neural Networks");
        assert!(!digest.is_empty());
        assert!(compose(&period(), &Trending::default(), &by_topic, &["empty".into()]).is_empty());
    }
}
