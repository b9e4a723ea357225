//! A reader's follows, saved searches and "not interested" marks, on every backend: scoped to
//! their owner, unique where they should be, and forgotten on request.

use crate::support;

use paperboy_domain::{ArxivId, Paper};
use paperboy_store::{Backend, CreateUserOutcome, FollowKind, NewSavedSearch, NewUser, SignalCounts, Upsert};

fn add_user(store: &dyn Backend, name: &str) -> i64 {
    let outcome = store
        .create_user(&NewUser {
            name,
            email: &format!("{name}@example.org"),
            password_hash: "h",
            is_admin: false,
            email_verified: true,
        })
        .unwrap();
    match outcome {
        CreateUserOutcome::Created(id) => id,
        other => panic!("could not create {name}: {other:?}"),
    }
}

fn add_paper(store: &dyn Backend, raw: &str) -> ArxivId {
    let mut paper = Paper::new(ArxivId::parse(raw).unwrap());
    paper.version = Some(1);
    paper.title = format!("Paper {raw}");
    store
        .upsert_batch(&[Upsert {
            paper: &paper,
            daily: &[],
        }])
        .unwrap();
    paper.id
}

fn search(name: &str, query: &str) -> NewSavedSearch {
    NewSavedSearch {
        name: name.into(),
        query: query.into(),
        mode: "hybrid".into(),
    }
}

#[test]
fn follows_are_unique_per_reader_whatever_the_case_and_only_their_owner_removes_them() {
    for b in support::backends() {
        let store = &*b.store;
        let (ada, grace) = (add_user(store, "ada"), add_user(store, "grace"));
        let jane = store.follow(ada, FollowKind::Author, " Jane Doe ").unwrap();
        assert!(jane.created(), "{}", b.name);
        let jane = jane.into_inner();
        assert_eq!(jane.value, "Jane Doe", "{}: kept as given, trimmed", b.name);
        let again = store.follow(ada, FollowKind::Author, "jane doe").unwrap();
        assert!(!again.created(), "{}", b.name);
        assert_eq!(again.into_inner().id, jane.id, "{}", b.name);
        let robotics = store.follow(ada, FollowKind::Category, "cs.RO").unwrap().into_inner();
        // The same name as a category is another follow; another reader's is their own.
        store.follow(ada, FollowKind::Category, "Jane Doe").unwrap();
        let graces = store.follow(grace, FollowKind::Author, "Jane Doe").unwrap();
        assert!(graces.created(), "{}", b.name);

        let listed = store.follows(ada).unwrap();
        assert_eq!(listed.len(), 3, "{}", b.name);
        assert_eq!(listed[0], jane, "{}: oldest first", b.name);
        assert_eq!(listed[1].kind, FollowKind::Category, "{}", b.name);
        assert_eq!(store.follows(grace).unwrap().len(), 1, "{}", b.name);

        assert!(!store.unfollow(grace, robotics.id).unwrap(), "{}: not grace's", b.name);
        assert_eq!(store.follows(ada).unwrap().len(), 3, "{}", b.name);
        assert!(store.unfollow(ada, robotics.id).unwrap(), "{}", b.name);
        assert!(!store.unfollow(ada, robotics.id).unwrap(), "{}: already gone", b.name);
        assert_eq!(store.follows(ada).unwrap().len(), 2, "{}", b.name);
    }
}

#[test]
fn a_saved_search_saved_again_under_its_name_is_replaced() {
    for b in support::backends() {
        let store = &*b.store;
        let (ada, grace) = (add_user(store, "ada"), add_user(store, "grace"));
        let video = store.save_search(ada, &search("video", "diffusion video")).unwrap();
        assert!(video.created(), "{}", b.name);
        let video = video.into_inner();
        assert_eq!(
            (video.query.as_str(), video.mode.as_str()),
            ("diffusion video", "hybrid")
        );
        let mut changed = search("video", "video generation");
        changed.mode = "keyword".into();
        let replaced = store.save_search(ada, &changed).unwrap();
        assert!(!replaced.created(), "{}", b.name);
        let replaced = replaced.into_inner();
        assert_eq!(replaced.id, video.id, "{}", b.name);
        assert_eq!(
            (replaced.query.as_str(), replaced.mode.as_str()),
            ("video generation", "keyword")
        );
        store.save_search(ada, &search("robots", "robot learning")).unwrap();
        store.save_search(grace, &search("video", "something else")).unwrap();

        let listed = store.saved_searches(ada).unwrap();
        assert_eq!(
            listed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["video", "robots"],
            "{}",
            b.name
        );
        assert_eq!(listed[0].query, "video generation", "{}", b.name);
        assert!(!store.delete_saved_search(grace, video.id).unwrap(), "{}", b.name);
        assert!(store.delete_saved_search(ada, video.id).unwrap(), "{}", b.name);
        assert_eq!(store.saved_searches(ada).unwrap().len(), 1, "{}", b.name);
        assert_eq!(
            store.saved_searches(grace).unwrap()[0].query,
            "something else",
            "{}",
            b.name
        );
    }
}

