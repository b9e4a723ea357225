//! The reading side of the site over HTTP, on real data.

use crate::support;

use support::{server, top_paper, TestServer};

#[test]
fn daily_page_lists_the_day_by_upvotes_with_navigation() {
    let Some((server, raw)) = server() else { return };
    let page = server.get("/date/2026-05-01");
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    let (top_id, _) = top_paper(&raw);
    let first_card = page.body.find("class=\"card\"").unwrap();
    let top_link = format!("href=\"/papers/{top_id}\"");
    assert_eq!(
        page.body[first_card..].find("href=\"/papers/").unwrap(),
        page.body[first_card..].find(&top_link).unwrap(),
        "most upvoted first"
    );
    assert!(
        page.body.matches("class=\"card\"").count() >= raw.as_array().unwrap().len(),
        "every entry has a card"
    );
    assert!(page.body.contains("href=\"/date/2026-04-30\""), "previous day link");
    assert!(page.body.contains("href=\"/date/2026-05-04\""), "next day link");
    assert!(page.body.contains("New on arXiv"));

    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Monday, 4 May 2026"), "the latest day with a list");
}

#[test]
fn paper_page_shows_the_paper() {
    let Some((server, raw)) = server() else { return };
    let (id, title) = top_paper(&raw);
    let page = server.get(&format!("/papers/{id}"));
    assert_eq!(page.status, 200);
    let escaped_title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;");
    assert!(
        page.body.contains(&escaped_title) || page.body.contains(&title),
        "title shown"
    );
    assert!(page.body.contains(&format!("https://arxiv.org/pdf/{id}")));
    assert_eq!(
        server.get(&format!("/papers/arXiv:{id}v1")).status,
        200,
        "any id spelling works"
    );
}

#[test]
fn bad_requests_get_clear_errors_never_500() {
    let Some((server, _)) = server() else { return };
    for (path, status, words) in [
        ("/papers/2601.99999", 404, "No paper 2601.99999"),
        ("/papers/not-an-id", 400, "is not an arXiv id"),
        ("/date/2026-02-30", 400, "expected YYYY-MM-DD"),
        ("/date/yesterday", 400, "expected YYYY-MM-DD"),
        ("/date/2026-05-01?page=abc", 400, "not a number"),
        ("/date/2026-05-01?page=0", 400, "not a number"),
        ("/date/2026-05-01?category=%3Cscript%3E", 400, "not an arXiv category"),
        ("/no/such/page", 404, "There is no page"),
        ("/static/nothing.js", 404, "no file"),
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
        assert!(reply.body.contains(words), "{path}: {}", reply.body);
        assert!(!reply.body.contains("<script>"), "{path}: input echoed unescaped");
    }
}

#[test]
fn api_serves_papers_and_hugging_face_shaped_daily_lists() {
    let Some((server, raw)) = server() else { return };
    let list = server.get("/api/daily_papers?date=2026-05-01");
    assert_eq!(list.status, 200);
    assert!(list.content_type.starts_with("application/json"));
    let entries = list.json();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), raw.as_array().unwrap().len());
    let (top_id, top_title) = top_paper(&raw);
    assert_eq!(entries[0]["paper"]["id"], top_id.as_str());
    assert_eq!(entries[0]["paper"]["title"], top_title.as_str());
    assert!(entries[0]["paper"]["upvotes"].as_i64().unwrap() > 0);
    assert!(entries[0]["paper"]["authors"][0]["name"].is_string());
    assert!(entries[0]["numComments"].is_i64());

    let paper = server.get(&format!("/api/papers/{top_id}")).json();
    for key in [
        "id",
        "title",
        "abstract",
        "authors",
        "categories",
        "announced",
        "daily",
        "upvotes",
        "links",
    ] {
        assert!(paper.get(key).is_some(), "missing {key}");
    }
    let missing = server.get("/api/papers/2601.99999");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["status"], 404);
    assert_eq!(server.get("/api/daily_papers?date=nope").json()["status"], 400);
    assert_eq!(server.get("/healthz").json()["status"], "ok");
}

#[test]
fn hostile_text_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2026-05-01.jsonl");
    let line = serde_json::json!({
        "id": "2605.00001", "categories": ["cs.CR"], "authors": ["<img src=x onerror=alert(1)>"],
        "title": "<script>alert('xss')</script>", "summary": "</p><iframe src=javascript:alert(1)>", "abs": "a", "pdf": "p", "comment": null
    });
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let server = TestServer::with_data(&[file]);
    for path in ["/papers/2605.00001", "/date/2026-05-01"] {
        let page = server.get(path);
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains("<script>alert"), "{path}");
        assert!(!page.body.contains("<img src=x"), "{path}");
        assert!(!page.body.contains("<iframe"), "{path}");
        let shown_as_text = page.body.contains("&lt;script&gt;") || page.body.contains("&#60;script&#62;");
        assert!(shown_as_text, "{path}: the title is shown, as text");
    }
}

