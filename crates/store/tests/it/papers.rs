//! Papers, daily lists and the change feed through the public traits, on every backend.

use crate::support;

use std::collections::HashSet;
use std::sync::Barrier;

use chrono::{NaiveDate, TimeZone, Utc};
use paperboy_domain::{ArxivId, DailyEntry, Paper};
use paperboy_store::{Backend, Page, PaperStore, PostgresStore, SqliteStore, StoreError, Upsert, UpsertOutcome};

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

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn upsert(store: &dyn PaperStore, p: &Paper, daily: &[DailyEntry]) -> UpsertOutcome {
    store.upsert_batch(&[Upsert { paper: p, daily }]).unwrap()[0]
}

fn ids_of(docs: &[paperboy_domain::PaperDocument]) -> Vec<&str> {
    docs.iter().map(|d| d.paper.id.as_str()).collect()
}

#[test]
fn insert_then_same_again_is_unchanged() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        let p = paper("2404.01234", 1, "Title");
        assert_eq!(
            upsert(store, &p, &[entry("2026-01-02", 5)]),
            UpsertOutcome::Inserted,
            "{}",
            b.name
        );
        assert_eq!(
            upsert(store, &p, &[entry("2026-01-02", 5)]),
            UpsertOutcome::Unchanged,
            "{}",
            b.name
        );
        assert_eq!(
            upsert(store, &p, &[entry("2026-01-02", 9)]),
            UpsertOutcome::Updated,
            "{}: new upvote count",
            b.name
        );
        let doc = store.paper(&p.id).unwrap().unwrap();
        assert_eq!(doc.paper.title, "Title", "{}", b.name);
        assert_eq!(doc.upvotes, 9, "{}", b.name);
        assert_eq!(doc.daily, vec![day("2026-01-02")], "{}", b.name);
        assert_eq!(
            store.paper(&ArxivId::parse("2404.09999").unwrap()).unwrap(),
            None,
            "{}",
            b.name
        );
    }
}

#[test]
fn every_field_round_trips_and_a_repeat_is_unchanged_even_with_nanoseconds() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        let mut p = paper("2404.01234", 3, "Title “quoted”");
        p.abstract_text = "An abstract with \"quotes\", a \\ backslash and ünïcödé.".into();
        p.authors = vec!["Émile Zoë".into(), "O'Brien, \"Jr\"".into()];
        p.comment = Some("12 pages".into());
        p.journal_ref = Some("J. Test 1 (2026)".into());
        p.doi = Some("10.1000/xyz".into());
        p.license = Some("http://creativecommons.org/licenses/by/4.0/".into());
        p.submitter = Some("Ada".into());
        let submitted = Utc.with_ymd_and_hms(2024, 4, 1, 17, 59, 59).unwrap();
        p.published = Some(submitted + chrono::Duration::nanoseconds(123_456_789));
        p.updated = Some(submitted + chrono::Duration::nanoseconds(987_654_321));
        p.announced = Some(day("2024-04-02"));
        p.versions = vec![paperboy_domain::PaperVersion {
            version: 3,
            submitted: p.updated,
        }];
        p.code_url = Some("https://github.com/x/y".into());
        p.project_url = Some("https://x.org".into());
        p.ai_summary = Some("A machine's summary, with <markup> & quotes \"kept\".".into());
        p.ai_keywords = vec!["diffusion models".into(), "µ-law".into()];
        p.as_of = Some(submitted + chrono::Duration::nanoseconds(5));
        assert_eq!(upsert(store, &p, &[]), UpsertOutcome::Inserted, "{}", b.name);
        assert_eq!(
            upsert(store, &p, &[]),
            UpsertOutcome::Unchanged,
            "{}: a repeat changes nothing",
            b.name
        );
        let stored = store.paper(&p.id).unwrap().unwrap().paper;
        let micros = |t: Option<chrono::DateTime<Utc>>| t.map(|t| t.timestamp_micros());
        assert_eq!(micros(stored.published), micros(p.published), "{}", b.name);
        assert_eq!(micros(stored.updated), micros(p.updated), "{}", b.name);
        assert_eq!(
            Paper {
                published: p.published,
                updated: p.updated,
                as_of: p.as_of,
                ..stored
            },
            p,
            "{}: everything else exactly",
            b.name
        );
    }
}

