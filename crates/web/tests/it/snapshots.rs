//! Snapshots of key pages as a visitor gets them, rendered from the real data in
//! ../shared/data: a daily page, a paper page with TeX in its title and abstract (rendered as
//! MathML), and search results.
//!
//! A change to a template, to the math rendering or to what a page lists fails these tests
//! until the new snapshot is accepted. To review one: run `INSTA_UPDATE=always cargo test -p
//! paperboy-web --test it snapshots`, read `git diff crates/web/tests/it/snapshots/`, and commit the
//! files if the change is meant (or `git checkout` them if not). Without that variable a
//! mismatch writes a `.snap.new` file beside the snapshot (nothing at all under `CI=true`) and
//! fails. The pages are the same on both stores, so the suite's PostgreSQL run
//! (`PAPERBOY_TEST_STORE=postgres`) checks the same snapshots.
//!
//! What differs from one run to the next is replaced by a placeholder: CSRF tokens (a fresh one
//! per visitor), the search time in milliseconds, and the server's address.

use crate::support;

use support::{shared_data, TestServer};

/// Two Hugging Face days around 1 May 2026 and arXiv's announcements of 1 and 4 May (the
/// latter has a paper with TeX in both title and abstract); `None` without the shared data.
fn server() -> Option<TestServer> {
    let data = shared_data()?;
    Some(TestServer::with_data(&[
        data.join("hf-daily/2026-04-30.json"),
        data.join("hf-daily/2026-05-01.json"),
        data.join("hf-daily/2026-05-04.json"),
        data.join("arxiv-listings/2026-05-01.jsonl.gz"),
        data.join("arxiv-listings/2026-05-04.jsonl.gz"),
    ]))
}

/// The page at `path`, which must be a 200 HTML page, with what varies between runs replaced.
fn page(server: &TestServer, path: &str) -> String {
    let reply = server.get(path);
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    assert!(
        reply.content_type.starts_with("text/html"),
        "{path}: {}",
        reply.content_type
    );
    let body = redact(&reply.body, "name=\"csrf\" value=\"", "\"", "[csrf]", |token| {
        !token.contains('<')
    });
    let body = redact(&body, "<p class=\"meta\">", " ms</p>", "[took]", |ms| {
        !ms.is_empty() && ms.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    });
    body.replace(&server.base_url, "[server]")
}

/// Replaces each text between `before` and the next `after` that `is_value` accepts.
fn redact(html: &str, before: &str, after: &str, placeholder: &str, is_value: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(before) {
        let (head, tail) = rest.split_at(at + before.len());
        out.push_str(head);
        rest = tail;
        if let Some(end) = rest.find(after).filter(|end| is_value(&rest[..*end])) {
            out.push_str(placeholder);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn daily_page() {
    let Some(server) = server() else { return };
    insta::assert_snapshot!("daily_page", page(&server, "/date/2026-05-01"));
}

#[test]
fn paper_page_with_math() {
    let Some(server) = server() else { return };
    let html = page(&server, "/papers/2605.00268");
    assert!(html.contains("<math"), "the TeX is rendered");
    insta::assert_snapshot!("paper_page_with_math", html);
}

#[test]
fn search_results() {
    let Some(server) = server() else { return };
    let html = page(&server, "/search?q=%22Nash+equilibrium%22+games+-survey");
    assert!(html.contains("class=\"result\""), "results are listed");
    assert!(html.contains("[took]"), "the time is redacted");
    insta::assert_snapshot!("search_results", html);
}

#[test]
fn card_with_math() {
    let Some(server) = server() else { return };
    let html = page(&server, "/date/2026-05-04");
    let id = "/papers/2605.00268";
    let card = html
        .split("<article class=\"card\"")
        .skip(1)
        .find(|card| card.contains(id))
        .map(|card| {
            format!(
                "<article class=\"card\"{}",
                &card[..card.find("</article>").unwrap() + 10]
            )
        })
        .expect("the 4 May page lists the paper with TeX");
    assert!(card.contains("<math"), "the TeX is rendered: {card}");
    assert!(!card.contains('$'), "no raw TeX left: {card}");
    insta::assert_snapshot!("card_with_math", card);
}
