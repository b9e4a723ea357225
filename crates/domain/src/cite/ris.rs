//! RIS: one `TAG  - value` line per field, `ER  - ` closing each record. Values are plain
//! text on one line (a newline in a title would start a bogus field).
//!
//! A preprint is `UNPB` (unpublished work, which Zotero and EndNote import as a manuscript or
//! preprint), a paper with a journal reference `JOUR`.

use std::fmt::Write;

use super::{bare_doi, issued, key, one_line, split_name};
use crate::paper::Paper;

pub(super) fn write(papers: &[&Paper]) -> String {
    let mut out = String::new();
    for paper in papers {
        record(&mut out, paper);
    }
    out
}

fn record(out: &mut String, paper: &Paper) {
    let mut line = |tag: &str, value: &str| {
        let value = one_line(value);
        if !value.is_empty() {
            let _ = write!(out, "{tag}  - {value}\r\n");
        }
    };
    let journal = paper.journal_ref.as_deref().filter(|j| !j.trim().is_empty());
    line("TY", if journal.is_some() { "JOUR" } else { "UNPB" });
    line("ID", &key(paper));
    line("TI", &paper.title);
    for author in &paper.authors {
        let name = split_name(author);
        let written = match (&name.given, &name.suffix) {
            (Some(given), Some(suffix)) => format!("{}, {given}, {suffix}", name.family),
            (Some(given), None) => format!("{}, {given}", name.family),
            _ => name.family,
        };
        line("AU", &written);
    }
    if let Some(date) = issued(paper) {
        line("PY", &date.format("%Y").to_string());
        line("DA", &date.format("%Y/%m/%d/").to_string());
    }
    if let Some(journal) = journal {
        line("JO", journal);
    }
    line("AB", &paper.abstract_text);
    if let Some(doi) = &paper.doi {
        line("DO", bare_doi(doi));
    }
    line("UR", &paper.id.abs_url());
    line("L1", &paper.id.pdf_url());
    line("AN", &format!("arXiv:{}", paper.id));
    line("DB", "arXiv");
    for category in &paper.categories {
        line("KW", category);
    }
    if let Some(comment) = &paper.comment {
        line("N1", comment);
    }
    out.push_str("ER  - \r\n\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cite::tests::sample;

    #[test]
    fn a_record_has_one_line_per_field() {
        let mut paper = sample();
        paper.title = "Two\nlines".into();
        let ris = write(&[&paper]);
        assert!(
            ris.starts_with("TY  - UNPB\r\nID  - arxiv:2404.01234\r\nTI  - Two lines\r\n"),
            "{ris}"
        );
        assert!(ris.contains("AU  - Vaswani, Ashish\r\nAU  - van Beethoven, Ludwig\r\nAU  - Shazeer, Noam\r\n"));
        assert!(ris.contains("PY  - 2024\r\nDA  - 2024/04/02/\r\n"));
        assert!(ris.ends_with("ER  - \r\n\r\n"));
        assert!(ris
            .lines()
            .all(|l| l.is_empty() || l.as_bytes().get(2..6) == Some(b"  - ")));
    }
}