#[test]
fn older_version_never_overwrites_newer() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        upsert(store, &paper("2404.01234", 2, "New title"), &[]);
        assert_eq!(
            upsert(store, &paper("2404.01234", 1, "Old title"), &[]),
            UpsertOutcome::Unchanged,
            "{}",
            b.name
        );
        let id = ArxivId::parse("2404.01234").unwrap();
        assert_eq!(
            store.paper(&id).unwrap().unwrap().paper.title,
            "New title",
            "{}",
            b.name
        );
        assert_eq!(
            upsert(store, &paper("2404.01234", 3, "Newest"), &[]),
            UpsertOutcome::Updated,
            "{}",
            b.name
        );
    }
}

#[test]
fn a_batch_reports_each_outcome_and_is_one_transaction() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        let (a, c) = (paper("2404.00001", 1, "A"), paper("2404.00003", 1, "C"));
        upsert(store, &a, &[]);
        let before = store.change_seq().unwrap();
        let outcomes = store
            .upsert_batch(&[
                Upsert { paper: &a, daily: &[] },
                Upsert {
                    paper: &paper("2404.00002", 1, "B"),
                    daily: &[],
                },
                Upsert {
                    paper: &a,
                    daily: &[entry("2026-01-02", 1)],
                },
                Upsert { paper: &c, daily: &[] },
            ])
            .unwrap();
        assert_eq!(
            outcomes,
            [
                UpsertOutcome::Unchanged,
                UpsertOutcome::Inserted,
                UpsertOutcome::Updated,
                UpsertOutcome::Inserted
            ],
            "{}",
            b.name
        );
        let changed = store.changed_since(before, 10).unwrap();
        let seen: Vec<&str> = changed.iter().map(|(_, p)| p.id.as_str()).collect();
        assert_eq!(seen, ["2404.00002", "2404.00001", "2404.00003"], "{}", b.name);
        assert_eq!(store.change_seq().unwrap(), changed[2].0, "{}", b.name);
    }
}

#[test]
fn data_survives_reopen_and_stats_count_it() {
    for b in support::backends() {
        upsert(&*b.store, &paper("2404.00001", 1, "A"), &[entry("2026-01-02", 1)]);
        upsert(
            &*b.store,
            &paper("hep-th/9901001", 1, "B"),
            &[entry("2026-01-05", 1), entry("2026-01-02", 3)],
        );
        let store = b.reopen();
        let stats = store.stats().unwrap();
        assert_eq!(stats.papers, 2, "{}", b.name);
        assert_eq!(stats.daily_days, 2, "{}", b.name);
        assert_eq!(stats.daily_entries, 3, "{}", b.name);
        assert_eq!(stats.first_day, Some(day("2026-01-02")), "{}", b.name);
        assert_eq!(stats.last_day, Some(day("2026-01-05")), "{}", b.name);
        assert_eq!(stats.change_seq, store.change_seq().unwrap(), "{}", b.name);
        let mut ids = Vec::new();
        store
            .for_each_paper(&mut |doc| {
                ids.push(doc.paper.id.to_string());
                Ok(())
            })
            .unwrap();
        assert_eq!(ids, vec!["2404.00001", "hep-th/9901001"], "{}", b.name);
    }
}

#[test]
fn every_paper_streams_in_byte_order_of_ids_with_its_daily_entries() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        // More than one streaming batch, and old-style ids whose order depends on collation
        // ("math-ph/…" sorts before "math/…" by bytes, after it in most locales).
        let mut ids: Vec<String> = (1..=2100).map(|n| format!("2404.{n:05}")).collect();
        ids.extend(["math/0101001", "math-ph/0101001", "cond-mat/0101001", "cs/0101001"].map(String::from));
        let papers: Vec<Paper> = ids.iter().map(|id| paper(id, 1, id)).collect();
        let daily = [entry("2026-01-02", 4)];
        let batch: Vec<Upsert<'_>> = papers
            .iter()
            .enumerate()
            .map(|(n, paper)| Upsert {
                paper,
                daily: if n % 3 == 0 { &daily } else { &[] },
            })
            .collect();
        store.upsert_batch(&batch).unwrap();
        let mut seen = Vec::new();
        let mut listed = 0;
        store
            .for_each_paper(&mut |doc| {
                if doc.daily == [day("2026-01-02")] && doc.upvotes == 4 {
                    listed += 1;
                }
                seen.push(doc.paper.id.to_string());
                Ok(())
            })
            .unwrap();
        ids.sort();
        assert_eq!(seen.len(), ids.len(), "{}", b.name);
        let first_difference = seen.iter().zip(&ids).find(|(seen, id)| seen != id);
        assert_eq!(first_difference, None, "{}", b.name);
        assert_eq!(listed, 702, "{}", b.name);
    }
}

