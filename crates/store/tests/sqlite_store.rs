//! Behaviour of the embedded store through its public trait.

use chrono::NaiveDate;
use paperboy_domain::{ArxivId, DailyEntry, Paper};
use paperboy_store::{Page, PaperStore, SqliteStore, StoreError, Upsert, UpsertOutcome};

fn paper(id: &str, version: u32, title: &str) -> Paper {
    let mut p = Paper::new(ArxivId::parse(id).unwrap());
    p.version = Some(version);
    p.title = title.into();
    p.authors = vec!["Ada Lovelace".into()];
    p.categories = vec!["cs.LG".into(), "stat.ML".into()];
    p
}

fn entry(day: &str, upvotes: i64) -> DailyEntry {
    DailyEntry {
        day: day.parse().unwrap(),
        upvotes,
        comments: 0,
        submitted_by: None,
        source: "hf".into(),
    }
}

fn upsert(store: &SqliteStore, p: &Paper, daily: &[DailyEntry]) -> UpsertOutcome {
    store.upsert_batch(&[Upsert { paper: p, daily }]).unwrap()[0]
}

#[test]
fn insert_then_same_again_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let p = paper("2404.01234", 1, "Title");
    assert_eq!(upsert(&store, &p, &[entry("2026-01-02", 5)]), UpsertOutcome::Inserted);
    assert_eq!(upsert(&store, &p, &[entry("2026-01-02", 5)]), UpsertOutcome::Unchanged);
    assert_eq!(
        upsert(&store, &p, &[entry("2026-01-02", 9)]),
        UpsertOutcome::Updated,
        "new upvote count"
    );
    let doc = store.paper(&p.id).unwrap().unwrap();
    assert_eq!(doc.paper.title, "Title");
    assert_eq!(doc.upvotes, 9);
    assert_eq!(doc.daily, vec![NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()]);
}

#[test]
fn older_version_never_overwrites_newer() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    upsert(&store, &paper("2404.01234", 2, "New title"), &[]);
    assert_eq!(
        upsert(&store, &paper("2404.01234", 1, "Old title"), &[]),
        UpsertOutcome::Unchanged
    );
    assert_eq!(
        store
            .paper(&ArxivId::parse("2404.01234").unwrap())
            .unwrap()
            .unwrap()
            .paper
            .title,
        "New title"
    );
    assert_eq!(
        upsert(&store, &paper("2404.01234", 3, "Newest"), &[]),
        UpsertOutcome::Updated
    );
}

#[test]
fn data_survives_reopen_and_stats_count_it() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        upsert(&store, &paper("2404.00001", 1, "A"), &[entry("2026-01-02", 1)]);
        upsert(
            &store,
            &paper("hep-th/9901001", 1, "B"),
            &[entry("2026-01-05", 1), entry("2026-01-02", 3)],
        );
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    let stats = store.stats().unwrap();
    assert_eq!(stats.papers, 2);
    assert_eq!(stats.daily_days, 2);
    assert_eq!(stats.daily_entries, 3);
    assert_eq!(stats.first_day, NaiveDate::from_ymd_opt(2026, 1, 2));
    assert_eq!(stats.last_day, NaiveDate::from_ymd_opt(2026, 1, 5));
    let mut ids = Vec::new();
    store
        .for_each_paper(&mut |doc| {
            ids.push(doc.paper.id.to_string());
            Ok(())
        })
        .unwrap();
    assert_eq!(ids, vec!["2404.00001", "hep-th/9901001"]);
}

#[test]
fn change_seq_moves_only_on_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let p = paper("2404.01234", 1, "T");
    upsert(&store, &p, &[]);
    let before = store.stats().unwrap().change_seq;
    upsert(&store, &p, &[]);
    assert_eq!(store.stats().unwrap().change_seq, before);
    upsert(&store, &paper("2404.01234", 2, "T2"), &[]);
    assert!(store.stats().unwrap().change_seq > before);
}

#[test]
fn state_is_kept_and_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.state("k").unwrap(), None);
    store.set_state("k", Some("v1")).unwrap();
    store.set_state("k", Some("v2")).unwrap();
    assert_eq!(store.state("k").unwrap().as_deref(), Some("v2"));
    store.set_state("k", None).unwrap();
    assert_eq!(store.state("k").unwrap(), None);
}

#[test]
fn a_store_from_a_newer_paperboy_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = {
        let store = SqliteStore::open(dir.path()).unwrap();
        store.path().to_path_buf()
    };
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 'x')",
        [],
    )
    .unwrap();
    drop(conn);
    match SqliteStore::open(dir.path()) {
        Err(err @ StoreError::NewerSchema { .. }) => {
            assert!(err.to_string().contains("upgrade paperboy"))
        }
        other => panic!("expected NewerSchema, got {:?}", other.err()),
    }
}

