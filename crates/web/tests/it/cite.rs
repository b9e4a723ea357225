//! Citation exports and feeds as reference managers and feed readers read them: every export
//! is parsed by an independent parser (bibtexparser, rispy, feedparser in the project's venv,
//! installed by `scripts/setup-tests`), on real data plus one hostile paper.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::support::{shared_data, TestServer};

fn python() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/venv/bin/python"))
}

/// Runs `script` with `input` on stdin; what it prints is JSON.
pub(crate) fn parse_with(script: &str, input: &str) -> serde_json::Value {
    use std::io::Write;
    assert!(
        python().exists(),
        "the export tests need bibtexparser, rispy and feedparser: run scripts/setup-tests"
    );
    let mut child = Command::new(python())
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{input}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub(crate) const BIBTEX: &str = "
import sys, json, bibtexparser
from bibtexparser.bparser import BibTexParser
text = sys.stdin.read()
db = bibtexparser.loads(text, parser=BibTexParser(common_strings=True, ignore_nonstandard_types=False))
assert not db.comments, db.comments
print(json.dumps(db.entries))
";
pub(crate) const RIS: &str = "
import sys, json, rispy
print(json.dumps(rispy.loads(sys.stdin.read())))
";
const ATOM: &str = "
import sys, json, feedparser
feed = feedparser.parse(sys.stdin.read())
assert not feed.bozo, feed.bozo_exception
print(json.dumps([e.link for e in feed.entries]))
";

const HOSTILE_TITLE: &str = "Sparse <script>alert(1)</script> & 100% of $\\mathcal{O}(n_1)$ LLMs } for_all #1";

/// A server over 1 May 2026 (Hugging Face and arXiv) and one old-style paper with a hostile
/// title, a DOI and a journal reference.
fn server() -> Option<(TestServer, tempfile::TempDir)> {
    let data = shared_data()?;
    let dir = tempfile::tempdir().unwrap();
    let hostile = serde_json::json!({
        "id": "hep-th/9901001", "version": 2, "title": HOSTILE_TITLE,
        "abstract": "An </summary> abstract with {braces and $x^2$ & more.",
        "authors": ["Ludwig van Beethoven", "Jane Doe"], "categories": ["hep-th", "gr-qc"],
        "journal_ref": "Phys. Rev. D 60 (1999) 1", "doi": "10.1103/PhysRevD.60.1",
        "published": "1999-01-04T10:00:00Z", "announced": "1999-01-05", "upvotes": 0,
    });
    let file = dir.path().join("hostile.jsonl");
    std::fs::write(&file, format!("{hostile}\n")).unwrap();
    let server = TestServer::with_data(&[
        data.join("hf-daily/2026-05-01.json"),
        data.join("arxiv-listings/2026-05-01.jsonl.gz"),
        file,
    ]);
    Some((server, dir))
}

#[test]
fn a_paper_exports_as_bibtex_ris_and_csl_json() {
    let Some((server, _dir)) = server() else { return };
    let bib = server.get("/papers/hep-th/9901001.bib");
    assert_eq!(bib.status, 200, "{}", bib.body);
    assert_eq!(bib.content_type, "application/x-bibtex; charset=utf-8");
    assert_eq!(bib.disposition, "attachment; filename=\"hep-th_9901001.bib\"");
    let entries = parse_with(BIBTEX, &bib.body);
    let entry = &entries[0];
    assert_eq!(entry["ID"], "arxiv:hep-th/9901001");
    assert_eq!(entry["ENTRYTYPE"], "article");
    assert_eq!(entry["author"], "van Beethoven, Ludwig and Doe, Jane");
    assert_eq!(entry["eprint"], "hep-th/9901001");
    assert_eq!(entry["archiveprefix"], "arXiv");
    assert_eq!(entry["primaryclass"], "hep-th");
    assert_eq!(entry["doi"], "10.1103/PhysRevD.60.1");
    assert_eq!(entry["journal"], "Phys. Rev. D 60 (1999) 1");
    assert_eq!(entry["year"], "1999");
    assert_eq!(entry["month"], "January");
    let title = entry["title"].as_str().unwrap();
    assert!(title.contains("$\\mathcal{O}(n_1)$"), "math kept: {title}");
    assert!(title.contains("100\\% of") && title.contains("\\&") && title.contains("for\\_all \\#1"));
    assert!(title.contains("{LLMs}") && title.contains("\\textless{}script"));

    let ris = server.get("/papers/hep-th/9901001.ris");
    assert_eq!(ris.content_type, "application/x-research-info-systems; charset=utf-8");
    let records = parse_with(RIS, &ris.body);
    let record = &records[0];
    assert_eq!(record["type_of_reference"], "JOUR");
    assert_eq!(record["title"], HOSTILE_TITLE);
    assert_eq!(
        record["authors"],
        serde_json::json!(["van Beethoven, Ludwig", "Doe, Jane"])
    );
    assert_eq!(record["doi"], "10.1103/PhysRevD.60.1");
    assert_eq!(record["urls"][0], "https://arxiv.org/abs/hep-th/9901001");

    let csl = server.get("/papers/hep-th/9901001.json");
    assert_eq!(
        csl.content_type,
        "application/vnd.citationstyles.csl+json; charset=utf-8"
    );
    let item = &csl.json()[0];
    assert_eq!(item["type"], "article-journal");
    assert_eq!(item["title"], HOSTILE_TITLE);
    assert_eq!(item["author"][0]["family"], "van Beethoven");
    assert_eq!(item["issued"]["date-parts"][0][0], 1999);
    assert_eq!(item["DOI"], "10.1103/PhysRevD.60.1");

    let by_accept = server.get_with(
        "/papers/hep-th/9901001",
        &[("Accept", "application/vnd.citationstyles.csl+json")],
    );
    assert_eq!(by_accept.json()[0]["number"], "hep-th/9901001");
    assert_eq!(server.get("/papers/hep-th/9901001?format=ris").body, ris.body);
    assert_eq!(server.get("/papers/hep-th/9901001?format=docx").status, 400);

    let page = server.get("/papers/hep-th/9901001");
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(page
        .body
        .contains("<meta name=\"citation_author\" content=\"Ludwig van Beethoven\">"));
    assert!(page
        .body
        .contains("<meta name=\"citation_arxiv_id\" content=\"hep-th/9901001\">"));
    assert!(page
        .body
        .contains("<meta name=\"citation_doi\" content=\"10.1103/PhysRevD.60.1\">"));
    assert!(page
        .body
        .contains("<meta name=\"citation_publication_date\" content=\"1999/01/04\">"));
    assert!(
        !page.body.contains("<script>alert"),
        "the title is escaped in meta tags"
    );
}

#[test]
fn lists_export_what_they_show_and_never_mix_with_cached_pages() {
    let Some((server, _dir)) = server() else { return };
    let bibtex = [("Accept", "application/x-bibtex")];
    // The page first, so that it is cached; then the export at the same URL.
    let page = server.get("/date/2026-05-01");
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    let day = server.get_with("/date/2026-05-01", &bibtex);
    assert_eq!(day.content_type, "application/x-bibtex; charset=utf-8");
    assert_eq!(day.disposition, "attachment; filename=\"paperboy-2026-05-01.bib\"");
    let entries = parse_with(BIBTEX, &day.body);
    assert!(
        entries.as_array().unwrap().len() > 20,
        "{}",
        entries.as_array().unwrap().len()
    );
    assert!(entries
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["archiveprefix"] == "arXiv"));
    assert_eq!(server.get("/date/2026-05-01").content_type, "text/html; charset=utf-8");

    let week = parse_with(RIS, &server.get("/week/2026-W18?format=ris").body);
    assert!(!week.as_array().unwrap().is_empty());
    let month = server.get("/month/2026-05?format=csl-json").json();
    assert!(!month.as_array().unwrap().is_empty());
    let search = server.get("/search?q=hep-th%2F9901001&format=bibtex");
    assert_eq!(search.status, 200, "{}", search.body);
    let found = parse_with(BIBTEX, &search.body);
    assert!(found
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["ID"] == "arxiv:hep-th/9901001"));
    assert_eq!(server.get("/date/2026-05-01?format=endnote").status, 400);
}