#[test]
fn not_interested_marks_a_stored_paper_once_and_can_be_undone() {
    for b in support::backends() {
        let store = &*b.store;
        let (ada, grace) = (add_user(store, "ada"), add_user(store, "grace"));
        let first = add_paper(store, "2605.00001");
        let second = add_paper(store, "2605.00002");
        let missing = ArxivId::parse("2605.99999").unwrap();
        assert_eq!(
            store.set_not_interested(ada, &missing, true).unwrap(),
            None,
            "{}",
            b.name
        );
        assert_eq!(
            store.set_not_interested(ada, &first, true).unwrap(),
            Some(true),
            "{}",
            b.name
        );
        assert_eq!(
            store.set_not_interested(ada, &first, true).unwrap(),
            Some(false),
            "{}",
            b.name
        );
        assert_eq!(
            store.set_not_interested(ada, &second, true).unwrap(),
            Some(true),
            "{}",
            b.name
        );
        let marked: Vec<String> = store
            .not_interested(ada, 10)
            .unwrap()
            .into_iter()
            .map(|n| n.paper_id)
            .collect();
        assert_eq!(marked.len(), 2, "{}", b.name);
        assert!(marked.contains(&"2605.00001".to_string()), "{}", b.name);
        assert!(store.not_interested(grace, 10).unwrap().is_empty(), "{}", b.name);
        assert_eq!(
            store.set_not_interested(ada, &first, false).unwrap(),
            Some(true),
            "{}",
            b.name
        );
        assert_eq!(
            store.set_not_interested(ada, &first, false).unwrap(),
            Some(false),
            "{}",
            b.name
        );
        assert_eq!(
            store.not_interested(ada, 10).unwrap()[0].paper_id,
            "2605.00002",
            "{}",
            b.name
        );
        assert_eq!(store.not_interested(ada, 0).unwrap().len(), 0, "{}", b.name);
    }
}

#[test]
fn deleting_a_readers_signals_leaves_everyone_elses() {
    for b in support::backends() {
        let store = &*b.store;
        let (ada, grace) = (add_user(store, "ada"), add_user(store, "grace"));
        let paper = add_paper(store, "2605.00001");
        for user in [ada, grace] {
            store.follow(user, FollowKind::Author, "Jane Doe").unwrap();
            store.follow(user, FollowKind::Category, "cs.RO").unwrap();
            store.save_search(user, &search("video", "diffusion video")).unwrap();
            store.set_not_interested(user, &paper, true).unwrap();
        }
        let all = SignalCounts {
            follows: 2,
            saved_searches: 1,
            not_interested: 1,
        };
        assert_eq!(store.signal_counts(ada).unwrap(), all, "{}", b.name);
        assert_eq!(store.delete_signals(ada).unwrap(), all, "{}", b.name);
        assert_eq!(store.signal_counts(ada).unwrap(), SignalCounts::default(), "{}", b.name);
        assert_eq!(store.signal_counts(grace).unwrap(), all, "{}", b.name);
    }
}

#[test]
fn the_latest_announcement_day_is_found_on_or_before_a_day() {
    for b in support::backends() {
        let store = &*b.store;
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        assert_eq!(
            store.latest_announced_day(day("2026-05-09")).unwrap(),
            None,
            "{}",
            b.name
        );
        for (raw, announced) in [("2605.00001", "2026-05-04"), ("2605.00002", "2026-05-06")] {
            let mut paper = Paper::new(ArxivId::parse(raw).unwrap());
            paper.version = Some(1);
            paper.title = format!("Paper {raw}");
            paper.announced = Some(day(announced));
            store
                .upsert_batch(&[Upsert {
                    paper: &paper,
                    daily: &[],
                }])
                .unwrap();
        }
        let found = |s: &str| store.latest_announced_day(day(s)).unwrap();
        assert_eq!(found("2026-05-09"), Some(day("2026-05-06")), "{}", b.name);
        assert_eq!(found("2026-05-05"), Some(day("2026-05-04")), "{}", b.name);
        assert_eq!(found("2026-05-03"), None, "{}", b.name);
    }
}
