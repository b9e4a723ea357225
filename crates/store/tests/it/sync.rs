//! The sync ledger: sources' last runs and the per-day, per-category record of what was
//! announced, alike on every backend, surviving a reopen.

use crate::support;

use chrono::{DateTime, NaiveDate, Utc};
use paperboy_store::{AnnouncedCounts, DayState, SourceStatus, SyncDay};

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn row(source: &str, d: &str, category: &str, new: u64, state: DayState) -> SyncDay {
    SyncDay {
        source: source.into(),
        day: day(d),
        category: category.into(),
        counts: AnnouncedCounts {
            new,
            cross: new * 2,
            replace: 3,
            replace_cross: 1,
        },
        fetched_at: (state != DayState::Missing).then(|| at("2026-01-06T01:02:03.456Z")),
        state,
    }
}

#[test]
fn sources_are_saved_whole_and_read_back() {
    for b in support::backends() {
        let store = &b.store;
        assert!(store.sync_sources().unwrap().is_empty(), "{}", b.name);
        let failed = SourceStatus {
            source: "arxiv".into(),
            last_attempt: Some(at("2026-01-06T01:00:00Z")),
            last_success: None,
            last_error: Some("https://rss.arxiv.org/rss/cs.AI: server answered 503".into()),
            next_run: Some(at("2026-01-06T01:10:00Z")),
        };
        store.save_sync_source(&failed).unwrap();
        store.save_sync_source(&SourceStatus::new("huggingface")).unwrap();
        assert_eq!(
            store.sync_sources().unwrap(),
            [failed.clone(), SourceStatus::new("huggingface")],
            "{}",
            b.name
        );
        let succeeded = SourceStatus {
            last_success: Some(at("2026-01-06T01:10:00.5Z")),
            last_error: None,
            ..failed
        };
        store.save_sync_source(&succeeded).unwrap();
        let reopened = b.reopen();
        assert_eq!(reopened.sync_sources().unwrap()[0], succeeded, "{}", b.name);
    }
}

#[test]
fn days_are_kept_per_source_day_and_category() {
    for b in support::backends() {
        let store = &b.store;
        let rows = [
            row("arxiv", "2026-01-05", "cs.AI", 10, DayState::Complete),
            row("arxiv", "2026-01-05", "cs.CL", 20, DayState::Complete),
            row("arxiv", "2026-01-06", "cs.AI", 0, DayState::Missing),
            row("huggingface", "2026-01-06", "", 7, DayState::Estimated),
        ];
        store.save_sync_days(&rows).unwrap();
        assert_eq!(
            store.sync_days(day("2026-01-01"), day("2026-01-31")).unwrap(),
            rows,
            "{}",
            b.name
        );
        assert_eq!(
            store.sync_days(day("2026-01-06"), day("2026-01-06")).unwrap(),
            rows[2..],
            "{}: a range",
            b.name
        );
        assert_eq!(
            store.last_synced_day("arxiv").unwrap(),
            Some(day("2026-01-05")),
            "{}",
            b.name
        );
        assert_eq!(store.last_synced_day("huggingface").unwrap(), Some(day("2026-01-06")));
        assert_eq!(store.last_synced_day("nowhere").unwrap(), None);

        // The missing day is fetched later: its row is replaced, not duplicated.
        let fetched = row("arxiv", "2026-01-06", "cs.AI", 12, DayState::Complete);
        store.save_sync_days(std::slice::from_ref(&fetched)).unwrap();
        let reopened = b.reopen();
        let held = reopened.sync_days(day("2026-01-06"), day("2026-01-06")).unwrap();
        assert_eq!(held, [fetched, rows[3].clone()], "{}", b.name);
        assert_eq!(reopened.last_synced_day("arxiv").unwrap(), Some(day("2026-01-06")));
    }
}

