//! Every parser, fed mutated and truncated versions of valid input, must end without
//! panicking, and after a fatal issue must yield nothing more.

use std::io::BufRead;

use super::{parse, Format};
use crate::record::{IssueKind, SourceContext};

const OAI: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>
<record><header><identifier>oai:arXiv.org:0804.2273</identifier><datestamp>2008-04-16</datestamp></header>
<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>0804.2273</id><submitter>C L</submitter>
<version version="v1"><date>Mon, 14 Apr 2008 21:02:00 GMT</date></version><title>Object &amp; Exchange</title>
<authors>Carl Lagoze (Cornell), Herbert Van de Sompel and Simeon Warner</authors><categories>cs.DL cs.NI</categories>
<abstract>  The OAI Object Reuse and Exchange
  framework.</abstract></arXivRaw></metadata></record>
<record><header status="deleted"><identifier>oai:arXiv.org:0804.2274</identifier></header></record>
<resumptionToken cursor="0" completeListSize="2">123|1001</resumptionToken></ListRecords></OAI-PMH>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/1301.7746v2</id>
<updated>2013-01-31T20:46:12Z</updated><published>2013-01-30T20:46:12Z</published><title>Phases</title>
<summary>  Notes.</summary><author><name>Thomas Vojta</name></author>
<arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cond-mat.dis-nn"/>
<category term="cond-mat.str-el"/></entry></feed>"#;

const RSS: &str = r#"<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
<channel><title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>
<pubDate>Fri, 01 May 2026 00:00:00 -0400</pubDate>
<item><title>Sparse $\ell_1$ &amp; more</title><link>https://arxiv.org/abs/2605.00123</link>
<description>arXiv:2605.00123v1 Announce Type: new 
Abstract: The abstract.
  Second.</description><guid isPermaLink="false">oai:arXiv.org:2605.00123v1</guid>
<category>cs.LG</category><arxiv:announce_type>new</arxiv:announce_type><dc:creator>A B, C D</dc:creator></item>
<item><title>R</title><guid isPermaLink="false">oai:arXiv.org:2604.00001v2</guid>
<description>arXiv:2604.00001v2 Announce Type: replace 
Abstract: R.</description><arxiv:announce_type>replace</arxiv:announce_type></item>
</channel></rss>"#;

const HF: &str = r#"{"data": [{"paper": {"id": "2512.24617", "authors": [{"name": "Xingwei Qu"}],
"publishedAt": "2025-12-31T04:19:33.000Z", "submittedOnDailyAt": "2026-01-02T00:17:55.450Z",
"title": "Dynamic Large Concept Models", "summary": "LLMs.\n  More.", "upvotes": 12,
"githubRepo": "https://github.com/a/b"}, "numComments": 1, "submittedBy": {"name": "ScottQu"}}]}"#;

const JSONL: &str = r#"{"id": "2512.24200", "categories": ["cs.GR"], "authors": ["Yujie Yang"], "title": "PartMotionEdit", "comment": null, "summary": "Existing.\n  More.", "abs": "https://arxiv.org/abs/2512.24200"}
{"id":"0704.0001","authors":"C. Bal\\'azs and E. L. Berger","title":"Calculation","categories":"hep-ph","abstract":"  A.\n","versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"}],"update_date":"2008-11-13","authors_parsed":[["Balázs","C.",""]]}
{"id": "2404.01234", "version": 2, "title": "T", "abstract": "A", "authors": ["A"], "categories": ["cs.LG"], "versions": [], "daily_entries": [], "as_of": null}
"#;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Noise(u64);

impl Noise {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

const INTERESTING: &[u8] = b"<>&;\"'/{}[],:\\\n \xff\xc3\x80-v0123";

fn mutate(original: &[u8], noise: &mut Noise) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for _ in 0..1 + noise.next(4) {
        let at = noise.next(bytes.len().max(1));
        match noise.next(4) {
            0 => bytes.truncate(at),
            1 if at < bytes.len() => bytes[at] = INTERESTING[noise.next(INTERESTING.len())],
            2 => bytes.insert(at.min(bytes.len()), INTERESTING[noise.next(INTERESTING.len())]),
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    bytes
}

#[test]
fn mutated_inputs_never_panic() {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    for (format, text) in [
        (Format::ArxivOai, OAI),
        (Format::ArxivAtom, ATOM),
        (Format::ArxivRss, RSS),
        (Format::HfDaily, HF),
        (Format::Jsonl, JSONL),
    ] {
        let clean: Vec<_> = parse(format, Box::new(text.as_bytes()), SourceContext::default()).collect();
        assert!(clean.iter().all(Result::is_ok), "{format:?}: {clean:?}");
        for _ in 0..1500 {
            let bytes = mutate(text.as_bytes(), &mut noise);
            let input: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(bytes));
            let mut fatal_seen = false;
            for item in parse(format, input, SourceContext::default()) {
                assert!(!fatal_seen, "{format:?}: an item after a fatal issue");
                if let Err(issue) = item {
                    fatal_seen = issue.kind != IssueKind::Record;
                }
            }
        }
    }
}
