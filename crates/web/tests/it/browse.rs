//! Trending, week and month pages, and author pages over HTTP, on real data.

use crate::support;

use paperboy_store::Page;
use support::{server, shared_data, top_paper};

/// The most upvoted paper of a Hugging Face daily file in the shared data.
fn top_of(day: &str) -> String {
    let path = shared_data().unwrap().join(format!("hf-daily/{day}.json"));
    let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    top_paper(&raw).0
}

/// The offset in `body` of the first link to a paper page, and of the link to `id`.
fn first_paper_link(body: &str) -> &str {
    let start = body.find("href=\"/papers/").expect("a paper link") + "href=\"/papers/".len();
    let end = start + body[start..].find('"').unwrap();
    &body[start..end]
}

fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn trending_ranks_the_latest_window_and_says_it_fell_back() {
    let Some((server, _)) = server() else { return };
    // The shared data ends in May 2026, long before "now": trending falls back to it.
    let api = server.get("/api/trending");
    assert_eq!(api.status, 200, "{}", api.body);
    assert!(api.content_type.starts_with("application/json"));
    let json = api.json();
    assert_eq!(json["fallback"], true);
    assert_eq!(json["until"], "2026-05-04");
    assert_eq!(json["days"], 7);
    assert!(json["formula"].as_str().unwrap().contains("log10"));
    let papers = json["papers"].as_array().unwrap();
    assert_eq!(papers.len(), 9 + 16 + 13, "every listed paper of the three days, once");
    let scores: Vec<f64> = papers.iter().map(|p| p["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "hottest first: {scores:?}");
    assert_eq!(papers[0]["rank"], 1);
    assert!(papers[0]["paper"]["title"].is_string());

    // Within one day every paper is the same age, so the order is the upvote order.
    let one_day = server.get("/api/trending?days=1&limit=3").json();
    let papers = one_day["papers"].as_array().unwrap();
    assert_eq!(papers.len(), 3);
    assert!(papers.iter().all(|p| p["day"] == "2026-05-04"));
    assert_eq!(papers[0]["paper"]["id"], top_of("2026-05-04").as_str());

    let page = server.get("/trending");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("How trending works"));
    assert!(page.body.contains("log10"), "the formula is on the page");
    assert!(
        page.body.contains("No daily lists in the last 7 days"),
        "the fallback is said"
    );
    assert_eq!(
        first_paper_link(&page.body),
        json["papers"][0]["paper"]["id"].as_str().unwrap(),
        "the page and the API agree"
    );
    let second = server.get("/trending?page=2");
    assert_eq!(second.status, 200);
    assert!(second.body.contains("start=\"31\""), "ranks continue on page 2");
}

#[test]
fn trending_refuses_bad_windows_and_pages() {
    let Some((server, _)) = server() else { return };
    for path in [
        "/trending?days=0",
        "/trending?days=91",
        "/trending?days=week",
        "/trending?page=x",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 400, "{path}");
        assert!(reply.body.contains("is not a number"), "{path}: {}", reply.body);
    }
    let reply = server.get("/api/trending?days=1000");
    assert_eq!(reply.json()["status"], 400);
    assert_eq!(server.get("/api/trending?limit=0").json()["status"], 400);
}

#[test]
fn week_and_month_pages_list_their_days_most_upvoted_first() {
    let Some((server, _)) = server() else { return };
    // Week 18 of 2026 is 27 April – 3 May: the lists of 30 April and 1 May.
    let week = server.get("/week/2026-W18");
    assert_eq!(week.status, 200, "{}", week.body);
    assert!(week.body.contains("25 papers"), "9 + 16 papers");
    assert_eq!(
        first_paper_link(&week.body),
        top_of("2026-05-01"),
        "124 upvotes beat 69"
    );
    assert!(week.body.contains("rel=\"next\" href=\"/week/2026-W19\""));
    assert!(!week.body.contains("rel=\"prev\""), "no earlier lists");

    let next = server.get("/week/2026-W19");
    assert_eq!(next.status, 200);
    assert_eq!(first_paper_link(&next.body), top_of("2026-05-04"));
    assert!(next.body.contains("rel=\"prev\" href=\"/week/2026-W18\""));

    let may = server.get("/month/2026-05");
    assert_eq!(may.status, 200);
    assert!(may.body.contains("May 2026"));
    assert!(may.body.contains("29 papers"), "16 + 13 papers");
    assert!(may.body.contains("rel=\"prev\" href=\"/month/2026-04\""));
    assert!(!may.body.contains("?page=2"), "29 papers fit on one page");
    let past_the_end = server.get("/month/2026-05?page=2");
    assert_eq!(past_the_end.status, 200);
    assert!(past_the_end.body.contains("No papers on this page"));

    let empty = server.get("/month/2026-03");
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("No papers were on the daily lists"));
    assert!(empty.body.contains("rel=\"next\" href=\"/month/2026-04\""));

    let day = server.get("/date/2026-05-01");
    assert!(day.body.contains("href=\"/week/2026-W18\""), "the day links its week");
    assert!(day.body.contains("href=\"/month/2026-05\""), "and its month");
}