#[test]
fn the_most_common_primary_categories_come_first() {
    use paperboy_domain::{ArxivId, Paper};
    use paperboy_store::Upsert;
    for b in support::backends() {
        assert!(b.store.common_primary_categories(4).unwrap().is_empty(), "{}", b.name);
        let papers: Vec<Paper> = [
            ("2601.00001", "cs.LG"),
            ("2601.00002", "cs.CV"),
            ("2601.00003", "cs.LG"),
        ]
        .iter()
        .map(|(id, category)| Paper {
            title: "A title".into(),
            abstract_text: "An abstract".into(),
            categories: vec![category.to_string(), "stat.ML".into()],
            ..Paper::new(ArxivId::parse(id).unwrap())
        })
        .collect();
        let upserts: Vec<Upsert<'_>> = papers.iter().map(|paper| Upsert { paper, daily: &[] }).collect();
        b.store.upsert_batch(&upserts).unwrap();
        assert_eq!(
            b.store.common_primary_categories(4).unwrap(),
            ["cs.LG", "cs.CV"],
            "{}",
            b.name
        );
        assert_eq!(b.store.common_primary_categories(1).unwrap(), ["cs.LG"], "{}", b.name);
    }
}

#[test]
fn paperboy_copy_carries_the_ledger() {
    use paperboy_store::copy::{copy_all, TableCopy};
    let all = support::backends();
    let [from, to] = &all[..] else {
        return; // PostgreSQL is needed as the other end
    };
    let rows = [
        row("arxiv", "2026-01-05", "cs.AI", 10, DayState::Complete),
        row("arxiv", "2026-01-06", "cs.AI", 0, DayState::Missing),
    ];
    from.store.save_sync_days(&rows).unwrap();
    let status = SourceStatus {
        last_attempt: Some(at("2026-01-06T01:00:00Z")),
        last_error: Some("no items".into()),
        ..SourceStatus::new("arxiv")
    };
    from.store.save_sync_source(&status).unwrap();
    let source: &dyn TableCopy = from.store.as_ref();
    let target: &dyn TableCopy = to.store.as_ref();
    let report = copy_all(source, target, &paperboy_domain::NoProgress).unwrap();
    assert!(
        report.contains(&("sync_days", 2)) && report.contains(&("sync_sources", 1)),
        "{report:?}"
    );
    assert_eq!(to.store.sync_days(day("2026-01-01"), day("2026-01-31")).unwrap(), rows);
    assert_eq!(to.store.sync_sources().unwrap(), [status]);
}

#[test]
fn held_counts_are_papers_per_announcement_day_and_listed_category_and_daily_entries() {
    use paperboy_domain::{ArxivId, DailyEntry, Paper};
    use paperboy_store::{HeldCount, Upsert};
    let paper = |id: &str, announced: &str, categories: &[&str]| {
        let mut p = Paper::new(ArxivId::parse(id).unwrap());
        p.title = format!("Paper {id}");
        p.categories = categories.iter().map(|c| c.to_string()).collect();
        p.announced = Some(day(announced));
        p
    };
    let listed = DailyEntry {
        day: day("2026-01-06"),
        upvotes: 3,
        comments: 0,
        submitted_by: None,
        source: "hf".into(),
    };
    let papers = [
        paper("2601.00001", "2026-01-06", &["cs.CL", "cs.AI"]),
        paper("2601.00002", "2026-01-06", &["cs.AI"]),
        paper("2601.00003", "2026-01-07", &["cs.CV"]),
        paper("2601.00004", "2026-01-20", &["cs.AI"]),
    ];
    for b in support::backends() {
        let batch: Vec<Upsert<'_>> = papers
            .iter()
            .enumerate()
            .map(|(i, p)| Upsert {
                paper: p,
                daily: if i == 2 { std::slice::from_ref(&listed) } else { &[] },
            })
            .collect();
        b.store.upsert_batch(&batch).unwrap();
        let mut held = b.store.held_counts(day("2026-01-05"), day("2026-01-08")).unwrap();
        held.sort_by(|a, b| (a.day, &a.category).cmp(&(b.day, &b.category)));
        let count = |d: &str, category: &str, papers: u64| HeldCount {
            day: day(d),
            category: category.into(),
            papers,
        };
        assert_eq!(
            held,
            [
                count("2026-01-06", "", 1),
                count("2026-01-06", "cs.AI", 2),
                count("2026-01-06", "cs.CL", 1),
                count("2026-01-07", "cs.CV", 1),
            ],
            "{}: cross-lists count in every category they list; 20 January is outside",
            b.name
        );
    }
}
