use chrono::{DateTime, Utc};

use super::*;
use crate::formats::test_data;

fn parse_bytes(xml: &[u8]) -> (Vec<IncomingRecord>, Vec<ParseIssue>, Option<ResumptionToken>) {
    let mut parser = OaiParser::new(xml, SourceContext::default());
    let (records, issues) = test_data::split(&mut parser);
    (records, issues, parser.resumption_token())
}

/// A `ListRecords` response around `records`.
fn list(records: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
  <responseDate>2026-01-07T10:00:00Z</responseDate>
  <request verb="ListRecords">http://export.arxiv.org/oai2</request>
  <ListRecords>{records}</ListRecords>
</OAI-PMH>"#
    )
}

fn raw_record(id: &str, title: &str) -> String {
    format!(
        r#"<record><header><identifier>oai:arXiv.org:{id}</identifier><datestamp>2026-01-06</datestamp></header>
<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>{id}</id>
<version version="v1"><date>Mon, 5 Jan 2026 10:00:00 GMT</date></version>
<title>{title}</title><authors>A. Author and B. Author</authors><categories>cs.LG</categories>
<abstract>Text.</abstract></arXivRaw></metadata></record>"#
    )
}

fn utc(text: &str) -> Option<DateTime<Utc>> {
    Some(text.parse().unwrap())
}

#[test]
fn list_records_sample_reads_every_record() {
    let Some(input) = test_data::open("samples/arxiv-oai-pmh-ListRecords-arXivRaw-2016-10-21.xml") else {
        return;
    };
    let mut parser = OaiParser::new(input, SourceContext::default());
    let (records, issues) = test_data::split(&mut parser);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(records.len(), 387);
    assert_eq!(
        parser.resumption_token(),
        Some(ResumptionToken {
            token: "1403493|1001".into(),
            cursor: Some(0),
            complete_list_size: Some(1440),
        })
    );

    let first = &records[0].paper;
    assert_eq!(first.id.as_str(), "0803.4354");
    assert_eq!(first.versions.len(), 6);
    assert_eq!(first.version, Some(6));
    assert_eq!(first.versions[0].submitted, utc("2008-03-30T23:26:50Z"));
    assert_eq!(first.published, utc("2008-03-30T23:26:50Z"));
    assert_eq!(first.updated, utc("2016-10-20T16:58:38Z"));
    assert_eq!(first.as_of, utc("2016-10-21T00:00:00Z"));
    assert_eq!(
        first.title,
        "A O(n^8) X O(n^7) Linear Programming Model of the Traveling Salesman Problem"
    );
    assert_eq!(first.authors, ["Moustapha Diaby"]);
    assert_eq!(first.submitter.as_deref(), Some("Moustapha Diaby"));
    assert_eq!(first.categories, ["cs.DM"]);
    assert!(first
        .abstract_text
        .starts_with("In this paper, we present a new linear"));
    assert!(!first.abstract_text.contains('\n'));
    assert_eq!(first.announced, None);

    let with_doi = records.iter().find(|r| r.paper.id.as_str() == "1007.2706").unwrap();
    assert_eq!(with_doi.paper.doi.as_deref(), Some("10.1017/S0004972714000355"));
    assert_eq!(
        with_doi.paper.journal_ref.as_deref(),
        Some("Bull. Aust. Math. Soc. 90 (2014), no. 3, 404-417")
    );
    assert_eq!(with_doi.paper.as_of, utc("2016-10-20T00:00:00Z"));

    let last = &records[386].paper;
    assert_eq!(last.id.as_str(), "1606.07946");
    assert!(last.abstract_text.contains(r"$\sqrt{c (\varphi ) \log n}$"));
}

#[test]
fn get_record_sample() {
    let Some(input) = test_data::open("samples/arxiv-oai-pmh-GetRecord-arXivRaw-2016-10-21.xml") else {
        return;
    };
    let mut parser = OaiParser::new(input, SourceContext::default());
    let (records, issues) = test_data::split(&mut parser);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(parser.resumption_token(), None);
    let [record] = &records[..] else {
        panic!("expected one record, got {}", records.len());
    };
    let paper = &record.paper;
    assert_eq!(paper.id.as_str(), "0804.2273");
    assert_eq!(paper.title, "Object Re-Use & Exchange: A Resource-Centric Approach");
    assert_eq!(paper.authors.len(), 6);
    assert_eq!(paper.authors[4], "Robert Sanderson");
    assert_eq!(paper.categories, ["cs.DL", "cs.NI"]);
    assert_eq!(paper.version, Some(1));
    assert_eq!(
        paper.license.as_deref(),
        Some("http://creativecommons.org/licenses/by/3.0/")
    );
}

