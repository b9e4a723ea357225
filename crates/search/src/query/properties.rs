//! Property tests of the query syntax: any input parses without panicking into clean terms;
//! a query written from words, phrases, exclusions and filters is read back as written.

use proptest::prelude::*;

use super::*;

/// One piece of a query, and how it is written in the search box.
#[derive(Debug, Clone)]
enum Term {
    Word(String),
    /// A quoted single word: still a word.
    QuotedWord(String),
    Phrase(Vec<String>),
    Exclude(String),
    ExcludePhrase(Vec<String>),
    Author {
        field: String,
        name: Vec<String>,
    },
    Category {
        field: String,
        category: String,
    },
}

impl Term {
    fn written(&self) -> String {
        match self {
            Term::Word(w) => w.clone(),
            Term::QuotedWord(w) => format!("\"{w}\""),
            Term::Phrase(p) => format!("\"{}\"", p.join(" ")),
            Term::Exclude(w) => format!("-{w}"),
            Term::ExcludePhrase(p) => format!("-\"{}\"", p.join(" ")),
            Term::Author { field, name } if name.len() == 1 => format!("{field}:{}", name[0]),
            Term::Author { field, name } => format!("{field}:\"{}\"", name.join(" ")),
            Term::Category { field, category } => format!("{field}:{category}"),
        }
    }

    /// Adds what the parser should read from this term to `query`.
    fn expect(&self, query: &mut ParsedQuery) {
        match self {
            Term::Word(w) | Term::QuotedWord(w) => query.words.push(w.clone()),
            Term::Phrase(p) => query.phrases.push(p.join(" ")),
            Term::Exclude(w) => query.excluded.push(w.clone()),
            Term::ExcludePhrase(p) => query.excluded.push(p.join(" ")),
            Term::Author { name, .. } => query.authors.push(name.join(" ")),
            Term::Category { category, .. } => query.categories.push(category.clone()),
        }
    }
}

/// A word: letters and digits in any script, never an id, a field or an exclusion.
fn word() -> impl Strategy<Value = String> {
    "\\p{L}[\\p{L}\\p{N}]{0,8}"
}

fn phrase() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(word(), 2..4)
}

fn field(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    (proptest::sample::select(names), any::<bool>()).prop_map(|(name, upper)| {
        if upper {
            name.to_ascii_uppercase()
        } else {
            name.to_string()
        }
    })
}

fn term() -> impl Strategy<Value = Term> {
    prop_oneof![
        3 => word().prop_map(Term::Word),
        1 => word().prop_map(Term::QuotedWord),
        1 => phrase().prop_map(Term::Phrase),
        1 => word().prop_map(Term::Exclude),
        1 => phrase().prop_map(Term::ExcludePhrase),
        1 => (field(&["author", "au"]), proptest::collection::vec(word(), 1..3))
            .prop_map(|(field, name)| Term::Author { field, name }),
        1 => (field(&["cat", "category"]), "[a-z]{2,6}(\\.[A-Z]{2})?")
            .prop_map(|(field, category)| Term::Category { field, category }),
    ]
}

/// Space between terms: any whitespace, and control characters, which read as spaces.
fn separator() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(vec![" ", "  ", "\t", "\n", "\u{3000}", "\u{0}", "\u{7}"]),
        1..3,
    )
    .prop_map(|s| s.concat())
}

/// A query written from terms, with the parse the syntax promises for it.
fn written_query() -> impl Strategy<Value = (String, Result<ParsedQuery, QueryError>)> {
    (proptest::collection::vec((term(), separator()), 0..8), separator()).prop_map(|(terms, lead)| {
        let mut text = lead;
        let mut want = ParsedQuery::default();
        for (term, separator) in &terms {
            text.push_str(&term.written());
            text.push_str(separator);
            term.expect(&mut want);
        }
        let want = if want.has_text() || !want.authors.is_empty() || !want.categories.is_empty() {
            Ok(want)
        } else if !want.excluded.is_empty() {
            Err(QueryError::OnlyExclusions)
        } else {
            Err(QueryError::Empty)
        };
        (text, want)
    })
}

/// Text made of the syntax's own pieces, so that random input exercises every branch.
fn syntax_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(vec![
            "\"",
            "\" ",
            " \"",
            "-",
            "- ",
            ":",
            "author:",
            "au:",
            "cat:",
            "-\"",
            "//",
            " ",
            "\t",
            "\u{0}",
            "2404.01234",
            "arXiv:",
            "https://",
            "é",
            "\u{200b}",
        ])
        .prop_map(str::to_string),
        2 => word(),
        1 => "\\PC{0,3}",
    ];
    proptest::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
}

fn all_terms(query: &ParsedQuery) -> impl Iterator<Item = &String> {
    query
        .words
        .iter()
        .chain(&query.phrases)
        .chain(&query.excluded)
        .chain(&query.authors)
        .chain(&query.categories)
}

proptest! {
    #[test]
    fn parsing_never_panics(input in any::<String>()) {
        let _ = parse(&input);
    }

    #[test]
    fn every_term_read_is_clean(input in syntax_soup()) {
        if let Ok(query) = parse(&input) {
            for term in all_terms(&query) {
                prop_assert!(!term.is_empty(), "an empty term from {:?}: {:?}", input, query);
                prop_assert_eq!(term.trim(), term.as_str(), "untrimmed term from {:?}", input);
                prop_assert!(
                    !term.contains(|c: char| c == '"' || c.is_control()),
                    "quote or control character in {:?} from {:?}", term, input
                );
            }
            for phrase in &query.phrases {
                prop_assert!(phrase.contains(char::is_whitespace), "one-word phrase {:?}", phrase);
            }
            let searchable = query.has_text() || !query.authors.is_empty() || !query.categories.is_empty();
            prop_assert!(searchable, "Ok for a query with nothing to search: {:?}", query);
        }
    }

    #[test]
    fn a_written_query_is_read_as_written((text, want) in written_query()) {
        prop_assert_eq!(parse(&text), want, "{:?}", text);
    }

    #[test]
    fn only_the_first_characters_count(input in proptest::collection::vec(syntax_soup(), 40..120)) {
        let input = input.concat();
        let head: String = input.chars().take(MAX_QUERY_CHARS).collect();
        let long = input.chars().count() > MAX_QUERY_CHARS;
        let cut = parse(&input).map(|q| ParsedQuery { truncated: false, ..q });
        prop_assert_eq!(cut, parse(&head));
        if let Ok(query) = parse(&input) {
            prop_assert_eq!(query.truncated, long);
        }
    }

    #[test]
    fn a_query_that_is_an_id_finds_that_paper(
        id in "[0-9]{2}(0[1-9]|1[0-2])\\.[0-9]{4,5}",
        version in proptest::option::of(1u32..20),
        prefix in proptest::sample::select(vec!["", "arXiv:", "https://arxiv.org/abs/", "https://arxiv.org/pdf/"]),
        padding in "[ \t]{0,2}",
        other in word(),
    ) {
        let version = version.map(|v| format!("v{v}")).unwrap_or_default();
        let written = format!("{padding}{prefix}{id}{version}{padding}");
        let query = parse(&written).unwrap();
        prop_assert_eq!(query.id.as_ref().map(ArxivId::as_str), Some(id.as_str()));
        prop_assert_eq!(query, ParsedQuery { id: ArxivId::parse(&id).ok(), ..ParsedQuery::default() });
        // With anything beside it, the query is not an id but words.
        let query = parse(&format!("{written} {other}")).unwrap();
        prop_assert_eq!(query.id, None);
        prop_assert_eq!(query.words.last(), Some(&other));
    }
}