#[test]
fn a_visitor_error_stops_the_stream() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        upsert(store, &paper("2404.00001", 1, "A"), &[]);
        upsert(store, &paper("2404.00002", 1, "B"), &[]);
        let mut visits = 0;
        let result = store.for_each_paper(&mut |_| {
            visits += 1;
            Err(StoreError::Other("stop".into()))
        });
        assert!(
            matches!(result, Err(StoreError::Other(ref m)) if m == "stop"),
            "{}",
            b.name
        );
        assert_eq!(visits, 1, "{}", b.name);
        assert_eq!(store.stats().unwrap().papers, 2, "{}: the store still works", b.name);
    }
}

#[test]
fn change_seq_moves_only_on_change() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        let p = paper("2404.01234", 1, "T");
        upsert(store, &p, &[]);
        let before = store.stats().unwrap().change_seq;
        upsert(store, &p, &[]);
        assert_eq!(store.stats().unwrap().change_seq, before, "{}", b.name);
        upsert(store, &paper("2404.01234", 2, "T2"), &[]);
        assert!(store.stats().unwrap().change_seq > before, "{}", b.name);
    }
}

#[test]
fn state_is_kept_and_cleared() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        assert_eq!(store.state("k").unwrap(), None, "{}", b.name);
        store.set_state("k", Some("v1")).unwrap();
        store.set_state("k", Some("v2")).unwrap();
        assert_eq!(store.state("k").unwrap().as_deref(), Some("v2"), "{}", b.name);
        assert_eq!(
            b.reopen().state("k").unwrap().as_deref(),
            Some("v2"),
            "{}: another handle sees it",
            b.name
        );
        store.set_state("k", None).unwrap();
        assert_eq!(store.state("k").unwrap(), None, "{}", b.name);
    }
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
fn a_database_from_a_newer_paperboy_is_refused() {
    for b in support::backends() {
        let Some(url) = b.database_url() else { continue };
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        client
            .execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (999, now())",
                &[],
            )
            .unwrap();
        match PostgresStore::connect(url) {
            Err(err @ StoreError::NewerSchema { found: 999, .. }) => {
                assert!(err.to_string().contains("upgrade paperboy"), "{err}")
            }
            other => panic!("expected NewerSchema, got {:?}", other.err()),
        }
    }
}

#[test]
fn daily_lists_rank_by_upvotes_and_know_their_neighbours() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        upsert(store, &paper("2404.00001", 1, "Few votes"), &[entry("2026-01-02", 3)]);
        upsert(store, &paper("2404.00002", 1, "Many votes"), &[entry("2026-01-02", 30)]);
        upsert(
            store,
            &paper("2404.00004", 1, "Tied, later id"),
            &[entry("2026-01-02", 3)],
        );
        upsert(store, &paper("2404.00003", 1, "Later"), &[entry("2026-01-09", 1)]);

        let list = store.daily_list(day("2026-01-02")).unwrap();
        let titles: Vec<&str> = list.iter().map(|d| d.paper.title.as_str()).collect();
        assert_eq!(titles, vec!["Many votes", "Few votes", "Tied, later id"], "{}", b.name);
        assert!(store.daily_list(day("2026-01-03")).unwrap().is_empty(), "{}", b.name);

        let around = store.daily_neighbours(day("2026-01-05")).unwrap();
        assert_eq!(
            (around.previous, around.next),
            (Some(day("2026-01-02")), Some(day("2026-01-09"))),
            "{}",
            b.name
        );
        let edge = store.daily_neighbours(day("2026-01-09")).unwrap();
        assert_eq!(
            (edge.previous, edge.next),
            (Some(day("2026-01-02")), None),
            "{}",
            b.name
        );
        assert_eq!(
            store.latest_daily_day(None).unwrap(),
            Some(day("2026-01-09")),
            "{}",
            b.name
        );
        assert_eq!(
            store.latest_daily_day(Some(day("2026-01-05"))).unwrap(),
            Some(day("2026-01-02")),
            "{}",
            b.name
        );
        assert_eq!(
            store.latest_daily_day(Some(day("2026-01-01"))).unwrap(),
            None,
            "{}",
            b.name
        );
    }
}