#[test]
fn feeds_link_absolutely_and_have_json_twins() {
    let Some((server, _dir)) = server() else { return };
    let atom = server.get("/feeds/daily.atom?date=2026-05-01");
    let links = parse_with(ATOM, &atom.body);
    let links: Vec<&str> = links.as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(!links.is_empty());
    let base = &server.base_url;
    assert!(
        links.iter().all(|l| l.starts_with(&format!("{base}/papers/"))),
        "{links:?}"
    );

    for path in [
        "/feeds/daily.json?date=2026-05-01",
        "/feeds/trending.json?days=30",
        "/feeds/search.json?q=sparse",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert_eq!(reply.content_type, "application/feed+json; charset=utf-8");
        let feed = reply.json();
        assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(feed["feed_url"], format!("{base}{path}"));
        assert!(feed["home_page_url"].as_str().unwrap().starts_with(base.as_str()));
        for item in feed["items"].as_array().unwrap() {
            assert!(item["id"].as_str().unwrap().starts_with("https://arxiv.org/abs/"));
            assert!(item["url"].as_str().unwrap().starts_with(&format!("{base}/papers/")));
            assert!(item["title"].is_string() && item["content_text"].is_string());
        }
    }
    let day = server.get("/date/2026-05-01");
    assert!(day.body.contains(
        "<link rel=\"alternate\" type=\"application/feed+json\" title=\"Daily papers, 2026-05-01\" href=\"/feeds/daily.json?date=2026-05-01\">"
    ));
}

