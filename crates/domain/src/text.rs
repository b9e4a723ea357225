//! Text normalisation applied once, at ingest, to every title, abstract, name and comment.
//!
//! Sources wrap text in different ways: arXiv hard-wraps abstracts and marks a paragraph by
//! indenting its first line by two spaces; OAI-PMH dumps are often re-indented as a whole;
//! Atom feeds start the abstract with two spaces. Normalising makes the same paper compare
//! equal whichever way it arrived. Only whitespace changes: TeX markup (`$\alpha$`, `\emph{}`)
//! is kept exactly as written, and no visible character is ever dropped.

/// Collapses a single-line field (title, author name, comment): every run of whitespace,
/// line breaks and control characters becomes one space; ends are trimmed.
pub fn normalise_line(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for ch in input.chars() {
        if ch.is_whitespace() || ch.is_control() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(ch);
        }
    }
    out
}

/// Normalises a multi-paragraph field (an abstract): lines are joined with single spaces and
/// paragraphs are separated by one blank line (`\n\n`).
///
/// A paragraph starts after a blank line, or at a line indented deeper than the text's
/// continuation lines (arXiv's two-space paragraph marker, which survives re-indentation).
pub fn normalise_paragraphs(input: &str) -> String {
    let lines: Vec<&str> = input.lines().collect();
    let base_indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| indentation(l))
        .min()
        .unwrap_or(0);
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for (index, line) in lines.iter().enumerate() {
        let text = normalise_line(line);
        let starts_paragraph = index > 0 && indentation(line) >= base_indent + 2;
        if text.is_empty() || starts_paragraph {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            if text.is_empty() {
                continue;
            }
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&text);
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs.join("\n\n")
}

fn indentation(line: &str) -> usize {
    line.chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

/// Cuts `text` to at most `max_chars` characters. Returns whether it was cut, so that the
/// caller can say so: capping is never silent.
pub fn cap_chars(text: &mut String, max_chars: usize) -> bool {
    match text.char_indices().nth(max_chars) {
        Some((byte_index, _)) => {
            text.truncate(byte_index);
            true
        }
        None => false,
    }
}

/// `value` with every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) as
/// `%XX`: safe in a path segment, a query value or an OpenURL, whatever the text holds.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("Zoë a/b&c=d+e~_.-"), "Zo%C3%AB%20a%2Fb%26c%3Dd%2Be~_.-");
        assert_eq!(percent_encode("<\"'>"), "%3C%22%27%3E");
    }

    #[test]
    fn line_collapses_whitespace_and_controls() {
        assert_eq!(
            normalise_line("  A O(n^8) Model of the\n      Traveling  Salesman\tProblem \n"),
            "A O(n^8) Model of the Traveling Salesman Problem"
        );
        assert_eq!(normalise_line("a\u{0}b\u{7}c"), "a b c");
        assert_eq!(normalise_line(""), "");
    }

    #[test]
    fn tex_is_kept_verbatim() {
        let title = r"Sparse $\ell_1$ Relaxations and \emph{Pursuit} \\ a study";
        assert_eq!(normalise_line(title), title);
    }

    #[test]
    fn arxiv_paragraph_marker_splits_paragraphs() {
        let abs = "First line of\nthe first paragraph.\n  Second paragraph\nstarts here.";
        assert_eq!(
            normalise_paragraphs(abs),
            "First line of the first paragraph.\n\nSecond paragraph starts here."
        );
    }

    #[test]
    fn reindented_dump_is_one_paragraph() {
        let abs = "In this paper, we present\n                        a new formulation\n                        of the TSP.\n                    ";
        assert_eq!(
            normalise_paragraphs(abs),
            "In this paper, we present a new formulation of the TSP."
        );
    }

    #[test]
    fn atom_leading_spaces_and_blank_lines() {
        assert_eq!(
            normalise_paragraphs("  Data science is\ngaining attention.\n\nMore.\n"),
            "Data science is gaining attention.\n\nMore."
        );
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        let abs = "One\n  Two  words\nthree\n\n  Four";
        let once = normalise_paragraphs(abs);
        assert_eq!(normalise_paragraphs(&once), once);
    }

    #[test]
    fn cap_counts_characters_not_bytes() {
        let mut s = "ééééé".to_string();
        assert!(cap_chars(&mut s, 3));
        assert_eq!(s, "ééé");
        assert!(!cap_chars(&mut s, 3));
    }
}

/// A count with its noun, plural unless the count is one: "1 comment", "3 comments",
/// "0 upvotes". For the regular nouns the site counts (papers, comments, upvotes, days,
/// authors); every page and mail says counts through this one function.
pub fn count(n: impl std::fmt::Display, noun: &str) -> String {
    let n = n.to_string();
    if n == "1" {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The start of `text`, at most `max_chars` characters, cut at a word boundary with `…`.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let mut chars = text.char_indices();
    let Some((cut, _)) = chars.nth(max_chars) else {
        return text.to_string();
    };
    let head = &text[..cut];
    let at_word = head.rfind(char::is_whitespace).filter(|i| *i > cut / 2).unwrap_or(cut);
    format!("{}…", head[..at_word].trim_end())
}

#[cfg(test)]
mod excerpt_tests {
    use super::excerpt;

    #[test]
    fn cuts_at_words() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("one two three four", 10), "one two…");
        assert_eq!(excerpt("ééééééééééééé", 4), "éééé…");
    }

    #[test]
    fn counts_are_singular_only_for_one() {
        assert_eq!(super::count(1, "comment"), "1 comment");
        assert_eq!(super::count(0_i64, "upvote"), "0 upvotes");
        assert_eq!(super::count(12_usize, "paper"), "12 papers");
        assert_eq!(super::count(-1, "day"), "-1 days");
    }
}