#[test]
fn bad_weeks_and_months_get_clear_errors() {
    let Some((server, _)) = server() else { return };
    for (path, status, words) in [
        ("/week/2026-18", 400, "expected YYYY-Www"),
        ("/week/2026-W5", 400, "expected YYYY-Www"),
        ("/week/%3Cscript%3E", 400, "expected YYYY-Www"),
        ("/week/2025-W53", 404, "2025 has no week 53"),
        ("/week/1700-W01", 404, "there are no papers"),
        ("/month/2026-13", 400, "expected YYYY-MM"),
        ("/month/2026-5", 400, "expected YYYY-MM"),
        ("/month/1800-01", 404, "there are no papers"),
        ("/week/2026-W18?page=0", 400, "not a number"),
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
        assert!(reply.body.contains(words), "{path}: {}", reply.body);
        assert!(!reply.body.contains("<script>"), "{path}");
    }
}

#[test]
fn author_pages_list_an_authors_papers_newest_first() {
    let Some((server, raw)) = server() else { return };
    let (id, _) = top_paper(&raw);
    let doc = server.get(&format!("/api/papers/{id}")).json();
    let author = doc["authors"][0].as_str().unwrap().to_string();

    let paper = server.get(&format!("/papers/{id}"));
    let link = format!("href=\"/authors/{}\"", path_segment(&author));
    assert!(paper.body.contains(&link), "the paper page links {link}");

    let page = server.get(&format!("/authors/{}", path_segment(&author)));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("href=\"/papers/{id}\"")));
    let lower = server.get(&format!("/authors/{}", path_segment(&author.to_lowercase())));
    assert_eq!(lower.status, 200, "case-insensitive");

    // Exact names only: a prefix of the name finds nothing.
    let prefix: String = author.chars().take(author.chars().count() - 1).collect();
    let reply = server.get(&format!("/authors/{}", path_segment(&prefix)));
    assert_eq!(reply.status, 404, "{prefix}");
    assert!(reply.body.contains("No papers by"));

    // Through the store: newest first, each really by the author, pages that don't overlap.
    let all = server
        .store
        .papers_by_author("Hong Li", Page { offset: 0, limit: 1000 })
        .unwrap();
    assert!(!all.is_empty());
    assert!(all.iter().all(|d| d.paper.authors.iter().any(|a| a == "Hong Li")));
    assert!(all.windows(2).all(|w| w[0].paper.announced >= w[1].paper.announced));
    let second = server
        .store
        .papers_by_author("hong li", Page { offset: 1, limit: 1 })
        .unwrap();
    if all.len() > 1 {
        assert_eq!(second[0].paper.id, all[1].paper.id);
    }
}

#[test]
fn bad_author_names_get_clear_errors() {
    let Some((server, _)) = server() else { return };
    let hostile = server.get("/authors/%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    assert_eq!(hostile.status, 404);
    assert!(!hostile.body.contains("<script>alert"));
    assert!(hostile.body.contains("&lt;script&gt;") || hostile.body.contains("&#60;script&#62;"));
    let control = server.get("/authors/%01");
    assert_eq!(control.status, 400);
    assert!(control.body.contains("is not an author"));
    assert_eq!(server.get("/authors/Hong%20Li?page=abc").status, 400);
    assert_eq!(
        server.get("/authors/100%25%5F").status,
        404,
        "LIKE wildcards are literal"
    );
}

#[test]
fn openapi_documents_every_api_route() {
    let Some((server, _)) = server() else { return };
    let reply = server.get("/api/openapi.json");
    assert_eq!(reply.status, 200);
    assert!(reply.content_type.starts_with("application/json"));
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let documented = doc["paths"].as_object().unwrap();
    let routed: Vec<String> = paperboy_web::api_paths().map(|p| p.replace("{*", "{")).collect();
    for path in &routed {
        assert!(
            documented.contains_key(path),
            "{path} is routed but not in openapi.json"
        );
    }
    for path in documented.keys() {
        assert!(routed.contains(path), "{path} is documented but not routed");
    }
    let trending = doc["paths"]["/api/trending"]["get"]["description"].as_str().unwrap();
    assert!(trending.contains("log10"), "the formula is documented");
}

#[test]
fn paper_pages_show_similar_papers() {
    let Some((server, raw)) = server() else { return };
    let (id, _) = top_paper(&raw);
    let page = server.get(&format!("/papers/{id}"));
    let similar = page.body.find("Similar papers").expect("a similar-papers section");
    let links: Vec<&str> = page.body[similar..].split("href=\"/papers/").skip(1).collect();
    assert!(!links.is_empty(), "at least one similar paper");
    assert!(
        links.iter().all(|l| !l.starts_with(&format!("{id}\""))),
        "not the paper itself"
    );
}

#[test]
fn metrics_count_requests_by_route_and_report_sizes() {
    let Some((server, _)) = server() else { return };
    server.get("/date/2026-05-01");
    server.get("/date/2026-05-04");
    server.get("/no/such/page");
    let reply = server.get("/metrics");
    assert_eq!(reply.status, 200);
    assert!(reply.content_type.starts_with("text/plain; version=0.0.4"));
    let text = reply.body;
    assert!(
        text.contains("paperboy_http_requests_total{route=\"/date/{day}\",status=\"200\"} 2"),
        "{text}"
    );
    assert!(text.contains("paperboy_http_requests_total{route=\"unmatched\",status=\"404\"} 1"));
    assert!(text.contains("# TYPE paperboy_http_request_duration_seconds histogram"));
    assert!(text.contains("paperboy_http_request_duration_seconds_count{route=\"/date/{day}\"} 2"));
    let papers = server.get("/healthz").json()["papers"].as_u64().unwrap();
    assert!(text.contains(&format!("\npaperboy_papers {papers}\n")), "{text}");
    assert!(
        text.contains(&format!("\npaperboy_search_documents {papers}\n")),
        "{text}"
    );
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "a sample per line: {line}");
    }
}
