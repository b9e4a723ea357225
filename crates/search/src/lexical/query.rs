//! Turns a [`ParsedQuery`] and [`Filters`] into a tantivy query.
//!
//! Ranking: every word of the query is looked up in the title, the authors and the abstract, and
//! all these matches add up (one flat OR of term queries, title ×1.5, authors ×1.5, abstract ×1),
//! so papers matching more of the words, and in more places, rank higher without requiring all.
//! A flat OR of plain terms is the shape tantivy scores fastest; an earlier shape (per word, the
//! best field plus a tie-breaker, title ×3) nested unions in unions and took twice as long; the
//! flat sum also ranks better on the quality benchmark (docs/benchmarks.md, "Keyword query shape").
//! Stop words are left out of word queries (see [`STOP_WORDS`]).
//! Phrases, `author:` and `cat:` are required; exclusions and date bounds are filters.

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Index, Term};

use super::day_number;
use super::schema::{Fields, ENGLISH, PLAIN};
use crate::{Filters, ParsedQuery};

const TITLE_BOOST: f32 = 1.5;
const AUTHORS_BOOST: f32 = 1.5;

pub fn build(index: &Index, fields: &Fields, parsed: &ParsedQuery, filters: &Filters) -> Box<dyn Query> {
    let analyze = |tokenizer: &str, text: &str| tokens(index, tokenizer, text);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();

    if let Some(id) = &parsed.id {
        clauses.push((Occur::Must, term(fields.id, id.as_str())));
    }
    for (field, token, boost) in word_terms(index, fields, parsed) {
        clauses.push((Occur::Should, boosted_term(field, &token, boost)));
    }
    for phrase in &parsed.phrases {
        let english = analyze(ENGLISH, phrase);
        let either: Vec<(Occur, Box<dyn Query>)> = [
            boosted(sequence(fields.title, &english), TITLE_BOOST),
            sequence(fields.abstract_text, &english),
        ]
        .into_iter()
        .flatten()
        .map(|q| (Occur::Should, q))
        .collect();
        clauses.push((Occur::Must, required_any(either)));
    }
    for author in &parsed.authors {
        let plain = analyze(PLAIN, author);
        clauses.push((
            Occur::Must,
            sequence(fields.authors, &plain).unwrap_or_else(|| Box::new(EmptyQuery)),
        ));
    }
    let categories: Vec<&String> = parsed.categories.iter().chain(&filters.categories).collect();
    if !categories.is_empty() {
        let any: Vec<(Occur, Box<dyn Query>)> = categories
            .iter()
            .map(|c| (Occur::Should, term(fields.categories, &c.to_lowercase())))
            .collect();
        clauses.push((Occur::Must, required_any(any)));
    }
    for excluded in &parsed.excluded {
        let english = analyze(ENGLISH, excluded);
        let plain = analyze(PLAIN, excluded);
        for q in [
            sequence(fields.title, &english),
            sequence(fields.abstract_text, &english),
            sequence(fields.authors, &plain),
        ]
        .into_iter()
        .flatten()
        {
            clauses.push((Occur::MustNot, q));
        }
    }
    if filters.from.is_some() || filters.until.is_some() {
        let bound = |day: Option<chrono::NaiveDate>| match day {
            Some(day) => Bound::Included(Term::from_field_i64(fields.day, day_number(day))),
            None => Bound::Unbounded,
        };
        let range = RangeQuery::new(bound(filters.from), bound(filters.until));
        clauses.push((Occur::Must, Box::new(range)));
    }
    let has_positive = clauses.iter().any(|(occur, _)| *occur != Occur::MustNot);
    if !has_positive {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// What a paper matching every word of the query would score, roughly: the sum, over the
/// clauses [`build`] makes of the query's words and phrases, of each term's BM25 idf times its
/// field's boost. A keyword score divided by it is comparable across queries (how much of the
/// query's rare words a paper matches), where the raw score grows with the query's length and
/// rareness. Filters and `author:`/`cat:` add nothing: every match has them.
pub fn weight(index: &Index, searcher: &tantivy::Searcher, fields: &Fields, parsed: &ParsedQuery) -> f32 {
    let idf = |field: Field, token: &str| idf(searcher, field, token);
    let mut total: f32 = word_terms(index, fields, parsed)
        .into_iter()
        .map(|(field, token, boost)| boost * idf(field, &token))
        .sum();
    for phrase in &parsed.phrases {
        let english = tokens(index, ENGLISH, phrase);
        // A phrase scores like its best field: the title's.
        total += english.iter().map(|t| TITLE_BOOST * idf(fields.title, t)).sum::<f32>();
    }
    total
}

/// The term clauses of the query's words: every token of every content word in each field it is
/// looked up in, with that field's boost. A word of several tokens ("label-noise") contributes
/// each token on its own.
fn word_terms(index: &Index, fields: &Fields, parsed: &ParsedQuery) -> Vec<(Field, String, f32)> {
    let mut terms = Vec::new();
    for word in content_words(&parsed.words) {
        let english = tokens(index, ENGLISH, word);
        let plain = tokens(index, PLAIN, word);
        for (field, tokens, boost) in [
            (fields.title, &english, TITLE_BOOST),
            (fields.authors, &plain, AUTHORS_BOOST),
            (fields.abstract_text, &english, 1.0),
        ] {
            terms.extend(tokens.iter().map(|t| (field, t.clone(), boost)));
        }
    }
    terms
}

/// How much of the query's words `text` holds: the idf-weighted share (0 to 1) of the query's
/// content-word tokens (stemmed as the index stems them) that occur in `text`. A known item's own
/// abstract holds nearly all of a sentence remembered from it; a paper that merely shares two
/// common words with a query in other words holds little. Phrases count by their words.
pub fn matched_share(
    index: &Index,
    searcher: &tantivy::Searcher,
    fields: &Fields,
    parsed: &ParsedQuery,
    text: &str,
) -> f32 {
    let idf = |token: &str| idf(searcher, fields.abstract_text, token);
    let present: std::collections::HashSet<String> = tokens(index, ENGLISH, text).into_iter().collect();
    let mut asked: Vec<String> = content_words(&parsed.words)
        .into_iter()
        .chain(&parsed.phrases)
        .flat_map(|w| tokens(index, ENGLISH, w))
        .collect();
    asked.sort();
    asked.dedup();
    let (mut held, mut total) = (0.0, 0.0);
    for token in &asked {
        let weight = idf(token);
        total += weight;
        if present.contains(token) {
            held += weight;
        }
    }
    if total > 0.0 {
        held / total
    } else {
        0.0
    }
}

/// A term's BM25 idf in `field`, as tantivy scores it (0 for a term in every paper).
fn idf(searcher: &tantivy::Searcher, field: Field, token: &str) -> f32 {
    let documents = searcher.num_docs() as f32;
    let found = searcher.doc_freq(&Term::from_field_text(field, token)).unwrap_or(0) as f32;
    (1.0 + (documents - found + 0.5) / (found + 0.5)).ln().max(0.0)
}

/// English function words ("the", "of", "for"…): in nearly every abstract, so their postings
/// are the longest in the index while their scores are next to nothing. Left out of word
/// queries (they stay indexed: phrases still match them in place). Lucene's English set, less
/// "no" and "not", which can carry meaning in a title.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "of", "on", "or",
    "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
];

/// The query's words less stop words; all of them when that would leave none ("to be or not").
/// Also what a digest names as a topic's matched terms, so both agree on what counts.
pub fn content_words(words: &[String]) -> Vec<&String> {
    let content: Vec<&String> = words
        .iter()
        .filter(|w| {
            let bare = w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
            !STOP_WORDS.contains(&bare.as_str())
        })
        .collect();
    if content.is_empty() {
        words.iter().collect()
    } else {
        content
    }
}

fn tokens(index: &Index, tokenizer: &str, text: &str) -> Vec<String> {
    let Some(mut analyzer) = index.tokenizers().get(tokenizer) else {
        return Vec::new();
    };
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// A term query scaled by `boost` (a boost of 1 adds no wrapper).
fn boosted_term(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    if boost == 1.0 {
        term(field, text)
    } else {
        Box::new(BoostQuery::new(term(field, text), boost))
    }
}

/// The tokens in order: a phrase query, or a term for one token; `None` when none.
fn sequence(field: Field, tokens: &[String]) -> Option<Box<dyn Query>> {
    match tokens {
        [] => None,
        [only] => Some(term(field, only)),
        many => Some(Box::new(PhraseQuery::new(
            many.iter().map(|t| Term::from_field_text(field, t)).collect(),
        ))),
    }
}

fn boosted(query: Option<Box<dyn Query>>, boost: f32) -> Option<Box<dyn Query>> {
    query.map(|q| Box::new(BoostQuery::new(q, boost)) as Box<dyn Query>)
}

/// At least one of `options`; matches nothing when there are none.
fn required_any(options: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
    if options.is_empty() {
        Box::new(EmptyQuery)
    } else {
        Box::new(BooleanQuery::new(options))
    }
}