#[test]
fn daily_between_lists_each_paper_once_with_all_its_days() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        upsert(
            store,
            &paper("2404.00001", 1, "Twice"),
            &[entry("2026-01-02", 3), entry("2026-01-05", 7)],
        );
        upsert(store, &paper("2404.00002", 1, "Inside"), &[entry("2026-01-04", 1)]);
        upsert(store, &paper("2404.00003", 1, "Outside"), &[entry("2026-01-09", 1)]);
        upsert(store, &paper("2404.00004", 1, "Never listed"), &[]);

        let listed = store.daily_between(day("2026-01-01"), day("2026-01-05")).unwrap();
        let titles: Vec<&str> = listed.iter().map(|d| d.paper.title.as_str()).collect();
        assert_eq!(titles, vec!["Twice", "Inside"], "{}", b.name);
        assert_eq!(listed[0].daily_entries.len(), 2, "{}: every day it was listed", b.name);
        assert_eq!(listed[0].upvotes, 7, "{}: the best day's count", b.name);
        assert!(
            store
                .daily_between(day("2026-01-06"), day("2026-01-08"))
                .unwrap()
                .is_empty(),
            "{}",
            b.name
        );
    }
}

#[test]
fn announced_papers_filter_by_exact_category() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        let announced = day("2026-01-06");
        for (id, cats) in [
            ("2601.00001", vec!["cs.CV"]),
            ("2601.00002", vec!["cs.CL", "cs.AI"]),
            ("2601.00003", vec!["cs.C"]),
        ] {
            let mut p = paper(id, 1, id);
            p.categories = cats.into_iter().map(String::from).collect();
            p.announced = Some(announced);
            upsert(store, &p, &[]);
        }
        let all = Page { offset: 0, limit: 10 };
        assert_eq!(store.announced_on(announced, None, all).unwrap().len(), 3, "{}", b.name);
        let ai = store.announced_on(announced, Some("cs.AI"), all).unwrap();
        assert_eq!(ids_of(&ai), vec!["2601.00002"], "{}", b.name);
        assert_eq!(
            store.announced_on(announced, Some("cs.C"), all).unwrap().len(),
            1,
            "{}: no prefix matches",
            b.name
        );
        let rest = store
            .announced_on(announced, None, Page { offset: 1, limit: 1 })
            .unwrap();
        assert_eq!(ids_of(&rest), vec!["2601.00002"], "{}: paged in id order", b.name);
        assert_eq!(
            store
                .announced_on(announced, None, Page { offset: 2, limit: 10 })
                .unwrap()
                .len(),
            1,
            "{}",
            b.name
        );
    }
}

#[test]
fn changes_can_be_tailed_in_order() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        upsert(store, &paper("2404.00001", 1, "A"), &[]);
        upsert(store, &paper("2404.00002", 1, "B"), &[]);
        upsert(store, &paper("2404.00001", 2, "A2"), &[]);
        let all = store.changed_since(0, 10).unwrap();
        let seen: Vec<(&str, &str)> = all.iter().map(|(_, p)| (p.id.as_str(), p.title.as_str())).collect();
        assert_eq!(
            seen,
            vec![("2404.00002", "B"), ("2404.00001", "A2")],
            "{}: one row per paper, latest change last",
            b.name
        );
        let (first_seq, _) = all[0];
        assert_eq!(store.changed_since(first_seq, 10).unwrap().len(), 1, "{}", b.name);
        assert_eq!(store.changed_since(0, 1).unwrap().len(), 1, "{}", b.name);
        assert!(store.changed_since(all[1].0, 10).unwrap().is_empty(), "{}", b.name);
    }
}

#[test]
fn authors_are_found_whatever_the_case_of_non_ascii_letters() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        let mut p = paper("2401.00001", 1, "Control");
        p.authors = vec!["Karl Johan Åström".into(), "Émile Zoë Öztürk".into()];
        upsert(store, &p, &[]);
        let page = Page { offset: 0, limit: 10 };
        for query in [
            "karl johan åström",
            "KARL JOHAN ÅSTRÖM",
            "émile zoë öztürk",
            "ÉMILE ZOË ÖZTÜRK",
            "  Karl Johan Åström ",
        ] {
            let found = store.papers_by_author(query, page).unwrap();
            assert_eq!(found.len(), 1, "{}: {query}", b.name);
        }
        assert!(
            store.papers_by_author("Karl Johan Astrom", page).unwrap().is_empty(),
            "{}: accents matter",
            b.name
        );
        assert!(
            store.papers_by_author("Johan Åström", page).unwrap().is_empty(),
            "{}: whole names only",
            b.name
        );
        assert!(store.papers_by_author("  ", page).unwrap().is_empty(), "{}", b.name);
    }
}

