use std::io::{BufReader, Read};

use chrono::{DateTime, NaiveDate, Utc};
use flate2::read::GzDecoder;
use paperboy_domain::{ArxivId, DailyEntry, Paper};

use super::*;
use crate::formats::test_data;
use crate::record::IssueKind;

fn parse_bytes(input: &[u8]) -> (Vec<IncomingRecord>, Vec<ParseIssue>) {
    test_data::split(JsonlParser::new(input, SourceContext::default()))
}

fn utc(text: &str) -> Option<DateTime<Utc>> {
    Some(text.parse().unwrap())
}

fn listing_context(day: &str) -> SourceContext {
    SourceContext {
        name: format!("{day}.jsonl.gz"),
        listing_day: NaiveDate::parse_from_str(day, "%Y-%m-%d").ok(),
    }
}

fn read_listing(day: &str) -> Option<(Vec<IncomingRecord>, Vec<ParseIssue>, usize)> {
    let path = test_data::dir()?.join(format!("arxiv-listings/{day}.jsonl.gz"));
    let mut text = Vec::new();
    GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_end(&mut text)
        .unwrap();
    let lines = text.iter().filter(|b| **b == b'\n').count();
    let (records, issues) = test_data::split(JsonlParser::new(&text[..], listing_context(day)));
    Some((records, issues, lines))
}

const KAGGLE: &str = r#"{"id":"0704.0001","submitter":"Pavel Nadolsky","authors":"C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan","title":"Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies","comments":"37 pages, 15 figures; published version","journal-ref":"Phys.Rev.D76:013009,2007","doi":"10.1103/PhysRevD.76.013009","report-no":"ANL-HEP-PR-07-12","categories":"hep-ph","license":null,"abstract":"  A fully differential calculation in perturbative quantum chromodynamics is\npresented for the production of massive photon pairs.\n  Second paragraph.\n","versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"},{"version":"v2","created":"Tue, 24 Jul 2007 20:10:27 GMT"}],"update_date":"2008-11-13","authors_parsed":[["Balázs","C.",""],["Berger","E. L.",""],["Nadolsky","P. M.",""],["Yuan","C. -P.",""]]}"#;

#[test]
fn real_listing_days() {
    for day in ["2026-01-02", "2026-03-16", "2026-05-29"] {
        let Some((records, issues, lines)) = read_listing(day) else {
            return;
        };
        assert!(issues.is_empty(), "{day}: {issues:?}");
        assert_eq!(records.len(), lines, "{day}");
        let listed = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok();
        for record in &records {
            assert_eq!(record.paper.announced, listed);
            assert_eq!(record.paper.as_of, listed.map(fields::midnight));
            assert!(!record.paper.title.is_empty());
            assert!(!record.paper.categories.is_empty());
        }
    }
}

#[test]
fn listing_fields() {
    let Some((records, _, _)) = read_listing("2026-01-02") else {
        return;
    };
    let paper = &records[0].paper;
    assert_eq!(paper.id.as_str(), "2512.24200");
    assert!(paper.title.starts_with("PartMotionEdit: Fine-Grained Text-Driven 3D"));
    assert_eq!(
        paper.authors,
        ["Yujie Yang", "Zhichao Zhang", "Jiazhou Chen", "Zichao Wu"]
    );
    assert_eq!(paper.categories, ["cs.GR"]);
    assert_eq!(paper.comment.as_deref(), Some("10 pages, 4 figures"));
    assert_eq!(paper.version, None);
    // arXiv's paragraph marker (newline, two spaces) becomes a blank line.
    let review = &records[2].paper;
    assert_eq!(review.id.as_str(), "2512.24240");
    assert!(review
        .abstract_text
        .contains("effective learning.\n\nOur research team"));
}

#[test]
fn listing_without_a_day_has_no_announcement() {
    let line = r#"{"id": "2601.00001", "categories": ["cs.CL"], "authors": ["A"], "title": "T", "comment": null, "summary": "S", "abs": "https://arxiv.org/abs/2601.00001", "pdf": "https://arxiv.org/pdf/2601.00001"}"#;
    let (records, issues) = parse_bytes(line.as_bytes());
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(records[0].paper.announced, None);
    assert_eq!(records[0].paper.as_of, None);
    assert_eq!(records[0].paper.comment, None);
}

