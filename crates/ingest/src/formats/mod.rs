//! The input formats paperboy reads, and detection of which one a source is.
//!
//! Every parser streams: it reads from a `BufRead` and yields records one at a time, so that
//! memory stays flat however large the input (Hugging Face daily lists, a few kB each, are
//! the exception and are read whole).

use std::io::BufRead;

use serde_json::error::Category;
use serde_json::Value;

use crate::record::{Parsed, SourceContext};

pub mod arxiv_rss;
pub mod atom;
mod fields;
pub mod hf_daily;
pub mod jsonl;
pub mod oai;
#[cfg(test)]
mod robustness_tests;
#[cfg(test)]
mod test_data;
mod xml;
mod xml_input;

/// An input format, as named by `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// arXiv OAI-PMH `ListRecords`/`GetRecord` (metadataPrefix `arXiv`, `arXivRaw`, `oai_dc`).
    ArxivOai,
    /// arXiv API Atom feed (`export.arxiv.org/api/query`).
    ArxivAtom,
    /// arXiv's per-category listing feeds (RSS 2.0, `rss.arxiv.org/rss/<cat>`): one
    /// announcement day, each item marked new, cross-list or replacement.
    ArxivRss,
    /// Hugging Face `/api/daily_papers` JSON.
    HfDaily,
    /// JSON lines: paperboy's export, the Kaggle arXiv snapshot, daily-arXiv listing archives.
    Jsonl,
}

/// Parses a source in `format`, yielding records and problems in source order.
pub fn parse(
    format: Format,
    input: Box<dyn BufRead + Send>,
    ctx: SourceContext,
) -> Box<dyn Iterator<Item = Parsed> + Send> {
    match format {
        Format::ArxivOai => Box::new(oai::OaiParser::new(input, ctx)),
        Format::ArxivAtom => Box::new(atom::AtomParser::new(input, ctx)),
        // The feed says its own day; nothing in the context adds to it.
        Format::ArxivRss => Box::new(arxiv_rss::ListingParser::new(input).map(|item| item.map(|listed| listed.record))),
        Format::HfDaily => Box::new(hf_daily::parse(input, ctx)),
        Format::Jsonl => Box::new(jsonl::JsonlParser::new(input, ctx)),
    }
}

/// Guesses the format of a source from its first few kB (decompressed), or `None` when it
/// looks like none of them.
///
/// XML is told apart by its root element (`OAI-PMH`, an Atom `feed`, or an `rss` whose
/// channel links to arxiv.org: other RSS feeds are not a format paperboy reads). JSON that starts with
/// a list is a Hugging Face daily list. JSON that starts with an object is JSON lines when its
/// first line is a complete object (or not JSON at all: a broken first line of a JSON-lines
/// file), and a Hugging Face list wrapped as `{"data": [..]}` when the object spans lines or
/// its only list is `data`.
pub fn detect(head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    match head[0] {
        b'<' => detect_xml(head),
        b'[' => Some(Format::HfDaily),
        b'{' => Some(detect_json_object(head)),
        _ => None,
    }
}

fn detect_xml(mut rest: &[u8]) -> Option<Format> {
    while let Some(at) = rest.iter().position(|b| *b == b'<') {
        rest = &rest[at + 1..];
        if rest.starts_with(b"!--") {
            let end = rest.windows(3).position(|w| w == b"-->")?;
            rest = &rest[end..];
            continue;
        }
        if rest.starts_with(b"?") || rest.starts_with(b"!") {
            continue;
        }
        let name_len = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
        return match local {
            b"OAI-PMH" => Some(Format::ArxivOai),
            b"feed" => Some(Format::ArxivAtom),
            b"rss" if channel_links_to_arxiv(rest) => Some(Format::ArxivRss),
            _ => None,
        };
    }
    None
}

/// True when the first `<link>` after the root (the channel's) names arxiv.org.
fn channel_links_to_arxiv(rest: &[u8]) -> bool {
    let Some(open) = rest.windows(6).position(|w| w == b"<link>") else {
        return false;
    };
    let text = &rest[open + 6..];
    let text = &text[..text.iter().position(|b| *b == b'<').unwrap_or(text.len())];
    text.windows(9).any(|w| w.eq_ignore_ascii_case(b"arxiv.org"))
}