#[test]
fn authors_match_whole_names_and_page_newest_first() {
    for b in support::backends() {
        let store: &dyn Backend = &*b.store;
        let add = |id: &str, announced: Option<&str>, authors: &[&str]| {
            let mut p = paper(id, 1, id);
            p.announced = announced.map(day);
            p.authors = authors.iter().map(|a| a.to_string()).collect();
            upsert(store, &p, &[]);
        };
        add("2401.00001", Some("2026-01-01"), &["Wei Li", "Ada Lovelace"]);
        add("2401.00002", Some("2026-01-03"), &["WEI LI"]);
        add("2401.00003", None, &["wei li"]);
        add("2401.00004", Some("2026-01-03"), &["Wei Lin"]);
        add("2401.00005", Some("2026-01-02"), &["Wei Li%", "Wei_Li"]);
        let ids = |query: &str, offset: u64, limit: u64| {
            let found = store.papers_by_author(query, Page { offset, limit }).unwrap();
            ids_of(&found).into_iter().map(String::from).collect::<Vec<_>>()
        };
        assert_eq!(
            ids("wei li", 0, 10),
            ["2401.00002", "2401.00001", "2401.00003"],
            "{}: newest first, unannounced last; Lin and look-alikes are someone else",
            b.name
        );
        assert_eq!(ids("Wei Li", 1, 1), ["2401.00001"], "{}", b.name);
        assert_eq!(ids("Wei Li", 2, 10), ["2401.00003"], "{}", b.name);
        assert!(ids("Wei Li", 3, 10).is_empty(), "{}", b.name);
        assert_eq!(
            ids("wei li%", 0, 10),
            ["2401.00005"],
            "{}: wildcards are literal",
            b.name
        );
        assert_eq!(ids("wei_li", 0, 10), ["2401.00005"], "{}", b.name);
        assert!(ids("Wei", 0, 10).is_empty(), "{}", b.name);
    }
}

/// Several instances writing at once must still give tailers a feed without gaps: every paper
/// once, in strictly increasing sequence numbers, and a tailer reading while they write must
/// not skip any (a number taken early but committed late would be skipped for good).
#[test]
fn concurrent_writers_never_make_the_change_feed_skip() {
    const THREADS_PER_HANDLE: usize = 4;
    const BATCHES: usize = 15;
    const PER_BATCH: usize = 3;
    for b in support::backends() {
        if b.database_url().is_none() {
            continue;
        }
        let handles = [b.reopen(), b.reopen()];
        let writers = handles.len() * THREADS_PER_HANDLE;
        let start = Barrier::new(writers + 1);
        let mut tailed = Vec::new();
        std::thread::scope(|scope| {
            let mut running = Vec::new();
            for (h, handle) in handles.iter().enumerate() {
                for t in 0..THREADS_PER_HANDLE {
                    let (store, start) = (&**handle, &start);
                    running.push(scope.spawn(move || {
                        start.wait();
                        for batch in 0..BATCHES {
                            let papers: Vec<Paper> = (0..PER_BATCH)
                                .map(|n| {
                                    let number = ((h * THREADS_PER_HANDLE + t) * BATCHES + batch) * PER_BATCH + n + 1;
                                    paper(&format!("2501.{number:05}"), 1, "concurrent")
                                })
                                .collect();
                            let batch: Vec<Upsert<'_>> =
                                papers.iter().map(|paper| Upsert { paper, daily: &[] }).collect();
                            store.upsert_batch(&batch).unwrap();
                        }
                    }));
                }
            }
            let tailer = &*b.store;
            start.wait();
            let mut after = 0;
            let mut tail = |tailed: &mut Vec<(i64, String)>| {
                for (seq, p) in tailer.changed_since(after, 7).unwrap() {
                    after = seq;
                    tailed.push((seq, p.id.to_string()));
                }
            };
            while running.iter().any(|w| !w.is_finished()) {
                tail(&mut tailed);
            }
            for writer in running {
                writer.join().unwrap();
            }
            loop {
                let before = tailed.len();
                tail(&mut tailed);
                if tailed.len() == before {
                    break;
                }
            }
        });
        let expected = writers * BATCHES * PER_BATCH;
        let feed = b.store.changed_since(0, expected + 10).unwrap();
        assert_eq!(feed.len(), expected, "{}: every paper", b.name);
        assert!(
            feed.windows(2).all(|w| w[0].0 < w[1].0),
            "{}: strictly increasing sequence numbers",
            b.name
        );
        let distinct: HashSet<&str> = feed.iter().map(|(_, p)| p.id.as_str()).collect();
        assert_eq!(distinct.len(), expected, "{}: each paper once", b.name);
        let feed: Vec<(i64, String)> = feed.into_iter().map(|(seq, p)| (seq, p.id.to_string())).collect();
        assert_eq!(
            tailed, feed,
            "{}: a tailer reading during the writes missed nothing",
            b.name
        );
    }
}