#[test]
fn arxiv_metadata_format() {
    let xml = list(
        r#"<record><header><identifier>oai:arXiv.org:0704.0001</identifier><datestamp>2008-11-13</datestamp></header>
<metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>0704.0001</id><created>2007-04-02</created><updated>2008-11-13</updated>
<authors><author><keyname>Bal&#225;zs</keyname><forenames>C.</forenames></author>
<author><keyname>Berger</keyname><forenames>E. L.</forenames><suffix>Jr</suffix><affiliation>ANL</affiliation></author></authors>
<title>Calculation of prompt diphoton production</title><categories>hep-ph</categories>
<comments>37 pages</comments><journal-ref>Phys.Rev.D76:013009,2007</journal-ref><doi>10.1103/PhysRevD.76.013009</doi>
<abstract>  A fully differential calculation.</abstract></arXiv></metadata></record>"#,
    );
    let (records, issues, _) = parse_bytes(xml.as_bytes());
    assert!(issues.is_empty(), "{issues:?}");
    let paper = &records[0].paper;
    assert_eq!(paper.authors, ["C. Balázs", "E. L. Berger Jr"]);
    assert_eq!(paper.published, utc("2007-04-02T00:00:00Z"));
    assert_eq!(paper.updated, utc("2008-11-13T00:00:00Z"));
    assert_eq!(paper.version, None);
    assert!(paper.versions.is_empty());
    assert_eq!(paper.abstract_text, "A fully differential calculation.");
    assert_eq!(paper.doi.as_deref(), Some("10.1103/PhysRevD.76.013009"));
}

#[test]
fn dublin_core_metadata_format() {
    let xml = list(
        r#"<record><header><identifier>oai:arXiv.org:0803.4354</identifier><datestamp>2016-10-21</datestamp></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>A O(n^8) X O(n^7) Linear Programming Model</dc:title>
<dc:creator>Diaby, Moustapha</dc:creator><dc:creator>Karwan, M. H.</dc:creator>
<dc:subject>Computer Science - Discrete Mathematics</dc:subject><dc:subject>cs.DM</dc:subject>
<dc:description>In this paper, we present a model.</dc:description>
<dc:description>Comment: 30 pages</dc:description>
<dc:date>2008-03-30</dc:date><dc:date>2016-10-20</dc:date>
<dc:type>text</dc:type><dc:identifier>http://arxiv.org/abs/0803.4354</dc:identifier>
</oai_dc:dc></metadata></record>"#,
    );
    let (records, issues, _) = parse_bytes(xml.as_bytes());
    assert!(issues.is_empty(), "{issues:?}");
    let paper = &records[0].paper;
    assert_eq!(paper.id.as_str(), "0803.4354");
    assert_eq!(paper.authors, ["Moustapha Diaby", "M. H. Karwan"]);
    assert_eq!(paper.categories, ["cs.DM"]);
    assert_eq!(paper.abstract_text, "In this paper, we present a model.");
    assert_eq!(paper.comment.as_deref(), Some("30 pages"));
    assert_eq!(paper.published, utc("2008-03-30T00:00:00Z"));
    assert_eq!(paper.updated, utc("2016-10-20T00:00:00Z"));
}

#[test]
fn deleted_records_are_skipped_silently() {
    let xml = list(&format!(
        r#"<record><header status="deleted"><identifier>oai:arXiv.org:1001.0001</identifier>
<datestamp>2026-01-06</datestamp></header></record>{}"#,
        raw_record("2601.00002", "Kept")
    ));
    let (records, issues, _) = parse_bytes(xml.as_bytes());
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].paper.title, "Kept");
}

#[test]
fn oai_error_responses_end_the_parse() {
    for (code, text) in [
        ("noRecordsMatch", "No records match the request"),
        (
            "badResumptionToken",
            "The value of the resumptionToken argument is invalid or expired.",
        ),
    ] {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-01-07T10:00:00Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request><error code="{code}">{text}</error></OAI-PMH>"#
        );
        let (records, issues, token) = parse_bytes(xml.as_bytes());
        assert!(records.is_empty());
        assert_eq!(token, None);
        assert_eq!(
            issues,
            [ParseIssue {
                record: None,
                message: format!("OAI-PMH error {code}: {text}"),
                kind: IssueKind::OaiError { code: code.into() },
            }]
        );
    }
}

