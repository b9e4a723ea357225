//! COinS (ContextObjects in Spans): a paper as an OpenURL 1.0 ContextObject in its key/value
//! form, written as the `title` of an empty `<span class="Z3988">`. On a list of papers, where
//! a page's `citation_*` meta tags cannot say which paper is meant, this is what Zotero's
//! browser connector (its COinS translator) and other OpenURL tools read, one span per paper.
//!
//! The Dublin Core format with `rft.type=preprint` makes Zotero save a preprint (the journal
//! format could only say "journal article"); the arXiv id, abstract page and DOI travel as
//! `rft_id`s (`info:arxiv/…` is the registered arXiv namespace; Zotero takes an `http` one as
//! the URL and `info:doi/…` as the DOI). Authors are `Family, Given`, in order, so that the
//! split into family and given names is [`split_name`]'s, as in the other formats. The title
//! is plain text, TeX made readable, as in the paper page's `citation_title`.
//!
//! Every value is percent-encoded but for RFC 3986's unreserved characters, so the string holds
//! no `<`, `"` or `&` of its own: whatever a title holds stays data, and the template's HTML
//! escaping of the attribute (`&` → `&amp;`) is all that is left to do. One limit is Zotero's:
//! it reads `%2B` as a space, so a `+` in a title arrives as one there.

use super::{bare_doi, issued, one_line, split_name};
use crate::paper::Paper;
use crate::tex::to_plain_text;
use crate::text::percent_encode;

/// The ContextObject of `paper`, key/value encoded (`ctx_ver=Z39.88-2004&rft_val_fmt=…`).
pub fn context_object(paper: &Paper) -> String {
    let mut pairs: Vec<(&str, String)> = vec![
        ("ctx_ver", "Z39.88-2004".into()),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc".into()),
        ("rft_id", format!("info:arxiv/{}", paper.id)),
        ("rft_id", paper.id.abs_url()),
    ];
    if let Some(doi) = paper.doi.as_deref().map(bare_doi).filter(|d| !d.is_empty()) {
        pairs.push(("rft_id", format!("info:doi/{doi}")));
    }
    pairs.push(("rft.type", "preprint".into()));
    pairs.push(("rft.title", one_line(&to_plain_text(&paper.title))));
    for author in &paper.authors {
        let name = split_name(author);
        let written = match (name.given, name.suffix) {
            (Some(given), Some(suffix)) => format!("{}, {given}, {suffix}", name.family),
            (Some(given), None) => format!("{}, {given}", name.family),
            (None, _) => name.family,
        };
        pairs.push(("rft.creator", written));
    }
    if let Some(date) = issued(paper) {
        pairs.push(("rft.date", date.format("%Y-%m-%d").to_string()));
    }
    pairs.push(("rft.publisher", "arXiv".into()));
    for category in &paper.categories {
        pairs.push(("rft.subject", category.clone()));
    }
    let mut out = String::new();
    for (key, value) in pairs.iter().filter(|(_, v)| !v.trim().is_empty()) {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cite::tests::sample;

    /// The pairs of a ContextObject, decoded (as Zotero's `parseContextObject` reads them).
    fn decoded(kev: &str) -> Vec<(String, String)> {
        kev.split('&')
            .map(|pair| {
                let (key, value) = pair.split_once('=').expect("key=value");
                (key.to_string(), percent_decode(value))
            })
            .collect()
    }

    fn percent_decode(value: &str) -> String {
        let bytes = value.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&value[i + 1..i + 3], 16).expect("two hex digits"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("UTF-8")
    }

    fn values<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn a_preprint_carries_its_id_authors_in_order_and_date() {
        let mut paper = sample();
        paper.doi = Some("https://doi.org/10.1000/x&y".into());
        let kev = context_object(&paper);
        assert!(
            kev.starts_with("ctx_ver=Z39.88-2004&rft_val_fmt=info%3Aofi%2Ffmt%3Akev%3Amtx%3Adc&"),
            "{kev}"
        );
        let pairs = decoded(&kev);
        assert_eq!(
            values(&pairs, "rft_id"),
            [
                "info:arxiv/2404.01234",
                "https://arxiv.org/abs/2404.01234",
                "info:doi/10.1000/x&y"
            ]
        );
        assert_eq!(values(&pairs, "rft.type"), ["preprint"]);
        assert_eq!(
            values(&pairs, "rft.creator"),
            ["Vaswani, Ashish", "van Beethoven, Ludwig", "Shazeer, Noam"]
        );
        assert_eq!(values(&pairs, "rft.date"), ["2024-04-02"]);
        assert_eq!(values(&pairs, "rft.publisher"), ["arXiv"]);
        assert_eq!(values(&pairs, "rft.subject"), ["cs.LG", "cs.CL"]);
    }

    #[test]
    fn titles_are_plain_text_and_every_special_character_is_encoded() {
        let mut paper = sample();
        paper.title = "<script>alert(\"x\")</script> &amp; 'q' = $\\alpha$+1%\n  next".into();
        paper.authors = vec!["Ann \"<b>\" O'Neil".into(), "DeepSeek-AI".into()];
        let kev = context_object(&paper);
        for raw in ['<', '>', '"', '\'', ' ', '\n', '+', '$', '\\'] {
            assert!(!kev.contains(raw), "{raw:?} left unencoded in {kev}");
        }
        assert_eq!(
            kev.matches('=').count(),
            kev.matches('&').count() + 1,
            "one = per pair: {kev}"
        );
        let pairs = decoded(&kev);
        assert_eq!(
            values(&pairs, "rft.title"),
            ["<script>alert(\"x\")</script> &amp; 'q' = α+1% next"]
        );
        assert_eq!(values(&pairs, "rft.creator"), ["O'Neil, Ann \"<b>\"", "DeepSeek-AI"]);
    }

    #[test]
    fn missing_fields_are_left_out() {
        let mut paper = Paper::new(crate::ArxivId::parse("hep-th/9901001").unwrap());
        paper.title = "  ".into();
        let pairs = decoded(&context_object(&paper));
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "ctx_ver",
                "rft_val_fmt",
                "rft_id",
                "rft_id",
                "rft.type",
                "rft.publisher"
            ]
        );
        assert_eq!(values(&pairs, "rft_id")[0], "info:arxiv/hep-th/9901001");
    }
}