fn detect_json_object(head: &[u8]) -> Format {
    let newline = head.iter().position(|b| *b == b'\n');
    let first_line = &head[..newline.unwrap_or(head.len())];
    match serde_json::from_slice::<Value>(first_line) {
        Ok(Value::Object(object)) => {
            let wraps_a_list = object.get("data").is_some_and(Value::is_array) && !object.contains_key("id");
            if wraps_a_list {
                Format::HfDaily
            } else {
                Format::Jsonl
            }
        }
        // Cut short: a pretty-printed object goes on over the next lines; a single long line
        // cut by the end of `head` is JSON lines unless it visibly wraps a `data` list.
        Err(e) if e.classify() == Category::Eof => {
            let wraps_a_list = newline.is_some()
                || first_line.windows(8).any(|w| w == b"\"data\":[")
                || first_line.windows(9).any(|w| w == b"\"data\": [");
            if wraps_a_list {
                Format::HfDaily
            } else {
                Format::Jsonl
            }
        }
        _ => Format::Jsonl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_by_root_element() {
        let oai = b"\xEF\xBB\xBF\n<?xml version=\"1.0\"?>\n<!-- <feed> -->\n<OAI-PMH xmlns=\"x\">";
        assert_eq!(detect(oai), Some(Format::ArxivOai));
        assert_eq!(detect(b"<oai:OAI-PMH>"), Some(Format::ArxivOai));
        let atom = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">";
        assert_eq!(detect(atom), Some(Format::ArxivAtom));
        let rss = b"<?xml version='1.0'?>\n<rss xmlns:arxiv=\"http://arxiv.org/schemas/atom\" version=\"2.0\">\n\
            <channel><title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>";
        assert_eq!(detect(rss), Some(Format::ArxivRss));
        let other_rss = b"<rss version=\"2.0\"><channel><title>News</title><link>https://example.org/</link>";
        assert_eq!(detect(other_rss), None);
        assert_eq!(detect(b"<rss version=\"2.0\"><channel><title>cut short"), None);
        assert_eq!(detect(b"<!DOCTYPE html><html><body>"), None);
        assert_eq!(detect(b"<?xml version=\"1.0\"?>"), None);
    }

    #[test]
    fn json_lists_and_lines() {
        assert_eq!(detect(b"  [\n  {\"paper\": {}}"), Some(Format::HfDaily));
        assert_eq!(
            detect(b"{\"id\": \"2601.00001\", \"title\": \"T\"}\n{\"id\": \"2601"),
            Some(Format::Jsonl)
        );
        assert_eq!(detect(b"{\"id\": \"2601.00001\"}"), Some(Format::Jsonl));
        // A long first line cut short by the end of the head.
        assert_eq!(
            detect(b"{\"id\": \"2601.00001\", \"summary\": \"abc"),
            Some(Format::Jsonl)
        );
        // A broken first line is still a JSON-lines file.
        assert_eq!(detect(b"{\"id\": 1,,}\n{\"id\": 2}\n"), Some(Format::Jsonl));
    }

    #[test]
    fn wrapped_hugging_face_lists() {
        assert_eq!(
            detect(b"{\n    \"status\": \"success\",\n    \"data\": [\n"),
            Some(Format::HfDaily)
        );
        assert_eq!(
            detect(b"{\"status\": \"success\", \"data\": [{\"paper\": {}}]}"),
            Some(Format::HfDaily)
        );
        assert_eq!(
            detect(b"{\"status\": \"success\", \"data\": [{\"paper\": {\"id\": \"2601"),
            Some(Format::HfDaily)
        );
    }

    #[test]
    fn everything_else() {
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b" \n\t"), None);
        assert_eq!(detect(b"\x1f\x8b\x08\x00"), None);
        assert_eq!(detect(b"id,title\n"), None);
    }

    #[test]
    fn real_samples() {
        let Some(dir) = test_data::dir() else { return };
        let cases = [
            (
                "samples/arxiv-oai-pmh-ListRecords-arXivRaw-2016-10-21.xml",
                Format::ArxivOai,
            ),
            (
                "samples/arxiv-oai-pmh-GetRecord-arXivRaw-2016-10-21.xml",
                Format::ArxivOai,
            ),
            ("samples/arxiv-api-atom-2013-02-02-id-1301.7746.xml", Format::ArxivAtom),
            ("samples/arxiv-api-atom-2019-08-10-all_science.xml", Format::ArxivAtom),
            ("samples/hf-daily_papers-2025-01-10-malformed.json", Format::HfDaily),
            ("hf-daily/2026-01-02.json", Format::HfDaily),
        ];
        for (path, format) in cases {
            let bytes = std::fs::read(dir.join(path)).unwrap();
            let head = &bytes[..bytes.len().min(4096)];
            assert_eq!(detect(head), Some(format), "{path}");
        }
        let mut listing = Vec::new();
        let file = std::fs::File::open(dir.join("arxiv-listings/2026-01-02.jsonl.gz")).unwrap();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(file), &mut listing).unwrap();
        assert_eq!(detect(&listing[..4096]), Some(Format::Jsonl));
    }
}