#[test]
fn empty_resumption_token_means_the_list_is_complete() {
    let xml = list(&format!(
        r#"{}<resumptionToken cursor="1000" completeListSize="1001"/>"#,
        raw_record("2601.00001", "T")
    ));
    let (records, _, token) = parse_bytes(xml.as_bytes());
    assert_eq!(records.len(), 1);
    let token = token.unwrap();
    assert_eq!(token.token, "");
    assert_eq!(token.cursor, Some(1000));
}

#[test]
fn bad_records_are_reported_and_parsing_goes_on() {
    let no_id = r#"<record><header><identifier></identifier><datestamp>2026-01-06</datestamp></header>
<metadata><arXivRaw><title>No id</title></arXivRaw></metadata></record>"#;
    let bad_id = raw_record("not-an-id", "Bad id");
    let no_title = raw_record("2601.00003", " ");
    let xml = list(&format!(
        "{no_id}{bad_id}{no_title}{}",
        raw_record("2601.00004", "Good")
    ));
    let (records, issues, _) = parse_bytes(xml.as_bytes());
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].paper.authors, ["A. Author", "B. Author"]);
    let described: Vec<String> = issues
        .iter()
        .map(|i| format!("{}: {}", i.record.as_deref().unwrap_or("-"), i.message))
        .collect();
    assert_eq!(described[0], "record 1 (line 5): missing <id>");
    assert!(
        described[1].starts_with("record 2 (oai:arXiv.org:not-an-id): \"not-an-id\" is not an arXiv id"),
        "{}",
        described[1]
    );
    assert_eq!(described[2], "record 3 (oai:arXiv.org:2601.00003): missing <title>");
    assert!(issues.iter().all(|i| i.kind == IssueKind::Record));
}

#[test]
fn markup_in_titles_is_kept_as_text() {
    let xml = list(&raw_record(
        "2601.00001",
        "&lt;script&gt;alert(1)&lt;/script&gt; <![CDATA[<b>bold</b>]]> $\\alpha$",
    ));
    let (records, issues, _) = parse_bytes(xml.as_bytes());
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(
        records[0].paper.title,
        "<script>alert(1)</script> <b>bold</b> $\\alpha$"
    );
}

#[test]
fn truncated_response_keeps_complete_records_then_fails() {
    let Some(dir) = test_data::dir() else { return };
    let full = std::fs::read(dir.join("samples/arxiv-oai-pmh-ListRecords-arXivRaw-2016-10-21.xml")).unwrap();
    let (records, issues, token) = parse_bytes(&full[..full.len() / 2]);
    assert!(records.len() > 100 && records.len() < 387, "{}", records.len());
    let [issue] = &issues[..] else {
        panic!("expected one fatal issue, got {issues:?}");
    };
    assert_eq!(issue.kind, IssueKind::Fatal);
    assert!(issue.message.contains("truncated"), "{}", issue.message);
    assert_eq!(token, None);
}

#[test]
fn syntax_error_is_one_fatal_issue() {
    let xml = list(&format!("{}<record><header>", raw_record("2601.00001", "T"))).replace("</ListRecords>", "</Oops>");
    let (records, issues, _) = parse_bytes(xml.as_bytes());
    assert_eq!(records.len(), 1);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].kind, IssueKind::Fatal);
}

#[test]
fn invalid_utf8_rejects_one_record() {
    let mut xml = list(&format!(
        "{}{}",
        raw_record("2601.00001", "BAD"),
        raw_record("2601.00002", "Fine")
    ))
    .into_bytes();
    let at = xml.windows(3).position(|w| w == b"BAD").unwrap();
    xml[at] = 0xff;
    let (records, issues, _) = parse_bytes(&xml);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].paper.title, "Fine");
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].record.as_deref(), Some("record 1 (oai:arXiv.org:2601.00001)"));
    assert!(issues[0].message.contains("invalid UTF-8"));
}

#[test]
fn huge_fields_are_capped_with_a_warning() {
    let huge = "word ".repeat(5_000);
    let xml = list(&raw_record("2601.00001", &huge));
    let (records, issues, _) = parse_bytes(xml.as_bytes());
    assert!(issues.is_empty());
    let record = &records[0];
    assert_eq!(
        record.paper.title.chars().count(),
        paperboy_domain::limits::MAX_TITLE_CHARS
    );
    assert!(
        record.warnings.iter().any(|w| w.contains("title cut")),
        "{:?}",
        record.warnings
    );
}

#[test]
fn not_an_oai_response() {
    let (_, issues, _) = parse_bytes(b"<feed xmlns=\"http://www.w3.org/2005/Atom\"></feed>");
    assert_eq!(issues.len(), 1);
    assert!(issues[0].message.contains("expected a <OAI-PMH> document"));
}
