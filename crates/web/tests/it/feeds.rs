//! Atom feeds over HTTP, on real data: well-formed, with the right content type and entries.

use crate::support;

use quick_xml::events::Event;
use support::{server, top_paper};

/// Parses `xml` whole (panicking on any well-formedness error) and returns the entries' ids.
fn entry_ids(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut ids, mut path) = (Vec::new(), Vec::<String>::new());
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed XML ({e}): {xml}"))
        {
            Event::Start(e) => path.push(e.local_name().into_inner().to_string()),
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) if path.ends_with(&["entry".to_string(), "id".to_string()]) => {
                ids.push(t.xml10_content().into_owned());
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty(), "every element closed");
    ids
}

#[test]
fn daily_trending_and_search_feeds_are_well_formed_atom() {
    let Some((server, raw)) = server() else { return };
    let (top_id, title) = top_paper(&raw);
    let daily = server.get("/feeds/daily.atom?date=2026-05-01");
    assert_eq!(daily.status, 200);
    assert_eq!(daily.content_type, "application/atom+xml; charset=utf-8");
    assert!(daily.body.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
    let ids = entry_ids(&daily.body);
    assert_eq!(ids.len(), raw.as_array().unwrap().len());
    assert_eq!(ids[0], format!("https://arxiv.org/abs/{top_id}"), "most upvoted first");

    let latest = entry_ids(&server.get("/feeds/daily.atom").body);
    assert_eq!(latest.len(), 13, "the latest day (4 May) by default");

    let trending = server.get("/feeds/trending.atom?days=3");
    assert_eq!(trending.status, 200);
    assert!(!entry_ids(&trending.body).is_empty());

    let words: Vec<&str> = title.split_whitespace().take(5).collect();
    let q = words.join("+").replace(['"', '&', '#', '?'], "");
    let search = server.get(&format!("/feeds/search.atom?q={q}"));
    assert_eq!(search.status, 200, "{}", search.body);
    assert!(entry_ids(&search.body).contains(&format!("https://arxiv.org/abs/{top_id}")));

    let hostile = server.get("/feeds/search.atom?q=%3C%2Ftitle%3E%26%3Cscript%3E%22");
    assert_eq!(hostile.status, 200);
    entry_ids(&hostile.body);
    assert!(!hostile.body.contains("<script>"));
}

#[test]
fn feeds_refuse_bad_input_and_pages_link_them() {
    let Some((server, _)) = server() else { return };
    assert_eq!(server.get("/feeds/daily.atom?date=May").status, 400);
    assert_eq!(server.get("/feeds/trending.atom?days=0").status, 400);
    assert_eq!(server.get("/feeds/search.atom").status, 400);
    assert_eq!(server.get("/feeds/search.atom?q=x&from=never").status, 400);

    let day = server.get("/date/2026-05-01");
    assert!(day
        .body
        .contains("<link rel=\"alternate\" type=\"application/atom+xml\""));
    assert!(day.body.contains("href=\"/feeds/daily.atom?date=2026-05-01\""));
    assert!(server
        .get("/trending")
        .body
        .contains("href=\"/feeds/trending.atom?days=7\""));
    assert!(server
        .get("/search?q=diffusion+models")
        .body
        .contains("href=\"/feeds/search.atom?q=diffusion+models\""));
}

#[test]
fn feeds_give_tex_as_readable_text_and_as_mathml() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2026-05-01.jsonl");
    let line = serde_json::json!({
        "id": "2605.00002", "categories": ["cs.LG"], "authors": ["A. Author"],
        "title": "Scaling $\\alpha$-divergences \\emph{fast}",
        "summary": "We bound $\\sum_i x_i^2$ by \\(\\beta\\), not $</math><script>alert(1)</script>$ \\href{javascript:alert(1)}{x}.",
        "abs": "a", "pdf": "p", "comment": null
    });
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let server = support::TestServer::with_data(&[file]);

    let atom = server.get("/feeds/search.atom?q=divergences");
    assert_eq!(entry_ids(&atom.body).len(), 1, "{}", atom.body);
    assert!(
        atom.body
            .contains("<title type=\"text\">Scaling α-divergences fast</title>"),
        "{}",
        atom.body
    );
    assert!(
        atom.body.contains("by β, not"),
        "the summary is readable: {}",
        atom.body
    );
    assert!(
        atom.body.contains("<content type=\"html\">&lt;p&gt;We bound &lt;math"),
        "{}",
        atom.body
    );
    assert!(
        !atom.body.contains("<script") && !atom.body.contains("<math"),
        "{}",
        atom.body
    );

    let json = server.get("/feeds/search.json?q=divergences").json();
    let item = &json["items"][0];
    assert_eq!(item["title"], "Scaling α-divergences fast");
    assert!(
        item["content_text"].as_str().unwrap().starts_with("We bound ∑"),
        "{item}"
    );
    let html = item["content_html"].as_str().unwrap();
    assert!(html.starts_with("<p>We bound <math") && html.contains("β"), "{html}");
    assert!(!html.contains("<script") && !html.contains("href="), "{html}");
}
