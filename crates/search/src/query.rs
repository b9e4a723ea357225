//! The search box's syntax, parsed into a plain structure (no index types here).
//!
//! - words are matched in title (boosted), abstract and authors, stemmed for English;
//! - `"a phrase"` must appear as written (after stemming);
//! - `-word` and `-"a phrase"` exclude papers containing them;
//! - `author:lecun` / `author:"Yann LeCun"` and `cat:cs.LG` filter;
//! - a query that is an arXiv id or URL finds that paper first.
//!
//! Anything else is read as plain words: an unknown `field:value` is two words, stray quotes
//! are ignored, control characters are spaces. Parsing never fails on content; only a query
//! with nothing searchable in it is an error.

use paperboy_domain::{ArxivId, VersionedId};

/// Longest query read; the rest is ignored (and the caller says so).
pub const MAX_QUERY_CHARS: usize = 1_000;

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Set when the whole query is an arXiv id or URL.
    pub id: Option<ArxivId>,
    pub words: Vec<String>,
    pub phrases: Vec<String>,
    pub excluded: Vec<String>,
    pub authors: Vec<String>,
    pub categories: Vec<String>,
    /// True when the input was longer than [`MAX_QUERY_CHARS`] and was cut.
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query is empty; type some words, a \"phrase\", author:NAME or cat:CATEGORY")]
    Empty,
    #[error("the query only excludes (-word); add something to look for")]
    OnlyExclusions,
}

impl ParsedQuery {
    /// True when the query has free text to rank by (not only filters).
    pub fn has_text(&self) -> bool {
        self.id.is_some() || !self.words.is_empty() || !self.phrases.is_empty()
    }

    /// The text a semantic model should embed: words and phrases, in order of appearance.
    pub fn free_text(&self) -> String {
        self.phrases
            .iter()
            .chain(self.words.iter())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Parses the search box's text.
pub fn parse(input: &str) -> Result<ParsedQuery, QueryError> {
    let mut query = ParsedQuery::default();
    let cleaned: String = input
        .chars()
        .take(MAX_QUERY_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    query.truncated = input.chars().nth(MAX_QUERY_CHARS).is_some();
    let trimmed = cleaned.trim();
    if let Ok(versioned) = VersionedId::parse(trimmed) {
        if !trimmed.contains(char::is_whitespace) {
            query.id = Some(versioned.id);
            return Ok(query);
        }
    }
    for token in tokens(trimmed) {
        let Token {
            negated,
            field,
            text,
            quoted,
        } = token;
        if text.is_empty() {
            // `title:` or `author:` with nothing after it: the field name is the only word.
            if let (false, Some(word)) = (negated, field) {
                query.words.push(word);
            }
            continue;
        }
        match (negated, field.as_deref()) {
            (false, Some("author" | "au")) => query.authors.push(text),
            (false, Some("cat" | "category")) => query.categories.push(text),
            (true, _) => query.excluded.push(text),
            (false, Some(other)) => {
                // Not a field we know: read it as words ("foo:bar" → "foo bar").
                query.words.push(other.to_string());
                push_text(&mut query, text, quoted);
            }
            (false, None) => push_text(&mut query, text, quoted),
        }
    }
    if query.has_text() || !query.authors.is_empty() || !query.categories.is_empty() {
        Ok(query)
    } else if !query.excluded.is_empty() {
        Err(QueryError::OnlyExclusions)
    } else {
        Err(QueryError::Empty)
    }
}

fn push_text(query: &mut ParsedQuery, text: String, quoted: bool) {
    if quoted && text.contains(char::is_whitespace) {
        query.phrases.push(text);
    } else {
        query.words.push(text);
    }
}

struct Token {
    negated: bool,
    field: Option<String>,
    text: String,
    quoted: bool,
}

/// Splits on whitespace, keeping `"quoted strings"` (with an optional `-` or `field:` before
/// them) together. An unclosed quote runs to the end.
fn tokens(input: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let mut raw = String::new();
        let mut quoted = false;
        while let Some(&c) = chars.peek() {
            if c == '"' {
                chars.next();
                quoted = true;
                let inner: String = chars.by_ref().take_while(|c| *c != '"').collect();
                raw.push_str(&inner);
                break;
            }
            if c.is_whitespace() {
                break;
            }
            raw.push(c);
            chars.next();
        }
        let negated = raw.starts_with('-') && (raw.len() > 1 || quoted);
        let body = if negated { &raw[1..] } else { raw.as_str() };
        let (field, text) = match body.split_once(':') {
            Some((field, text))
                if !field.is_empty() && field.chars().all(|c| c.is_ascii_alphabetic()) && !text.starts_with("//") =>
            {
                (Some(field.to_ascii_lowercase()), text)
            }
            _ => (None, body),
        };
        let text = text.trim_matches(|c: char| c == '"' || c.is_whitespace()).to_string();
        out.push(Token {
            negated,
            field,
            text,
            quoted,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &ParsedQuery) -> Vec<&str> {
        q.words.iter().map(String::as_str).collect()
    }

    #[test]
    fn plain_words() {
        let q = parse("loss functions robust to label noise").unwrap();
        assert_eq!(words(&q), vec!["loss", "functions", "robust", "to", "label", "noise"]);
        assert!(q.phrases.is_empty() && q.id.is_none());
    }

    #[test]
    fn phrases_exclusions_and_fields() {
        let q = parse(r#""Betti matching" segmentation -survey -"point clouds" author:"Jane Doe" cat:cs.CV"#).unwrap();
        assert_eq!(q.phrases, vec!["Betti matching"]);
        assert_eq!(words(&q), vec!["segmentation"]);
        assert_eq!(q.excluded, vec!["survey", "point clouds"]);
        assert_eq!(q.authors, vec!["Jane Doe"]);
        assert_eq!(q.categories, vec!["cs.CV"]);
    }

    #[test]
    fn ids_and_urls_find_the_paper() {
        assert_eq!(parse("2404.01234v2").unwrap().id.unwrap().as_str(), "2404.01234");
        assert_eq!(
            parse(" https://arxiv.org/abs/2404.01234 ")
                .unwrap()
                .id
                .unwrap()
                .as_str(),
            "2404.01234"
        );
        assert!(parse("2404.01234 diffusion").unwrap().id.is_none());
    }

    #[test]
    fn odd_input_gets_a_sensible_reading() {
        assert_eq!(words(&parse("foo:bar").unwrap()), vec!["foo", "bar"]);
        assert_eq!(
            parse("\"unclosed phrase here").unwrap().phrases,
            vec!["unclosed phrase here"]
        );
        assert_eq!(words(&parse("a\u{0}b\u{7}").unwrap()), vec!["a", "b"]);
        assert_eq!(words(&parse("-").unwrap()), vec!["-"]);
        assert_eq!(
            words(&parse("http://example.org/x").unwrap()),
            vec!["http://example.org/x"]
        );
        let long = "word ".repeat(2_000);
        let q = parse(&long).unwrap();
        assert!(q.truncated);
        assert_eq!(q.words.len(), MAX_QUERY_CHARS / 5);
    }

    #[test]
    fn nothing_to_search_is_an_error() {
        assert_eq!(parse("").unwrap_err(), QueryError::Empty);
        assert_eq!(parse("   \"\"  ").unwrap_err(), QueryError::Empty);
        assert_eq!(parse("-survey").unwrap_err(), QueryError::OnlyExclusions);
        assert!(parse("author:lecun").is_ok(), "a filter alone is a query");
    }
}

#[cfg(test)]
mod properties;
