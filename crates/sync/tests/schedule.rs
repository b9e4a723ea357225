//! `Syncer::run_due`, what `serve` calls each tick: a source runs when its next run has come,
//! and a failed run is tried again after `retry_after`, not at the next announcement.

use chrono::{DateTime, Utc};
use paperboy_store::{SqliteStore, SyncStore};
use paperboy_sync::{calendar, ArxivSource, SyncConfig, Syncer};
use paperboy_testkit::listing_rss::ListingArchive;
use paperboy_testkit::{ReplayServer, Reply};

/// Sources served by `server`, fetched without delay, following `categories`.
fn config_for(server: &ReplayServer, categories: Option<Vec<String>>) -> SyncConfig {
    SyncConfig {
        delay: std::time::Duration::ZERO,
        arxiv: ArxivSource {
            categories,
            listing_url: format!("{}/rss/", server.base_url),
            oai_endpoint: format!("{}/oai", server.base_url),
            // Completing metadata is not what these tests are about.
            api_url: String::new(),
        },
        ..SyncConfig::default()
    }
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

#[test]
fn sources_run_when_due_and_failures_are_retried_soon() {
    let Some(data) = paperboy_testkit::shared_data() else {
        return;
    };
    let archive = ListingArchive::load(&data, "2026-01-31".parse().unwrap()).unwrap();
    let feed = archive.feed("2026-01-07".parse().unwrap(), &["cs.CL"]).xml;
    // The first request fails for good (a 404 is not retried), the rest succeed.
    let server = ReplayServer::start(move |_, n| {
        if n == 0 {
            Reply::status(404)
        } else {
            Reply::ok(feed.clone())
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let config = config_for(&server, Some(vec!["cs.CL".into()]));
    let syncer = Syncer {
        papers: &store,
        ledger: &store,
        config: &config,
        progress: &paperboy_domain::NoProgress,
    };

    let now = at("2026-01-07T12:00:00Z");
    let failed = syncer.run_due(now).unwrap();
    assert_eq!(failed.len(), 1, "never run: due");
    assert!(!failed[0].complete());
    let status = store.sync_sources().unwrap().remove(0);
    assert_eq!(status.last_attempt, Some(now));
    assert_eq!(status.last_success, None);
    assert!(
        status.last_error.as_deref().unwrap_or_default().contains("404"),
        "{status:?}"
    );
    assert_eq!(status.next_run, Some(now + config.retry_after));

    assert!(
        syncer.run_due(now + chrono::Duration::minutes(1)).unwrap().is_empty(),
        "not yet"
    );
    let retry = now + config.retry_after;
    let fetched = syncer.run_due(retry).unwrap();
    assert!(fetched[0].complete() && fetched[0].inserted > 0, "{fetched:?}");
    let status = store.sync_sources().unwrap().remove(0);
    assert_eq!((status.last_success, status.last_error.as_deref()), (Some(retry), None));
    let next = calendar::next_due_at(retry, config.poll_after);
    assert_eq!(status.next_run, Some(next), "then at the next announcement");
    assert!(next > retry + chrono::Duration::hours(6));
    assert_eq!(server.requests().len(), 2);
    assert!(syncer.run_due(next - chrono::Duration::seconds(1)).unwrap().is_empty());
}

#[test]
fn without_categories_the_store_says_which_to_follow() {
    use paperboy_domain::{ArxivId, Paper};
    use paperboy_store::{PaperStore, Upsert};
    let server = ReplayServer::start(|_, _| Reply::status(404));
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let config = config_for(&server, None);
    let syncer = Syncer {
        papers: &store,
        ledger: &store,
        config: &config,
        progress: &paperboy_domain::NoProgress,
    };
    let now = at("2026-01-07T12:00:00Z");
    syncer.run(now, Default::default()).unwrap();
    let papers: Vec<Paper> = [
        ("2601.00001", "stat.ML"),
        ("2601.00002", "math.OC"),
        ("2601.00003", "stat.ML"),
    ]
    .iter()
    .map(|(id, primary)| Paper {
        title: "A title".into(),
        abstract_text: "An abstract".into(),
        categories: vec![primary.to_string(), "cs.LG".into()],
        ..Paper::new(ArxivId::parse(id).unwrap())
    })
    .collect();
    let upserts: Vec<Upsert<'_>> = papers.iter().map(|paper| Upsert { paper, daily: &[] }).collect();
    store.upsert_batch(&upserts).unwrap();
    syncer.run(now, Default::default()).unwrap();
    assert_eq!(
        server.requests(),
        ["/rss/cs.AI+cs.CL+cs.CV+cs.LG", "/rss/stat.ML+math.OC"],
        "the defaults for an empty store, then its most common primary categories"
    );
}

#[test]
fn failed_runs_in_a_row_wait_longer_each_time_up_to_a_limit() {
    let server = ReplayServer::start(|_, _| Reply::status(503));
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let config = SyncConfig {
        max_retries: 0,
        ..config_for(&server, Some(vec!["cs.CL".into()]))
    };
    let syncer = Syncer {
        papers: &store,
        ledger: &store,
        config: &config,
        progress: &paperboy_domain::NoProgress,
    };
    let mut now = at("2026-01-07T12:00:00Z");
    let mut waits = Vec::new();
    for _ in 0..5 {
        let reports = syncer.run_due(now).unwrap();
        assert_eq!(reports.len(), 1, "due at {now}");
        assert!(!reports[0].complete());
        let next = store.sync_sources().unwrap().remove(0).next_run.unwrap();
        waits.push((next - now).num_minutes());
        now = next;
    }
    assert_eq!(
        waits,
        [30, 60, 120, 180, 180],
        "doubling from retry_after, up to max_retry_after"
    );
}
