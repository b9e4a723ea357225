//! BibTeX: `@misc` for a preprint, `@article` once a journal reference exists, with the fields
//! arXiv's own export and biblatex expect (`eprint`, `archivePrefix`, `primaryClass`).
//!
//! Titles come from TeX sources and from anyone who submits: [`tex`] keeps what is TeX (math,
//! commands, escapes) and escapes what would break BibTeX or LaTeX (`% & # _ ^`, a lone `$`,
//! unbalanced braces, HTML's `< >`), and brace-protects words with capitals so styles that
//! lower-case titles keep "BERT" and "Transformers".

use std::fmt::Write;

use super::{bare_doi, key, one_line, split_name, year_month};
use crate::paper::Paper;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

pub(super) fn write(papers: &[&Paper]) -> String {
    let mut out = String::new();
    for paper in papers {
        entry(&mut out, paper);
    }
    out
}

fn entry(out: &mut String, paper: &Paper) {
    let journal = paper.journal_ref.as_deref().map(one_line).filter(|j| !j.is_empty());
    let kind = if journal.is_some() { "article" } else { "misc" };
    let _ = writeln!(out, "@{kind}{{{},", key(paper));
    let mut field = |name: &str, value: &str| {
        let _ = writeln!(out, "  {name} = {{{value}}},");
    };
    field("title", &tex(&one_line(&paper.title), true));
    if !paper.authors.is_empty() {
        let authors: Vec<String> = paper.authors.iter().map(|a| author(a)).collect();
        field("author", &authors.join(" and "));
    }
    if let Some(journal) = &journal {
        field("journal", &tex(journal, false));
    }
    let date = year_month(paper);
    if let Some((year, _)) = date {
        field("year", &year.to_string());
    }
    field("eprint", paper.id.as_str());
    field("archivePrefix", "arXiv");
    if let Some(primary) = paper.primary_category() {
        field("primaryClass", &tex(primary, false));
    }
    if let Some(doi) = &paper.doi {
        field("doi", &verbatim(bare_doi(doi)));
    }
    field("url", &paper.id.abs_url());
    if !paper.abstract_text.trim().is_empty() {
        field("abstract", &tex(&one_line(&paper.abstract_text), false));
    }
    if let Some((_, month)) = date {
        // A macro, unbraced, so that styles print the month's name.
        let _ = writeln!(out, "  month = {},", MONTHS[month as usize - 1]);
    }
    out.push_str("}\n\n");
}

/// A name as `Family, Suffix, Given` (BibTeX's three-part form), or `{Name}` when it is one
/// word or an organisation, so BibTeX does not split it.
fn author(name: &str) -> String {
    let name = split_name(name);
    let part = |text: &str| {
        let escaped = tex(text, false);
        // " and " inside a name would split it into two authors.
        if escaped.split(' ').any(|w| w.eq_ignore_ascii_case("and")) {
            format!("{{{escaped}}}")
        } else {
            escaped
        }
    };
    match (&name.given, &name.suffix) {
        (Some(given), Some(suffix)) => format!("{}, {}, {}", part(&name.family), part(suffix), part(given)),
        (Some(given), None) => format!("{}, {}", part(&name.family), part(given)),
        _ => format!("{{{}}}", tex(&name.family, false)),
    }
}

/// A value biblatex reads verbatim (a DOI): only what would end the field is dropped.
fn verbatim(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '{' | '}') && !c.is_whitespace())
        .collect()
}

/// `text` as the value of a braced BibTeX field that LaTeX can typeset (see the module doc).
/// With `protect_capitals`, words holding a capital letter are wrapped in braces.
pub(super) fn tex(text: &str, protect_capitals: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => match chars.get(i + 1) {
                Some(next) if next.is_ascii_alphabetic() => {
                    out.push('\\');
                    i += 1;
                    while i < chars.len() && chars[i].is_ascii_alphabetic() {
                        out.push(chars[i]);
                        i += 1;
                    }
                    continue;
                }
                Some(next) => {
                    out.push('\\');
                    out.push(*next);
                    i += 2;
                    continue;
                }
                None => out.push_str("\\textbackslash{}"),
            },
            '$' => match math_end(&chars, i) {
                Some(end) => {
                    for (k, &m) in chars[i..end].iter().enumerate() {
                        let escaped = k > 0 && chars[i + k - 1] == '\\';
                        if matches!(m, '%' | '#') && !escaped {
                            out.push('\\');
                        }
                        out.push(m);
                    }
                    i = end;
                    continue;
                }
                None => out.push_str("\\$"),
            },
            '{' => {
                depth += 1;
                out.push(c);
            }
            '}' => {
                depth = depth.saturating_sub(1);
                out.push(c);
            }
            '%' | '&' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\textasciicircum{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            c if protect_capitals && depth == 0 && c.is_alphanumeric() => {
                let start = i;
                while i < chars.len() && chars[i].is_alphanumeric() {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if word.chars().any(char::is_uppercase) {
                    let _ = write!(out, "{{{word}}}");
                } else {
                    out.push_str(&word);
                }
                continue;
            }
            c => out.push(c),
        }
        i += 1;
    }
    balance_braces(&out)
}