#[test]
fn search_page_finds_and_highlights() {
    let Some((server, raw)) = server() else { return };
    let (id, title) = top_paper(&raw);
    let first_words: Vec<&str> = title.split_whitespace().take(6).collect();
    let q = first_words.join("+").replace(['"', '&', '#', '?'], "");
    let page = server.get(&format!("/search?q={q}"));
    assert_eq!(page.status, 200, "{}", page.body);
    let first_result = page.body.find("class=\"result\"").expect("results listed");
    assert!(
        page.body[first_result..].find(&format!("/papers/{id}")).unwrap() < 400,
        "the paper comes first"
    );
    assert!(page.body.contains("<mark>"), "matches are highlighted");

    let empty = server.get("/search");
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("name=\"q\""));
    assert_eq!(server.get("/search?q=x&from=tomorrow").status, 400);
    let hostile = server.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E");
    assert_eq!(hostile.status, 200);
    assert!(!hostile.body.contains("<script>alert"));
}

#[test]
fn search_api_answers_json() {
    let Some((server, raw)) = server() else { return };
    let (id, _) = top_paper(&raw);
    let reply = server.get(&format!("/api/papers/search?q={id}&limit=5"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let json = reply.json();
    assert_eq!(json["query"], id.as_str());
    assert_eq!(json["results"][0]["id"], id.as_str());
    for key in ["mode", "took_ms", "results"] {
        assert!(json.get(key).is_some(), "{key}");
    }
    for key in ["id", "title", "score", "published"] {
        assert!(json["results"][0].get(key).is_some(), "{key}");
    }
    assert!(json["results"].as_array().unwrap().len() <= 5);
    assert_eq!(server.get("/api/papers/search?q=").json()["status"], 400);
    assert_eq!(server.get("/api/papers/search?q=x&limit=0").json()["status"], 400);
    assert_eq!(server.get("/api/papers/search?q=x&mode=magic").json()["status"], 400);
}

#[test]
fn tex_math_is_rendered_as_mathml_and_stays_safe() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2026-05-01.jsonl");
    let line = serde_json::json!({
        "id": "2605.00002", "categories": ["cs.LG"], "authors": ["A. Author"],
        "title": "Scaling $\\alpha$-divergences to $\\text{<script>alert(1)</script>}$",
        "summary": "We bound $\\sum_i x_i^2$ by \\(\\beta\\) and $</math><img src=x onerror=alert(1)>$.",
        "abs": "a", "pdf": "p", "comment": null
    });
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let server = TestServer::with_data(&[file]);
    for path in ["/papers/2605.00002", "/date/2026-05-01"] {
        let page = server.get(path);
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains("<math"), "{path}: math is rendered");
        assert!(page.body.contains("α"), "{path}: \\alpha becomes α");
        let main = &page.body[page.body.find("<main").unwrap()..];
        assert!(
            !main.contains("$\\alpha$"),
            "{path}: not shown raw (the <title> keeps the text)"
        );
        assert!(!page.body.contains("<script>alert"), "{path}");
        assert!(!page.body.contains("<img src=x"), "{path}");
    }
}

#[test]
fn an_imported_paper_shows_hugging_faces_ai_summary_labelled_and_escaped() {
    let Some((server, raw)) = server() else { return };
    let (id, _) = top_paper(&raw);
    let entry = raw
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["paper"]["id"] == id.as_str())
        .unwrap();
    let summary = entry["paper"]["ai_summary"]
        .as_str()
        .expect("the shared data has AI summaries");
    let keyword = entry["paper"]["ai_keywords"][0].as_str().unwrap();
    let page = server.get(&format!("/papers/{id}"));
    assert_eq!(page.status, 200);
    let section = page
        .body
        .find("AI summary from Hugging Face")
        .expect("the summary is labelled");
    let abstract_at = page.body.find("id=\"abstract-heading\"").unwrap();
    assert!(
        section > abstract_at,
        "shown after the authors' abstract, apart from it"
    );
    // The longest stretch free of characters that escaping changes appears as written.
    let plain: String = summary.chars().take_while(|c| !"&<>\"'".contains(*c)).collect();
    assert!(plain.len() >= 20, "{summary}");
    assert!(page.body[section..].contains(&plain), "the summary is shown");
    let keyword_plain: String = keyword.chars().take_while(|c| !"&<>\"'".contains(*c)).collect();
    assert!(page.body[section..].contains(&keyword_plain), "its keywords too");

    // Hostile text in a summary stays text.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2026-05-01.json");
    let list = serde_json::json!([{"paper": {
        "id": "2605.00001", "title": "T", "summary": "S", "authors": [{"name": "A"}],
        "submittedOnDailyAt": "2026-05-01T00:00:00Z", "upvotes": 1,
        "ai_summary": "</p><script>alert(1)</script>", "ai_keywords": ["<img src=x onerror=alert(1)>"]
    }}, {"paper": {
        "id": "2605.00002", "title": "U", "summary": "S", "authors": [{"name": "A"}],
        "submittedOnDailyAt": "2026-05-01T00:00:00Z", "upvotes": 1
    }}]);
    std::fs::write(&file, list.to_string()).unwrap();
    let hostile = TestServer::with_data(&[file]);
    let page = hostile.get("/papers/2605.00001");
    assert!(page.body.contains("AI summary from Hugging Face"));
    assert!(!page.body.contains("<script>alert"));
    assert!(!page.body.contains("<img src=x"));
    assert!(page.body.contains("&lt;script&gt;") || page.body.contains("&#60;script&#62;"));
    let without = hostile.get("/papers/2605.00002");
    assert_eq!(without.status, 200);
    assert!(
        !without.body.contains("AI summary"),
        "no empty section for a paper without one"
    );
}
