//! The reader's details over plain HTTP (no JavaScript): the theme kept in a cookie and painted
//! by the server, pages of long lists linked with rel=prev/next, the invitation to subscribe,
//! and "New" on papers added since the reader's previous visit. The same in a real browser:
//! `reading_browser`.

use std::collections::HashSet;

use chrono::{Duration, TimeZone, Utc};
use paperboy_store::{Frequency, SubscriberStatus};
use paperboy_testkit::SmtpSink;

use crate::community::{account, PASSWORD};
use crate::support::browser::Browser;
use crate::support::{server, shared_data, TestServer};

const INVITE: &str = "Get trending papers in your email inbox!";

/// The `<html …>` start tag of a page.
fn html_tag(body: &str) -> &str {
    let at = body.find("<html").expect("an <html> tag");
    &body[at..at + body[at..].find('>').unwrap() + 1]
}

/// The `href` of the `<a rel="{rel}">` inside the pager (`<nav class="pages">`).
fn pager_link(body: &str, rel: &str) -> Option<String> {
    let nav = &body[body.find("<nav class=\"pages\"")?..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    let start = format!("<a rel=\"{rel}\" href=\"");
    let at = nav.find(&start)? + start.len();
    Some(
        nav[at..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

/// What the pager says is shown ("31–60 of 75"), as (first, last, total).
fn pager_count(body: &str) -> (usize, usize, Option<usize>) {
    let at = body.find("<span class=\"shown\">").expect("a count") + 20;
    let text = &body[at..at + body[at..].find('<').unwrap()];
    let (range, total) = match text.split_once(" of ") {
        Some((range, total)) => (range, Some(total.parse().unwrap())),
        None => (text, None),
    };
    let (first, last) = range.split_once('–').unwrap();
    (first.parse().unwrap(), last.parse().unwrap(), total)
}

/// The ids of the papers whose cards are in `html`.
fn card_ids(html: &str) -> Vec<String> {
    html.match_indices("<article class=\"card\" aria-labelledby=\"t-")
        .map(|(at, m)| html[at + m.len()..].split('"').next().unwrap().to_string())
        .collect()
}

/// Follows rel=next from `start` to the end; every card's id, page by page.
fn walk_pages(browser: &mut Browser, start: &str, section: impl Fn(&str) -> &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut next = Some(start.to_string());
    while let Some(path) = next {
        let page = browser.get(&path);
        assert_eq!(page.status, 200, "{path}");
        pages.push(card_ids(section(&page.body)));
        if pages.len() > 1 {
            assert!(pager_link(&page.body, "prev").is_some(), "{path} links back");
        }
        next = pager_link(&page.body, "next");
        assert!(pages.len() < 100, "the pages end");
    }
    pages
}

#[test]
fn the_theme_is_kept_in_a_cookie_and_painted_by_the_server() {
    let Some((server, _)) = server() else { return };
    let mut reader = Browser::new(&server.base_url);
    let first = reader.get("/");
    assert_eq!(
        html_tag(&first.body),
        "<html lang=\"en\">",
        "no choice: the system's theme"
    );
    assert!(
        first.body.contains("value=\"auto\" aria-pressed=\"true\""),
        "Auto is the current choice"
    );

    let csrf = first.csrf();
    let chosen = reader.post(
        "/theme",
        &[("csrf", &csrf), ("theme", "dark"), ("next", "/trending?days=7")],
    );
    assert_eq!(chosen.status, 303);
    assert_eq!(chosen.location.as_deref(), Some("/trending?days=7"), "back to the page");
    assert!(
        chosen.set_cookies.iter().any(|c| c.starts_with("pb_theme=dark;")),
        "{:?}",
        chosen.set_cookies
    );
    let page = reader.get("/trending?days=7");
    assert_eq!(html_tag(&page.body), "<html lang=\"en\" data-theme=\"dark\">");
    assert!(page.body.contains("value=\"dark\" aria-pressed=\"true\""));
    assert!(page.body.contains("value=\"auto\" aria-pressed=\"false\""));
    let paper = reader.get(&card_path(&page.body));
    assert_eq!(
        html_tag(&paper.body),
        "<html lang=\"en\" data-theme=\"dark\">",
        "on every page"
    );

    let light = reader.post(
        "/theme",
        &[("csrf", &csrf), ("theme", "light"), ("next", "//evil.example")],
    );
    assert_eq!(light.location.as_deref(), Some("/"), "never to another site");
    assert_eq!(
        html_tag(&reader.get("/").body),
        "<html lang=\"en\" data-theme=\"light\">"
    );

    reader.post("/theme", &[("csrf", &csrf), ("theme", "auto"), ("next", "/")]);
    assert!(!reader.cookies.contains_key("pb_theme"), "auto forgets the choice");
    assert_eq!(html_tag(&reader.get("/").body), "<html lang=\"en\">");

    let bad = reader.post("/theme", &[("csrf", &csrf), ("theme", "purple"), ("next", "/")]);
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("not a theme"), "{}", bad.body);
    let forged = reader.post("/theme", &[("csrf", "wrong"), ("theme", "dark"), ("next", "/")]);
    assert_eq!(forged.status, 403);
    assert!(!reader.cookies.contains_key("pb_theme"));

    // A hand-made cookie with another value is ignored, not written into the page.
    reader.cookies.insert("pb_theme".into(), "\"><script>".into());
    assert_eq!(html_tag(&reader.get("/").body), "<html lang=\"en\">");
}

fn card_path(body: &str) -> String {
    format!("/papers/{}", card_ids(body).first().expect("a card"))
}

#[test]
fn long_lists_are_paged_with_rel_links_and_every_paper_once() {
    let Some((server, _)) = server() else { return };
    let mut reader = Browser::new(&server.base_url);

    // Trending over a wide window: pages of 30, counted.
    let first = reader.get("/trending?days=90");
    let (_, _, total) = pager_count(&first.body);
    let total = total.expect("trending says how many");
    assert!(total > 30, "the data makes more than one page ({total})");
    let pages = walk_pages(&mut reader, "/trending?days=90", |b| b);
    assert_every_paper_once(&pages, total);
    let second = reader.get("/trending?days=90&page=2");
    assert_eq!(pager_link(&second.body, "prev").as_deref(), Some("/trending?days=90"));
    assert_eq!(pager_count(&second.body), (31, 30 + pages[1].len(), Some(total)));

    // The day's arXiv announcements, pages of 50 (the curated list above them is not paged).
    let announced = |body: &str| -> String { body[body.find("id=\"announced-heading\"").unwrap()..].to_string() };
    let day = "/date/2026-05-01";
    let pages = walk_pages(&mut reader, day, |b| {
        let at = b.find("id=\"announced-heading\"").unwrap();
        &b[at..]
    });
    assert!(pages.len() > 1, "a day of arXiv is more than one page");
    let ids: Vec<&String> = pages.iter().flatten().collect();
    let unique: HashSet<&String> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no paper twice");
    let last = reader.get(&format!("{day}?page={}", pages.len()));
    let (first_shown, last_shown, _) = pager_count(&announced(&last.body));
    assert_eq!(
        last_shown,
        ids.len(),
        "the last page ends at the number of papers announced"
    );
    assert_eq!(first_shown, (pages.len() - 1) * 50 + 1);
    // The category filter stays on as pages turn.
    let filtered = reader.get(&format!("{day}?category=cs.CV"));
    if let Some(next) = pager_link(&filtered.body, "next") {
        assert_eq!(next, format!("{day}?category=cs.CV&page=2"));
    }

    // Search results.
    let results = reader.get("/search?q=model");
    let next = pager_link(&results.body, "next").expect("many papers match \"model\"");
    assert_eq!(next, "/search?q=model&page=2");
    let second = reader.get(&next);
    assert_eq!(pager_link(&second.body, "prev").as_deref(), Some("/search?q=model"));
    let result_ids = |body: &str| -> HashSet<String> {
        body.match_indices("<li class=\"result\"")
            .map(|(at, _)| {
                let rest = &body[at..];
                let href = rest.find("href=\"/papers/").unwrap() + 14;
                rest[href..].split('"').next().unwrap().to_string()
            })
            .collect()
    };
    let (one, two) = (result_ids(&results.body), result_ids(&second.body));
    assert!(!one.is_empty() && !two.is_empty());
    assert!(one.is_disjoint(&two), "page 2 goes on where page 1 stopped");
}

fn assert_every_paper_once(pages: &[Vec<String>], total: usize) {
    let ids: Vec<&String> = pages.iter().flatten().collect();
    let unique: HashSet<&String> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no paper twice");
    assert_eq!(ids.len(), total, "none left out");
    assert!(
        pages.iter().rev().skip(1).all(|p| p.len() == 30),
        "full pages but the last"
    );
}

/// A server with digests set up (mail goes to `sink`).
pub(crate) fn mail_server(sink: &SmtpSink) -> Option<TestServer> {
    let data = shared_data()?;
    Some(TestServer::with_data_and_mail(
        &[data.join("hf-daily/2026-05-01.json")],
        &sink.url(),
    ))
}

#[test]
fn the_daily_page_invites_to_subscribe_until_dismissed_or_subscribed() {
    let sink = SmtpSink::start();
    let Some(server) = mail_server(&sink) else { return };
    let mut visitor = Browser::new(&server.base_url);
    let front = visitor.get("/date/2026-05-01");
    assert!(front.body.contains(INVITE), "the invitation is on the daily page");
    let invite_at = front.body.find(INVITE).unwrap();
    assert!(
        invite_at < front.body.find("id=\"daily-heading\"").unwrap(),
        "above the papers"
    );
    assert!(
        !visitor.get("/trending").body.contains(INVITE),
        "only on the daily page"
    );

    let csrf = front.csrf();
    let hidden = visitor.post("/subscribe/dismiss", &[("csrf", &csrf), ("next", "/date/2026-05-01")]);
    assert_eq!(hidden.status, 303);
    assert_eq!(hidden.location.as_deref(), Some("/date/2026-05-01"));
    let after = visitor.get("/date/2026-05-01");
    assert!(!after.body.contains(INVITE), "dismissed for good");
    assert!(!after.body.contains("paperboy-subscribe-invite"), "no placeholder left");

    // A signed-in reader whose address has a confirmed subscription is told so instead.
    account(&server, "reads_mail", false);
    server
        .store
        .add_subscriber(
            "reads_mail@example.org",
            Frequency::Daily,
            &[],
            SubscriberStatus::Active,
        )
        .unwrap();
    let mut subscriber = Browser::new(&server.base_url);
    assert_eq!(subscriber.sign_in("reads_mail", PASSWORD).status, 303);
    let page = subscriber.get("/date/2026-05-01");
    assert!(!page.body.contains(INVITE));
    assert!(
        page.body.contains("You get trending papers by email"),
        "said instead of asked"
    );
    assert!(page.body.contains("reads_mail@example.org"));

    // Pending (not confirmed) is not subscribed yet.
    account(&server, "not_yet", false);
    server
        .store
        .add_subscriber("not_yet@example.org", Frequency::Weekly, &[], SubscriberStatus::Pending)
        .unwrap();
    let mut pending = Browser::new(&server.base_url);
    pending.sign_in("not_yet", PASSWORD);
    assert!(pending.get("/date/2026-05-01").body.contains(INVITE));
}

#[test]
fn papers_added_since_the_previous_visit_are_marked_new() {
    let Some((server, _)) = server() else { return };
    let id = account(&server, "returning", false);
    let mut reader = Browser::new(&server.base_url);
    assert_eq!(reader.sign_in("returning", PASSWORD).status, 303);
    let badge = "<strong class=\"new\">New";

    // A visit on 30 April, then (now) another: everything of 1 May is new.
    let before = Utc.with_ymd_and_hms(2026, 4, 30, 12, 0, 0).unwrap();
    let store = &server.store;
    let seen = store.user(id).unwrap().unwrap().last_seen_at;
    assert!(store.record_visit(id, seen, before, false).unwrap());
    let now = Utc::now();
    assert!(store.record_visit(id, Some(before), now, true).unwrap());
    let user = store.user(id).unwrap().unwrap();
    assert_eq!(user.previous_seen_at.map(|t| t.timestamp()), Some(before.timestamp()));
    let page = reader.get("/date/2026-05-01");
    let cards = card_ids(&page.body).len();
    assert!(cards > 0);
    assert_eq!(page.body.matches(badge).count(), cards, "every card is new");
    assert!(
        page.body.contains("since your last visit"),
        "said in words, not colour alone"
    );
    assert!(!page.body.contains("<!--paperboy-new"), "no placeholder left");

    // Seen again just now: nothing is new (and the racing write of a stale time is refused).
    assert!(!store.record_visit(id, Some(before), now, true).unwrap());
    let latest = store.user(id).unwrap().unwrap().last_seen_at;
    assert!(store
        .record_visit(id, latest, now + Duration::seconds(1), true)
        .unwrap());
    let page = reader.get("/date/2026-05-01");
    assert_eq!(page.body.matches(badge).count(), 0, "seen since");

    // Signed out: no marks.
    let stranger = Browser::new(&server.base_url).get("/date/2026-05-01");
    assert_eq!(stranger.body.matches(badge).count(), 0);
    assert!(!stranger.body.contains("<!--paperboy-new"));
}

#[test]
fn a_visit_is_recorded_when_a_signed_in_reader_comes_by() {
    let Some((server, _)) = server() else { return };
    let id = account(&server, "first_timer", false);
    let mut reader = Browser::new(&server.base_url);
    reader.sign_in("first_timer", PASSWORD);
    reader.get("/trending");
    let user = server.store.user(id).unwrap().unwrap();
    assert!(user.last_seen_at.is_some(), "seen");
    assert_eq!(user.previous_seen_at, None, "no visit before this one");
    // A pause long enough ends the visit: the next request makes it the previous one.
    let long_ago = Utc::now() - Duration::hours(3);
    server
        .store
        .record_visit(id, user.last_seen_at, long_ago, false)
        .unwrap();
    reader.get("/trending");
    let user = server.store.user(id).unwrap().unwrap();
    assert_eq!(user.previous_seen_at.map(|t| t.timestamp()), Some(long_ago.timestamp()));
    assert!(user.last_seen_at.unwrap() > long_ago + Duration::hours(2));
}