/// Where the math starting at `chars[start]` (`$…$` or `$$…$$`) ends (exclusive), if it is
/// closed.
fn math_end(chars: &[char], start: usize) -> Option<usize> {
    let display = chars.get(start + 1) == Some(&'$');
    let open = if display { 2 } else { 1 };
    let mut i = start + open;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '$' if !display => return (i > start + 1).then_some(i + 1),
            '$' if chars.get(i + 1) == Some(&'$') => return (i > start + 2).then_some(i + 2),
            _ => i += 1,
        }
    }
    None
}

/// Replaces braces without a partner (BibTeX counts every brace, escaped or not) with
/// `\textbraceleft{}` / `\textbraceright{}`, so the field always ends where it should.
fn balance_braces(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut unmatched = vec![false; chars.len()];
    let mut open = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '{' => open.push(i),
            '}' if open.pop().is_none() => unmatched[i] = true,
            _ => {}
        }
    }
    for i in open {
        unmatched[i] = true;
    }
    if !unmatched.contains(&true) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 32);
    for (i, &c) in chars.iter().enumerate() {
        if !unmatched[i] {
            out.push(c);
            continue;
        }
        // `\{` was an escaped brace: the backslash goes with it.
        if i > 0 && chars[i - 1] == '\\' {
            out.pop();
        }
        out.push_str(if c == '{' {
            "\\textbraceleft{}"
        } else {
            "\\textbraceright{}"
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cite::tests::sample;

    fn balanced(text: &str) -> bool {
        let mut depth = 0i64;
        for c in text.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth < 0 {
                return false;
            }
        }
        depth == 0
    }

    #[test]
    fn titles_keep_math_and_protect_capitals() {
        assert_eq!(
            tex("Attention for $\\mathcal{O}(n^2)$ LLMs", true),
            "{Attention} for $\\mathcal{O}(n^2)$ {LLMs}"
        );
        assert_eq!(tex("a \\emph{b} c", true), "a \\emph{b} c");
    }

    #[test]
    fn specials_are_escaped_outside_math() {
        assert_eq!(
            tex("50% & #1 of a_b, x^2", false),
            "50\\% \\& \\#1 of a\\_b, x\\textasciicircum{}2"
        );
        assert_eq!(tex("costs $5", false), "costs \\$5");
        assert_eq!(tex("<script>", false), "\\textless{}script\\textgreater{}");
        assert_eq!(tex("already \\& escaped", false), "already \\& escaped");
        assert_eq!(tex("ends in \\", false), "ends in \\textbackslash{}");
    }

    #[test]
    fn unbalanced_braces_cannot_end_the_field() {
        for hostile in ["}, title = {x", "{{{", "a } b { c", "\\{ open", "$}$", "}\\"] {
            let out = tex(hostile, true);
            assert!(balanced(&out), "{hostile:?} → {out:?}");
        }
        assert_eq!(tex("a } b", false), "a \\textbraceright{} b");
        assert_eq!(tex("\\{ x", false), "\\textbraceleft{} x");
    }

    #[test]
    fn a_preprint_is_misc_and_a_published_paper_article() {
        let mut paper = sample();
        let bib = write(&[&paper]);
        assert!(bib.starts_with("@misc{arxiv:2404.01234,\n"), "{bib}");
        assert!(bib.contains("  author = {Vaswani, Ashish and van Beethoven, Ludwig and Shazeer, Noam},\n"));
        assert!(bib.contains("  eprint = {2404.01234},\n  archivePrefix = {arXiv},\n  primaryClass = {cs.LG},\n"));
        assert!(bib.contains("  year = {2024},\n") && bib.contains("  month = apr,\n"));
        assert!(bib.contains("  abstract = {We show 50\\% of \\textless{}b\\textgreater{}things"));
        paper.journal_ref = Some("Nature 1, 2 (2025)".into());
        paper.doi = Some("10.1038/x_1".into());
        let bib = write(&[&paper]);
        assert!(bib.starts_with("@article{arxiv:2404.01234,\n"));
        assert!(bib.contains("  journal = {Nature 1, 2 (2025)},\n"));
        assert!(bib.contains("  doi = {10.1038/x_1},\n"));
    }

    #[test]
    fn names_bibtex_would_misread_are_protected() {
        assert_eq!(author("DeepSeek-AI"), "{DeepSeek-AI}");
        assert_eq!(author("Martin Luther King Jr."), "King, Jr., Martin Luther");
        assert_eq!(author("Research and Development"), "Development, {Research and}");
    }
}
