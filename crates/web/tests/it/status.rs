//! `/status` and `/api/status` show the sync ledger: a day that failed stays visible as
//! missing, beside what the store holds for the days that arrived.

use chrono::{Duration, Utc};
use paperboy_store::{AnnouncedCounts, DayState, SourceStatus, SyncDay};

use crate::support::browser::Browser;
use crate::support::{shared_data, TestServer};

#[test]
fn a_missing_day_shows_until_it_is_fetched() {
    let Some(data) = shared_data() else { return };
    let server = TestServer::with_data(&[data.join("arxiv-listings/2026-05-01.jsonl.gz")]);
    let mut visitor = Browser::new(&server.base_url);
    let empty = visitor.get("/api/status").json();
    assert_eq!(
        empty["sources"],
        serde_json::json!([]),
        "no source ran, none switched on here"
    );

    let today = Utc::now().date_naive();
    let yesterday = today - Duration::days(1);
    let now = Utc::now();
    server
        .store
        .save_sync_source(&SourceStatus {
            source: "arxiv".into(),
            last_attempt: Some(now),
            last_success: Some(now - Duration::hours(26)),
            last_error: Some("https://rss.arxiv.org/rss/cs.CV: the server answered 503".into()),
            next_run: Some(now + Duration::minutes(30)),
        })
        .unwrap();
    let row = |day, state, new| SyncDay {
        source: "arxiv".into(),
        day,
        category: "cs.CV".into(),
        counts: AnnouncedCounts {
            new,
            cross: 2,
            replace: 1,
            replace_cross: 0,
        },
        fetched_at: (state == DayState::Complete).then_some(now),
        state,
    };
    server
        .store
        .save_sync_days(&[row(yesterday, DayState::Complete, 7), row(today, DayState::Missing, 0)])
        .unwrap();

    let status = visitor.get("/api/status").json();
    let source = &status["sources"][0];
    assert_eq!(source["source"], "arxiv");
    assert!(source["last_error"].as_str().unwrap().contains("503"));
    assert!(source["lag_seconds"].as_i64().unwrap() >= 26 * 3600, "{source}");
    let days = status["days"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0]["day"], today.to_string(), "newest first");
    assert_eq!(days[0]["state"], "missing");
    assert_eq!(days[1]["state"], "complete");
    assert_eq!(days[1]["announced"]["new"], 7);

    let page = visitor.get("/status");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("1 day is missing"), "{}", page.body);
    assert!(page.body.contains("the server answered 503"));

    // Fetched later: nothing is missing any more.
    server
        .store
        .save_sync_days(&[row(today, DayState::Complete, 5)])
        .unwrap();
    let page = visitor.get("/status");
    assert!(page.body.contains("No day is missing"), "{}", page.body);
    let metrics = visitor.get("/metrics").body;
    assert!(
        metrics.contains("paperboy_sync_missing_days{source=\"arxiv\"} 0"),
        "{metrics}"
    );
}

#[test]
fn the_store_holds_what_an_announcement_day_lists() {
    let Some(data) = shared_data() else { return };
    let server = TestServer::with_data(&[data.join("arxiv-listings/2026-05-01.jsonl.gz")]);
    let listed = server.store.announced_on(
        "2026-05-01".parse().unwrap(),
        Some("cs.CV"),
        paperboy_store::Page {
            offset: 0,
            limit: 100_000,
        },
    );
    let listed = listed.unwrap().len() as u64;
    assert!(listed > 0);
    let day = "2026-05-01".parse().unwrap();
    let held = server.store.held_counts(day, day).unwrap();
    let cv = held.iter().find(|h| h.category == "cs.CV").unwrap();
    assert_eq!(cv.papers, listed, "held = what the day's page lists for the category");
}