#[test]
fn daily_lists_rank_by_upvotes_and_know_their_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    upsert(&store, &paper("2404.00001", 1, "Few votes"), &[entry("2026-01-02", 3)]);
    upsert(
        &store,
        &paper("2404.00002", 1, "Many votes"),
        &[entry("2026-01-02", 30)],
    );
    upsert(&store, &paper("2404.00003", 1, "Later"), &[entry("2026-01-09", 1)]);
    let day = |s: &str| s.parse::<NaiveDate>().unwrap();

    let list = store.daily_list(day("2026-01-02")).unwrap();
    let titles: Vec<&str> = list.iter().map(|d| d.paper.title.as_str()).collect();
    assert_eq!(titles, vec!["Many votes", "Few votes"]);
    assert!(store.daily_list(day("2026-01-03")).unwrap().is_empty());

    let around = store.daily_neighbours(day("2026-01-05")).unwrap();
    assert_eq!(
        (around.previous, around.next),
        (Some(day("2026-01-02")), Some(day("2026-01-09")))
    );
    assert_eq!(store.latest_daily_day(None).unwrap(), Some(day("2026-01-09")));
    assert_eq!(
        store.latest_daily_day(Some(day("2026-01-05"))).unwrap(),
        Some(day("2026-01-02"))
    );
}

#[test]
fn daily_between_lists_each_paper_once_with_all_its_days() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let day = |s: &str| s.parse::<NaiveDate>().unwrap();
    upsert(
        &store,
        &paper("2404.00001", 1, "Twice"),
        &[entry("2026-01-02", 3), entry("2026-01-05", 7)],
    );
    upsert(&store, &paper("2404.00002", 1, "Inside"), &[entry("2026-01-04", 1)]);
    upsert(&store, &paper("2404.00003", 1, "Outside"), &[entry("2026-01-09", 1)]);
    upsert(&store, &paper("2404.00004", 1, "Never listed"), &[]);

    let listed = store.daily_between(day("2026-01-01"), day("2026-01-05")).unwrap();
    let titles: Vec<&str> = listed.iter().map(|d| d.paper.title.as_str()).collect();
    assert_eq!(titles, vec!["Twice", "Inside"]);
    assert_eq!(listed[0].daily_entries.len(), 2, "every day it was listed");
    assert!(store
        .daily_between(day("2026-01-06"), day("2026-01-08"))
        .unwrap()
        .is_empty());
}

#[test]
fn announced_papers_filter_by_exact_category() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let day: NaiveDate = "2026-01-06".parse().unwrap();
    for (id, cats) in [
        ("2601.00001", vec!["cs.CV"]),
        ("2601.00002", vec!["cs.CL", "cs.AI"]),
        ("2601.00003", vec!["cs.C"]),
    ] {
        let mut p = paper(id, 1, id);
        p.categories = cats.into_iter().map(String::from).collect();
        p.announced = Some(day);
        upsert(&store, &p, &[]);
    }
    let all = Page { offset: 0, limit: 10 };
    assert_eq!(store.announced_on(day, None, all).unwrap().len(), 3);
    let ai = store.announced_on(day, Some("cs.AI"), all).unwrap();
    assert_eq!(
        ai.iter().map(|d| d.paper.id.to_string()).collect::<Vec<_>>(),
        vec!["2601.00002"]
    );
    assert_eq!(
        store.announced_on(day, Some("cs.C"), all).unwrap().len(),
        1,
        "no prefix matches"
    );
    assert_eq!(
        store
            .announced_on(day, None, Page { offset: 2, limit: 10 })
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn changes_can_be_tailed_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    upsert(&store, &paper("2404.00001", 1, "A"), &[]);
    upsert(&store, &paper("2404.00002", 1, "B"), &[]);
    upsert(&store, &paper("2404.00001", 2, "A2"), &[]);
    let all = store.changed_since(0, 10).unwrap();
    let seen: Vec<(&str, &str)> = all.iter().map(|(_, p)| (p.id.as_str(), p.title.as_str())).collect();
    assert_eq!(
        seen,
        vec![("2404.00002", "B"), ("2404.00001", "A2")],
        "one row per paper, latest change last"
    );
    let (first_seq, _) = all[0];
    assert_eq!(store.changed_since(first_seq, 10).unwrap().len(), 1);
    assert_eq!(store.changed_since(0, 1).unwrap().len(), 1);
    assert!(store.changed_since(all[1].0, 10).unwrap().is_empty());
}

#[test]
fn authors_are_found_whatever_the_case_of_non_ascii_letters() {
    use paperboy_store::BrowseStore;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let mut p = paper("2401.00001", 1, "Control");
    p.authors = vec!["Karl Johan Åström".into(), "Émile Zoë Öztürk".into()];
    upsert(&store, &p, &[]);
    let page = Page { offset: 0, limit: 10 };
    for query in [
        "karl johan åström",
        "KARL JOHAN ÅSTRÖM",
        "émile zoë öztürk",
        "ÉMILE ZOË ÖZTÜRK",
    ] {
        let found = store.papers_by_author(query, page).unwrap();
        assert_eq!(found.len(), 1, "{query}");
    }
    assert!(
        store.papers_by_author("Karl Johan Astrom", page).unwrap().is_empty(),
        "accents matter"
    );
    assert!(
        store.papers_by_author("Johan Åström", page).unwrap().is_empty(),
        "whole names only"
    );
}