#[test]
fn a_readers_public_upvotes_export_and_private_ones_do_not() {
    let Some((server, _dir)) = server() else { return };
    let ana = crate::community::account(&server, "ana_l", false);
    let token = crate::community::api_token(&server, ana);
    let mut client = crate::community::bearer(&server, &token);
    assert_eq!(
        client.json("POST", "/api/papers/hep-th/9901001/upvote", None).status,
        200
    );
    // Upvotes are private by default: nothing to export, as the profile shows nothing.
    assert_eq!(server.get("/u/ana_l?format=bibtex").status, 404);
    server.store.set_votes_public(ana, true).unwrap();
    let exported = server.get("/u/ana_l?format=bibtex");
    assert_eq!(exported.status, 200, "{}", exported.body);
    let entries = parse_with(BIBTEX, &exported.body);
    let ids: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ID"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["arxiv:hep-th/9901001"]);
}

/// Every `<span class="Z3988">` of a page as Zotero's COinS translator reads it: the `title`
/// attribute, split at `&` and each value URL-decoded (Python's `html.parser` and
/// `urllib.parse`); and the page's `citation_title` meta tag, when it has one.
const COINS: &str = "
import sys, json
from html.parser import HTMLParser
from urllib.parse import parse_qs
class Page(HTMLParser):
    spans, meta_title = [], None
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'span' and attrs.get('class') == 'Z3988':
            self.spans.append(parse_qs(attrs['title'], keep_blank_values=True, strict_parsing=True))
        if tag == 'meta' and attrs.get('name') == 'citation_title':
            self.meta_title = attrs['content']
page = Page()
page.feed(sys.stdin.read())
print(json.dumps({'spans': page.spans, 'meta_title': page.meta_title}))
";

#[test]
fn list_pages_carry_coins_that_reference_managers_read() {
    let Some((server, _dir)) = server() else { return };
    // The hostile paper is the one announced on 5 January 1999.
    let day = server.get("/date/1999-01-05");
    assert_eq!(day.status, 200, "{}", day.body);
    assert!(!day.body.contains("<script>alert"), "the title stays escaped");
    let spans = parse_with(COINS, &day.body)["spans"].clone();
    let spans = spans.as_array().unwrap();
    assert_eq!(spans.len(), 1, "one span per card: {spans:?}");
    let coins = &spans[0];
    assert_eq!(coins["ctx_ver"], serde_json::json!(["Z39.88-2004"]));
    assert_eq!(coins["rft_val_fmt"], serde_json::json!(["info:ofi/fmt:kev:mtx:dc"]));
    assert_eq!(coins["rft.type"], serde_json::json!(["preprint"]));
    assert_eq!(
        coins["rft_id"],
        serde_json::json!([
            "info:arxiv/hep-th/9901001",
            "https://arxiv.org/abs/hep-th/9901001",
            "info:doi/10.1103/PhysRevD.60.1"
        ])
    );
    assert_eq!(
        coins["rft.creator"],
        serde_json::json!(["van Beethoven, Ludwig", "Doe, Jane"])
    );
    assert_eq!(coins["rft.date"], serde_json::json!(["1999-01-04"]));
    assert_eq!(coins["rft.subject"], serde_json::json!(["hep-th", "gr-qc"]));
    // The same plain-text title as the paper page's citation_title, from which Zotero saves
    // the paper itself.
    let paper = parse_with(COINS, &server.get("/papers/hep-th/9901001").body);
    let title = coins["rft.title"][0].as_str().unwrap();
    assert_eq!(title, paper["meta_title"].as_str().unwrap());
    assert!(
        title.starts_with("Sparse <script>alert(1)</script> & 100% of "),
        "{title}"
    );

    // Every card of a busy list, and every search result, has one.
    let daily = server.get("/date/2026-05-01");
    let cards = daily.body.matches("<article class=\"card\"").count();
    assert!(cards > 20, "{cards}");
    let spans = parse_with(COINS, &daily.body)["spans"].clone();
    assert_eq!(spans.as_array().unwrap().len(), cards);
    let search = parse_with(COINS, &server.get("/search?q=hep-th%2F9901001").body)["spans"].clone();
    assert!(search
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["rft_id"][0] == "info:arxiv/hep-th/9901001"));
}