#[test]
fn kaggle_snapshot_line() {
    let (records, issues) = parse_bytes(KAGGLE.as_bytes());
    assert!(issues.is_empty(), "{issues:?}");
    let paper = &records[0].paper;
    assert_eq!(paper.id.as_str(), "0704.0001");
    assert_eq!(
        paper.title,
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    );
    assert_eq!(
        paper.authors,
        ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    );
    assert_eq!(paper.categories, ["hep-ph"]);
    assert_eq!(paper.versions.len(), 2);
    assert_eq!(paper.version, Some(2));
    assert_eq!(paper.published, utc("2007-04-02T19:18:42Z"));
    assert_eq!(paper.updated, utc("2007-07-24T20:10:27Z"));
    assert_eq!(paper.as_of, utc("2008-11-13T00:00:00Z"));
    assert_eq!(paper.announced, None);
    assert_eq!(paper.license, None);
    assert_eq!(paper.submitter.as_deref(), Some("Pavel Nadolsky"));
    assert_eq!(
        paper.abstract_text,
        "A fully differential calculation in perturbative quantum chromodynamics is presented \
         for the production of massive photon pairs.\n\nSecond paragraph."
    );
}

#[test]
fn kaggle_without_parsed_authors_splits_the_string() {
    let line = KAGGLE.replace(r#""authors_parsed":"#, r#""authors_parsed_gone":"#);
    let (records, issues) = parse_bytes(line.as_bytes());
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(
        records[0].paper.authors,
        [r"C. Bal\'azs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    );
}

#[test]
fn own_export_round_trips() {
    let mut paper = Paper::new(ArxivId::parse("2404.01234").unwrap());
    paper.title = "A <script>alert(1)</script> title".into();
    paper.abstract_text = "First.\n\nSecond.".into();
    paper.authors = vec!["Ann Lee".into()];
    paper.categories = vec!["cs.LG".into()];
    paper.version = Some(2);
    paper.versions = vec![PaperVersion {
        version: 2,
        submitted: utc("2024-04-03T10:00:00Z"),
    }];
    paper.announced = NaiveDate::from_ymd_opt(2024, 4, 2);
    paper.as_of = utc("2024-04-05T00:00:00Z");
    paper.code_url = Some("https://github.com/a/b".into());
    let entry = DailyEntry {
        day: NaiveDate::from_ymd_opt(2024, 4, 3).unwrap(),
        upvotes: 12,
        comments: 2,
        submitted_by: Some("someone".into()),
        source: "hf".into(),
    };
    let document = PaperDocument::new(paper.clone(), vec![entry.clone()], 12);
    let line = serde_json::to_string(&document).unwrap();
    let (records, issues) = parse_bytes(format!("{line}\n{line}\n").as_bytes());
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].paper, paper);
    assert_eq!(records[0].daily, [entry]);
}

#[test]
fn bad_lines_are_reported_by_number_and_skipped() {
    let input = [
        "",
        r#"{"id": "2601.00001", "title": "Good", "summary": "S"}"#,
        "   ",
        r#"{"title": "No id", "summary": "S"}"#,
        r#"{"id": 5, "title": "Wrong type", "summary": "S"}"#,
        r#"{"id": "2601.00002", "summary": "No title"}"#,
        r#"{"id": "2601.00003", "authors": "not a list", "title": "T", "summary": "S"}"#,
        r#"[1, 2]"#,
        r#"{"id": "2601.00004", "title": "Unknown dialect"}"#,
        r#"{"id": "2601.00005", "title": "Truncated"#,
        r#"{"id": "banana", "title": "Bad id", "summary": "S"}"#,
        r#"{"id": "2601.00006", "title": "Good too", "summary": "S"}"#,
    ]
    .join("\n");
    let (records, issues) = parse_bytes(input.as_bytes());
    assert_eq!(records.len(), 2);
    let described: Vec<String> = issues
        .iter()
        .map(|i| format!("{}: {}", i.record.as_deref().unwrap_or("-"), i.message))
        .collect();
    assert_eq!(described.len(), 8, "{described:#?}");
    assert_eq!(described[0], "line 4: missing field `id` (column 34)");
    assert!(described[1].starts_with("line 5: invalid type: integer `5`, expected a string (column"));
    assert_eq!(described[2], "line 6: paper 2601.00002: missing title");
    assert!(
        described[3].starts_with("line 7: invalid type: string"),
        "{}",
        described[3]
    );
    assert_eq!(described[4], "line 8: expected a JSON object");
    assert!(described[5].starts_with("line 9: not a known kind of record"));
    assert!(
        described[6].starts_with("line 10: EOF while parsing"),
        "{}",
        described[6]
    );
    assert!(described[7].starts_with("line 11: \"banana\" is not an arXiv id"));
    assert!(issues.iter().all(|i| i.kind == IssueKind::Record));
}

#[test]
fn invalid_utf8_rejects_only_its_line() {
    let mut input = br#"{"id": "2601.00001", "title": "Caf"#.to_vec();
    input.extend_from_slice(b"\xe9\", \"summary\": \"S\"}\r\n");
    input.extend_from_slice(br#"{"id": "2601.00002", "title": "Fine", "summary": "S"}"#);
    let (records, issues) = parse_bytes(&input);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].paper.title, "Fine");
    assert_eq!(issues[0].record.as_deref(), Some("line 1"));
    assert_eq!(issues[0].message, "invalid UTF-8 at byte 35");
}

#[test]
fn overlong_line_is_skipped_without_buffering_it() {
    let mut input = br#"{"id": "2601.00001", "title": ""#.to_vec();
    input.resize(input.len() + MAX_LINE_BYTES + 10, b'x');
    input.extend_from_slice(b"\"}\n");
    input.extend_from_slice(br#"{"id": "2601.00002", "title": "After", "summary": "S"}"#);
    let mut parser = JsonlParser::new(BufReader::new(&input[..]), SourceContext::default());
    let first = parser.next().unwrap().unwrap_err();
    assert_eq!(first.record.as_deref(), Some("line 1"));
    assert!(first.message.contains("longer than 16 MiB"));
    assert!(parser.line.capacity() < MAX_LINE_BYTES);
    let second = parser.next().unwrap().unwrap();
    assert_eq!(second.paper.title, "After");
    assert!(parser.next().is_none());
}

#[test]
fn huge_fields_are_capped_with_a_warning() {
    let line = format!(
        r#"{{"id": "2601.00001", "title": "T", "summary": "{}", "authors": ["{}"]}}"#,
        "a".repeat(12_000),
        "b".repeat(400)
    );
    let (records, _) = parse_bytes(line.as_bytes());
    assert_eq!(records[0].paper.abstract_text.len(), 10_000);
    assert_eq!(records[0].warnings.len(), 2, "{:?}", records[0].warnings);
}

#[test]
fn corrupt_gzip_is_one_fatal_issue() {
    let Some(dir) = test_data::dir() else { return };
    let compressed = std::fs::read(dir.join("arxiv-listings/2026-01-02.jsonl.gz")).unwrap();
    let cut = &compressed[..compressed.len() / 2];
    let input = BufReader::new(GzDecoder::new(cut));
    let (records, issues) = test_data::split(JsonlParser::new(input, listing_context("2026-01-02")));
    assert!(!records.is_empty());
    let fatal: Vec<_> = issues.iter().filter(|i| i.kind == IssueKind::Fatal).collect();
    assert_eq!(fatal.len(), 1, "{issues:?}");
    assert!(
        fatal[0].message.starts_with("could not read line"),
        "{}",
        fatal[0].message
    );
    assert_eq!(issues.last().unwrap().kind, IssueKind::Fatal);
}

/// Throughput on every real listing day; run with
/// `cargo test --release -p paperboy-ingest -- --ignored --nocapture jsonl_throughput`.
#[test]
#[ignore = "benchmark"]
fn jsonl_throughput() {
    let Some(dir) = test_data::dir() else { return };
    let mut text = Vec::new();
    for entry in glob::glob(&format!("{}/arxiv-listings/*.jsonl.gz", dir.display())).unwrap() {
        GzDecoder::new(std::fs::File::open(entry.unwrap()).unwrap())
            .read_to_end(&mut text)
            .unwrap();
    }
    let started = std::time::Instant::now();
    let (records, issues) = test_data::split(JsonlParser::new(&text[..], listing_context("2026-01-02")));
    let seconds = started.elapsed().as_secs_f64();
    assert!(issues.is_empty());
    eprintln!(
        "{} records, {:.1} MB in {seconds:.2} s: {:.0} records/s",
        records.len(),
        text.len() as f64 / 1e6,
        records.len() as f64 / seconds
    );
}
