//! The community side of the store (accounts, tokens, votes, comments, submissions,
//! moderation) through its public traits, on every backend: SQLite files, and PostgreSQL when
//! a test server is configured. Counters and limits must hold with several instances writing
//! at once, so the races are tested too, through two independent handles.

use crate::support;

use std::sync::Barrier;

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use paperboy_domain::{ArxivId, DailyEntry, Paper};
use paperboy_store::{
    AddCommentOutcome, Backend, CreateUserOutcome, NewToken, NewUser, PaperStore, ParticipationStore, SqliteStore,
    SubmitOutcome, TokenKind, Upsert,
};

fn id(s: &str) -> ArxivId {
    ArxivId::parse(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The time now, as every backend stores it (PostgreSQL keeps microseconds).
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Stores a paper, listed on `daily` as `(day, upvotes, comments)` by an importer.
fn add_paper(store: &dyn Backend, paper_id: &str, daily: &[(&str, i64, i64)]) -> ArxivId {
    let mut paper = Paper::new(id(paper_id));
    paper.version = Some(1);
    paper.title = format!("Paper {paper_id}");
    let daily: Vec<DailyEntry> = daily
        .iter()
        .map(|&(d, upvotes, comments)| DailyEntry {
            day: day(d),
            upvotes,
            comments,
            submitted_by: None,
            source: "hf".into(),
        })
        .collect();
    store
        .upsert_batch(&[Upsert {
            paper: &paper,
            daily: &daily,
        }])
        .unwrap();
    paper.id
}

fn new_user<'a>(name: &'a str, email: &'a str) -> NewUser<'a> {
    NewUser {
        name,
        email,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        is_admin: false,
        email_verified: true,
    }
}

fn add_user(store: &dyn Backend, name: &str) -> i64 {
    let outcome = store
        .create_user(&new_user(name, &format!("{name}@example.org")))
        .unwrap();
    match outcome {
        CreateUserOutcome::Created(id) => id,
        other => panic!("could not create {name}: {other:?}"),
    }
}

fn add_token(store: &dyn Backend, hash: &str, user_id: i64, kind: TokenKind, expires_in: Option<Duration>) -> i64 {
    store
        .insert_token(&NewToken {
            hash,
            user_id,
            kind,
            label: None,
            expires_at: expires_in.map(|d| Utc::now() + d),
        })
        .unwrap()
}

fn upvotes(store: &dyn Backend, paper: &ArxivId) -> i64 {
    store.paper(paper).unwrap().unwrap().upvotes
}

fn comments(store: &dyn Backend, paper: &ArxivId) -> i64 {
    store.paper(paper).unwrap().unwrap().comments
}

#[test]
fn names_and_emails_are_unique_and_found_regardless_of_case() {
    for b in support::backends() {
        let store = &*b.store;
        let ada = add_user(store, "Ada");
        let taken_name = store
            .create_user(&NewUser {
                name: "aDA",
                email: "other@example.org",
                password_hash: "h",
                is_admin: false,
                email_verified: false,
            })
            .unwrap();
        assert_eq!(taken_name, CreateUserOutcome::NameTaken, "{}", b.name);
        let taken_email = store
            .create_user(&NewUser {
                name: "grace",
                email: "ADA@Example.ORG",
                password_hash: "h",
                is_admin: true,
                email_verified: false,
            })
            .unwrap();
        assert_eq!(taken_email, CreateUserOutcome::EmailTaken, "{}", b.name);

        let found = store.user_by_name("ADA").unwrap().unwrap();
        assert_eq!(found.id, ada, "{}", b.name);
        assert_eq!(found.name, "Ada", "{}: shown as created", b.name);
        assert!(
            found.email_verified && !found.is_admin && !found.banned && !found.votes_public,
            "{}",
            b.name
        );
        assert_eq!(
            store.user_by_email("ada@EXAMPLE.org").unwrap().unwrap().id,
            ada,
            "{}",
            b.name
        );
        assert_eq!(store.user(ada).unwrap().unwrap(), found, "{}", b.name);
        assert_eq!(store.user_by_name("grace").unwrap(), None, "{}", b.name);

        store.set_votes_public(ada, true).unwrap();
        assert!(store.user(ada).unwrap().unwrap().votes_public, "{}", b.name);
    }
}

#[test]
fn concurrent_sign_ups_for_one_name_or_email_create_one_account() {
    for b in support::backends() {
        let other = b.reopen();
        const RACERS: usize = 8;
        let names = ["Racer", "racer", "RACER", "rAcEr", "RaCeR", "racER", "RACer", "Racer"];
        let emails = [
            "Mail@example.org",
            "mail@example.org",
            "MAIL@EXAMPLE.ORG",
            "mail@Example.org",
        ];
        let start = Barrier::new(2 * RACERS);
        let outcomes: Vec<CreateUserOutcome> = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..2 * RACERS)
                .map(|n| {
                    let via: &dyn Backend = if n % 2 == 0 { &*b.store } else { &*other };
                    let start = &start;
                    scope.spawn(move || {
                        // The first half race for one name (with distinct emails), the second
                        // half for one email (with distinct names).
                        let (name, email) = if n < RACERS {
                            (names[n].to_string(), format!("racer{n}@example.org"))
                        } else {
                            (format!("mailer{n}"), emails[n % emails.len()].to_string())
                        };
                        start.wait();
                        via.create_user(&new_user(&name, &email))
                            .unwrap_or_else(|e| panic!("{}: signing up {name} <{email}>: {e}", b.name))
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });

        for (half, taken) in [
            (&outcomes[..RACERS], CreateUserOutcome::NameTaken),
            (&outcomes[RACERS..], CreateUserOutcome::EmailTaken),
        ] {
            let created = half
                .iter()
                .filter(|o| matches!(o, CreateUserOutcome::Created(_)))
                .count();
            assert_eq!(created, 1, "{}: exactly one account in {half:?}", b.name);
            assert!(
                half.iter()
                    .all(|o| matches!(o, CreateUserOutcome::Created(_)) || *o == taken),
                "{}: the others are told {taken:?}: {half:?}",
                b.name
            );
        }
        let racer = b.store.user_by_name("racer").unwrap().unwrap();
        assert!(outcomes.contains(&CreateUserOutcome::Created(racer.id)), "{}", b.name);
        let mailer = other.user_by_email("MAIL@example.org").unwrap().unwrap();
        assert!(outcomes.contains(&CreateUserOutcome::Created(mailer.id)), "{}", b.name);
    }
}

#[test]
fn tokens_are_found_until_they_expire_and_one_time_links_work_once() {
    for b in support::backends() {
        let store = &*b.store;
        let ada = add_user(store, "ada");
        let now = now();
        let session = add_token(store, "session-hash", ada, TokenKind::Session, Some(Duration::days(30)));
        add_token(store, "stale-hash", ada, TokenKind::Session, Some(Duration::hours(-1)));

        let (info, user) = store
            .find_token("session-hash", TokenKind::Session, now)
            .unwrap()
            .unwrap();
        assert_eq!(
            (info.id, info.kind, user.id),
            (session, TokenKind::Session, ada),
            "{}",
            b.name
        );
        assert_eq!(info.last_used_at, Some(now), "{}", b.name);
        assert_eq!(
            store.tokens(ada, TokenKind::Session).unwrap()[1].last_used_at,
            Some(now),
            "{}: the use is recorded",
            b.name
        );
        let (_, _) = store
            .find_token("session-hash", TokenKind::Session, now + Duration::seconds(30))
            .unwrap()
            .unwrap();
        assert_eq!(
            store.tokens(ada, TokenKind::Session).unwrap()[1].last_used_at,
            Some(now),
            "{}: a use within a minute of the last is not written",
            b.name
        );
        assert!(
            store.find_token("session-hash", TokenKind::Api, now).unwrap().is_none(),
            "{}: a token only counts as its own kind",
            b.name
        );
        assert!(
            store
                .find_token("stale-hash", TokenKind::Session, now)
                .unwrap()
                .is_none(),
            "{}",
            b.name
        );
        assert!(
            store
                .find_token("session-hash", TokenKind::Session, now + Duration::days(31))
                .unwrap()
                .is_none(),
            "{}",
            b.name
        );

        add_token(
            store,
            "reset-hash",
            ada,
            TokenKind::PasswordReset,
            Some(Duration::hours(1)),
        );
        assert_eq!(
            store
                .take_token("reset-hash", TokenKind::PasswordReset, now)
                .unwrap()
                .map(|u| u.id),
            Some(ada),
            "{}",
            b.name
        );
        assert!(
            store
                .take_token("reset-hash", TokenKind::PasswordReset, now)
                .unwrap()
                .is_none(),
            "{}: a one-time link works once",
            b.name
        );
        add_token(
            store,
            "late-hash",
            ada,
            TokenKind::VerifyEmail,
            Some(Duration::hours(1)),
        );
        assert!(
            store
                .take_token("late-hash", TokenKind::VerifyEmail, now + Duration::hours(2))
                .unwrap()
                .is_none(),
            "{}",
            b.name
        );
        assert!(
            store.tokens(ada, TokenKind::VerifyEmail).unwrap().is_empty(),
            "{}: an expired link is spent too",
            b.name
        );

        assert!(store.delete_token("session-hash").unwrap(), "{}", b.name);
        assert!(!store.delete_token("session-hash").unwrap(), "{}", b.name);
        assert!(
            store
                .find_token("session-hash", TokenKind::Session, now)
                .unwrap()
                .is_none(),
            "{}",
            b.name
        );
    }
}

#[test]
fn a_one_time_link_taken_at_once_through_two_stores_works_once() {
    for b in support::backends() {
        let other = b.reopen();
        let ada = add_user(&*b.store, "ada");
        const LINKS: usize = 8;
        for n in 0..LINKS {
            add_token(
                &*b.store,
                &format!("reset-{n}"),
                ada,
                TokenKind::PasswordReset,
                Some(Duration::hours(1)),
            );
        }
        let start = Barrier::new(2 * LINKS);
        let taken: usize = std::thread::scope(|scope| {
            let takers: Vec<_> = (0..2 * LINKS)
                .map(|n| {
                    let via: &dyn Backend = if n % 2 == 0 { &*b.store } else { &*other };
                    let start = &start;
                    scope.spawn(move || {
                        start.wait();
                        via.take_token(&format!("reset-{}", n / 2), TokenKind::PasswordReset, Utc::now())
                            .unwrap()
                            .is_some()
                    })
                })
                .collect();
            takers
                .into_iter()
                .map(|t| t.join().unwrap())
                .filter(|&taken| taken)
                .count()
        });
        assert_eq!(taken, LINKS, "{}: each link once", b.name);
    }
}

#[test]
fn a_new_password_ends_sessions_and_api_tokens() {
    for b in support::backends() {
        let store = &*b.store;
        let ada = add_user(store, "ada");
        let grace = add_user(store, "grace");
        add_token(store, "s1", ada, TokenKind::Session, None);
        add_token(store, "s2", ada, TokenKind::Session, None);
        add_token(store, "a1", ada, TokenKind::Api, None);
        let graces_api = add_token(store, "a2", grace, TokenKind::Api, None);
        add_token(store, "s3", grace, TokenKind::Session, None);

        store.set_password(ada, "new-hash").unwrap();

        assert_eq!(
            store.user(ada).unwrap().unwrap().password_hash,
            "new-hash",
            "{}",
            b.name
        );
        assert!(store.tokens(ada, TokenKind::Session).unwrap().is_empty(), "{}", b.name);
        let now = now();
        assert!(
            store.find_token("a1", TokenKind::Api, now).unwrap().is_none(),
            "{}: whoever knew the old password may have made this token",
            b.name
        );
        assert!(store.tokens(ada, TokenKind::Api).unwrap().is_empty(), "{}", b.name);
        assert!(
            store.find_token("s3", TokenKind::Session, now).unwrap().is_some(),
            "{}: other users keep their sessions",
            b.name
        );
        assert_eq!(
            store.find_token("a2", TokenKind::Api, now).unwrap().unwrap().0.id,
            graces_api,
            "{}: and their API tokens",
            b.name
        );
    }
}

#[test]
fn a_ban_ends_sessions_and_api_tokens_and_refuses_the_user() {
    for b in support::backends() {
        let store = &*b.store;
        let ada = add_user(store, "ada");
        add_token(store, "s1", ada, TokenKind::Session, None);
        add_token(store, "a1", ada, TokenKind::Api, None);
        add_token(store, "v1", ada, TokenKind::VerifyEmail, None);

        store.set_banned(ada, true).unwrap();

        assert!(store.user(ada).unwrap().unwrap().banned, "{}", b.name);
        assert!(store.tokens(ada, TokenKind::Session).unwrap().is_empty(), "{}", b.name);
        assert!(store.tokens(ada, TokenKind::Api).unwrap().is_empty(), "{}", b.name);
        let now = now();
        assert_eq!(
            store.tokens(ada, TokenKind::VerifyEmail).unwrap().len(),
            1,
            "{}",
            b.name
        );
        assert!(
            store.find_token("v1", TokenKind::VerifyEmail, now).unwrap().is_none(),
            "{}: a banned user's remaining tokens are refused",
            b.name
        );
        add_token(store, "s2", ada, TokenKind::Session, None);
        assert!(
            store.find_token("s2", TokenKind::Session, now).unwrap().is_none(),
            "{}",
            b.name
        );

        store.set_banned(ada, false).unwrap();
        assert!(
            store.find_token("s2", TokenKind::Session, now).unwrap().is_some(),
            "{}",
            b.name
        );
        assert_eq!(store.delete_tokens(ada, TokenKind::Session).unwrap(), 1, "{}", b.name);
    }
}

#[test]
fn revoking_a_token_by_id_deletes_only_the_named_kind_of_the_owner() {
    for b in support::backends() {
        let store = &*b.store;
        let ada = add_user(store, "ada");
        let bob = add_user(store, "bob");
        let api = add_token(store, "a1", ada, TokenKind::Api, None);
        let feed = add_token(store, "f1", ada, TokenKind::Feed, None);
        let session = add_token(store, "s1", ada, TokenKind::Session, None);
        let bobs = add_token(store, "a2", bob, TokenKind::Api, None);

        for (kind, id) in [
            (TokenKind::Feed, api),
            (TokenKind::Api, feed),
            (TokenKind::Api, session),
            (TokenKind::Feed, session),
        ] {
            assert!(
                !store.delete_token_of(ada, kind, id).unwrap(),
                "{}: token {id} is not a {kind:?} token",
                b.name
            );
        }
        assert!(!store.delete_token_of(ada, TokenKind::Api, bobs).unwrap(), "{}", b.name);
        for kind in [TokenKind::Api, TokenKind::Feed, TokenKind::Session] {
            assert_eq!(store.tokens(ada, kind).unwrap().len(), 1, "{}: {kind:?}", b.name);
        }
        assert_eq!(store.tokens(bob, TokenKind::Api).unwrap().len(), 1, "{}", b.name);

        assert!(store.delete_token_of(ada, TokenKind::Feed, feed).unwrap(), "{}", b.name);
        assert!(store.tokens(ada, TokenKind::Feed).unwrap().is_empty(), "{}", b.name);
        assert_eq!(store.tokens(ada, TokenKind::Api).unwrap().len(), 1, "{}", b.name);
        assert!(store.delete_token_of(ada, TokenKind::Api, api).unwrap(), "{}", b.name);
        assert!(store.tokens(ada, TokenKind::Api).unwrap().is_empty(), "{}", b.name);
        assert_eq!(store.tokens(ada, TokenKind::Session).unwrap().len(), 1, "{}", b.name);
    }
}

#[test]
fn concurrent_votes_through_two_stores_are_counted_exactly() {
    for b in support::backends() {
        let store = &*b.store;
        let other = b.reopen();
        let paper = add_paper(store, "2404.00001", &[("2026-01-02", 5, 0)]);
        const PER_STORE: usize = 8;
        let users: Vec<i64> = (0..2 * PER_STORE)
            .map(|n| add_user(store, &format!("voter{n}")))
            .collect();
        let start = Barrier::new(users.len());

        std::thread::scope(|scope| {
            for (n, &user) in users.iter().enumerate() {
                let via: &dyn Backend = if n < PER_STORE { store } else { &*other };
                let (start, paper, name) = (&start, &paper, b.name);
                scope.spawn(move || {
                    start.wait();
                    let first = via.vote(user, paper, true).unwrap().unwrap();
                    assert!(first.changed && first.voted, "{name}");
                    let again = via.vote(user, paper, true).unwrap().unwrap();
                    assert!(!again.changed, "{name}: a repeated vote counts once");
                    if n % 4 == 0 {
                        let undone = via.vote(user, paper, false).unwrap().unwrap();
                        assert!(undone.changed && !undone.voted, "{name}");
                    }
                });
            }
        });

        let kept = users.len() as i64 - users.len().div_ceil(4) as i64;
        let last = store.vote(users[1], &paper, true).unwrap().unwrap();
        assert_eq!((last.changed, last.votes), (false, kept), "{}", b.name);
        assert_eq!(upvotes(store, &paper), 5 + kept, "{}", b.name);
        assert_eq!(upvotes(&*other, &paper), 5 + kept, "{}", b.name);
    }
}

#[test]
fn votes_add_to_imported_upvotes_and_can_be_taken_back() {
    for b in support::backends() {
        let store = &*b.store;
        let paper = add_paper(store, "2404.00001", &[("2026-01-02", 3, 0), ("2026-01-03", 7, 0)]);
        let quiet = add_paper(store, "2404.00002", &[]);
        let ada = add_user(store, "ada");

        assert_eq!(
            store.vote(ada, &id("2404.99999"), true).unwrap(),
            None,
            "{}: unknown paper",
            b.name
        );
        let voted = store.vote(ada, &paper, true).unwrap().unwrap();
        assert_eq!((voted.changed, voted.voted, voted.votes), (true, true, 1), "{}", b.name);
        assert_eq!(
            upvotes(store, &paper),
            7 + 1,
            "{}: the best imported count plus votes",
            b.name
        );
        assert_eq!(voted.upvotes, 7 + 1, "{}: the vote reports what pages show", b.name);
        let quiet_vote = store.vote(ada, &quiet, true).unwrap().unwrap();
        assert_eq!(upvotes(store, &quiet), 1, "{}", b.name);
        assert_eq!(quiet_vote.upvotes, 1, "{}", b.name);

        let ids = vec![paper.to_string(), quiet.to_string(), "2404.99999".to_string()];
        assert_eq!(store.voted(ada, &ids).unwrap().len(), 2, "{}", b.name);
        assert_eq!(store.upvoted_by(ada, 10).unwrap().len(), 2, "{}", b.name);
        assert_eq!(store.upvoted_by(ada, 1).unwrap().len(), 1, "{}", b.name);

        let undone = store.vote(ada, &paper, false).unwrap().unwrap();
        assert_eq!(
            (undone.changed, undone.voted, undone.votes),
            (true, false, 0),
            "{}",
            b.name
        );
        let again = store.vote(ada, &paper, false).unwrap().unwrap();
        assert_eq!((again.changed, again.votes, again.upvotes), (false, 0, 7), "{}", b.name);
        assert_eq!(upvotes(store, &paper), 7, "{}", b.name);
        assert_eq!(
            store.upvoted_by(ada, 10).unwrap(),
            vec![quiet.to_string()],
            "{}",
            b.name
        );
    }
}

#[test]
fn comments_thread_on_one_paper_and_only_visible_ones_count() {
    for b in support::backends() {
        let store = &*b.store;
        let paper = add_paper(store, "2404.00001", &[("2026-01-02", 0, 4)]);
        let elsewhere = add_paper(store, "2404.00002", &[]);
        let ada = add_user(store, "ada");
        let grace = add_user(store, "grace");
        let added = |paper: &ArxivId, user, parent, body| match store.add_comment(paper, user, parent, body).unwrap() {
            AddCommentOutcome::Added(comment) => comment,
            other => panic!("{}: comment not added: {other:?}", b.name),
        };

        let root = added(&paper, ada, None, "First!");
        assert_eq!(
            (root.author.as_str(), root.paper_id.as_str()),
            ("ada", "2404.00001"),
            "{}",
            b.name
        );
        let reply = added(&paper, grace, Some(root.id), "A *reply*");
        assert_eq!(reply.parent_id, Some(root.id), "{}", b.name);
        let other = added(&elsewhere, grace, None, "Elsewhere");
        assert_eq!(
            store.add_comment(&paper, ada, Some(other.id), "x").unwrap(),
            AddCommentOutcome::BadParent,
            "{}: a parent on another paper",
            b.name
        );
        assert_eq!(
            store.add_comment(&paper, ada, Some(9999), "x").unwrap(),
            AddCommentOutcome::BadParent,
            "{}",
            b.name
        );
        assert_eq!(
            store.add_comment(&id("2404.99999"), ada, None, "x").unwrap(),
            AddCommentOutcome::NoSuchPaper,
            "{}",
            b.name
        );
        let on_paper: Vec<i64> = store.comments_on(&paper).unwrap().iter().map(|c| c.id).collect();
        assert_eq!(on_paper, vec![root.id, reply.id], "{}: oldest first", b.name);
        assert_eq!(
            comments(store, &paper),
            4 + 2,
            "{}: imported plus visible comments",
            b.name
        );

        assert!(store.edit_comment(reply.id, "An edited reply").unwrap(), "{}", b.name);
        let edited = store.comment(reply.id).unwrap().unwrap();
        assert_eq!(edited.body, "An edited reply", "{}", b.name);
        assert!(edited.edited_at.is_some(), "{}", b.name);

        assert!(store.set_comment_hidden(reply.id, true).unwrap(), "{}", b.name);
        assert!(
            store.set_comment_hidden(reply.id, true).unwrap(),
            "{}: hiding twice counts once",
            b.name
        );
        assert_eq!(comments(store, &paper), 4 + 1, "{}", b.name);
        assert!(store.delete_comment(reply.id).unwrap(), "{}", b.name);
        assert_eq!(
            comments(store, &paper),
            4 + 1,
            "{}: a hidden comment was already out of the count",
            b.name
        );
        assert!(store.set_comment_hidden(reply.id, false).unwrap(), "{}", b.name);
        assert_eq!(
            comments(store, &paper),
            4 + 1,
            "{}: a deleted comment stays out when shown",
            b.name
        );

        assert!(store.delete_comment(root.id).unwrap(), "{}", b.name);
        assert!(!store.delete_comment(root.id).unwrap(), "{}", b.name);
        assert!(!store.edit_comment(root.id, "too late").unwrap(), "{}", b.name);
        assert_eq!(comments(store, &paper), 4, "{}", b.name);
        assert_eq!(
            store.add_comment(&paper, grace, Some(root.id), "x").unwrap(),
            AddCommentOutcome::BadParent,
            "{}: a deleted parent",
            b.name
        );
        let kept = store.comments_on(&paper).unwrap();
        assert!(
            kept.iter().all(|c| c.deleted),
            "{}: deleted comments keep their place",
            b.name
        );

        let ids = vec![paper.to_string(), elsewhere.to_string()];
        let counts = store.comment_counts(&ids).unwrap();
        assert_eq!(counts.get(paper.as_str()).copied().unwrap_or(0), 0, "{}", b.name);
        assert_eq!(counts.get(elsewhere.as_str()), Some(&1), "{}", b.name);
        let by_grace: Vec<i64> = store.comments_by(grace, 10).unwrap().iter().map(|c| c.id).collect();
        assert_eq!(by_grace, vec![other.id, reply.id], "{}: newest first", b.name);
    }
}

#[test]
fn concurrent_comments_hides_and_deletes_through_two_stores_keep_the_count_exact() {
    for b in support::backends() {
        let store = &*b.store;
        let reopened = b.reopen();
        let other: &dyn Backend = &*reopened;
        let paper = add_paper(store, "2404.00001", &[]);
        const WRITERS: usize = 8;
        let users: Vec<i64> = (0..WRITERS).map(|n| add_user(store, &format!("writer{n}"))).collect();
        let start = Barrier::new(WRITERS);

        std::thread::scope(|scope| {
            for (n, &user) in users.iter().enumerate() {
                let via: &dyn Backend = if n % 2 == 0 { store } else { other };
                let (start, paper, name) = (&start, &paper, b.name);
                scope.spawn(move || {
                    start.wait();
                    for round in 0..3 {
                        let AddCommentOutcome::Added(comment) = via.add_comment(paper, user, None, "hi").unwrap()
                        else {
                            panic!("{name}: comment not added");
                        };
                        // Round 0 keeps its comment; round 1 hides and deletes it (from both
                        // stores, the second of each a no-op); round 2 deletes it.
                        match round {
                            0 => {}
                            1 => {
                                via.set_comment_hidden(comment.id, true).unwrap();
                                store.delete_comment(comment.id).unwrap();
                                other.set_comment_hidden(comment.id, true).unwrap();
                                via.delete_comment(comment.id).unwrap();
                            }
                            _ => {
                                assert!(via.delete_comment(comment.id).unwrap(), "{name}");
                            }
                        }
                    }
                });
            }
        });

        assert_eq!(comments(store, &paper), WRITERS as i64, "{}", b.name);
        let counts = other.comment_counts(&[paper.to_string()]).unwrap();
        assert_eq!(counts.get(paper.as_str()), Some(&(WRITERS as i64)), "{}", b.name);
    }
}

#[test]
fn submissions_join_the_days_list_within_the_daily_limit() {
    for b in support::backends() {
        let store = &*b.store;
        let today = day("2026-01-05");
        let imported = add_paper(store, "2404.00001", &[("2026-01-02", 1, 0), ("2026-01-05", 1, 0)]);
        let first = add_paper(store, "2404.00002", &[]);
        let second = add_paper(store, "2404.00003", &[]);
        let third = add_paper(store, "2404.00004", &[]);
        let ada = add_user(store, "ada");
        let grace = add_user(store, "grace");
        let seq_before = store.change_seq().unwrap();

        let submitted = match store.submit(today, &first, ada, 2).unwrap() {
            SubmitOutcome::Added(s) => s,
            other => panic!("{}: not submitted: {other:?}", b.name),
        };
        assert_eq!(
            (submitted.submitter.as_str(), submitted.day),
            ("ada", today),
            "{}",
            b.name
        );
        assert!(store.change_seq().unwrap() > seq_before, "{}", b.name);
        let changed: Vec<String> = store
            .changed_since(seq_before, 10)
            .unwrap()
            .into_iter()
            .map(|(_, p)| p.id.to_string())
            .collect();
        assert_eq!(
            changed,
            vec![first.to_string()],
            "{}: derived indexes see the new listing",
            b.name
        );
        let doc = store.paper(&first).unwrap().unwrap();
        assert_eq!(doc.daily, vec![today], "{}", b.name);
        assert_eq!(doc.daily_entries[0].submitted_by.as_deref(), Some("ada"), "{}", b.name);
        assert_eq!(doc.daily_entries[0].source, "submitted", "{}", b.name);

        // Two community votes rank the submission above an imported entry with one upvote.
        store.vote(ada, &first, true).unwrap();
        store.vote(grace, &first, true).unwrap();
        let listed: Vec<String> = store
            .daily_list(today)
            .unwrap()
            .iter()
            .map(|d| d.paper.id.to_string())
            .collect();
        assert_eq!(listed, vec![first.to_string(), imported.to_string()], "{}", b.name);

        assert_eq!(
            store.submit(today, &imported, grace, 2).unwrap(),
            SubmitOutcome::AlreadyListed(day("2026-01-02")),
            "{}",
            b.name
        );
        assert_eq!(
            store.submit(day("2026-01-06"), &first, grace, 2).unwrap(),
            SubmitOutcome::AlreadyListed(today),
            "{}",
            b.name
        );
        assert_eq!(
            store.submit(today, &id("2404.99999"), ada, 2).unwrap(),
            SubmitOutcome::NoSuchPaper,
            "{}",
            b.name
        );
        assert!(
            matches!(store.submit(today, &second, ada, 2).unwrap(), SubmitOutcome::Added(_)),
            "{}",
            b.name
        );
        assert_eq!(
            store.submit(today, &third, ada, 2).unwrap(),
            SubmitOutcome::LimitReached,
            "{}",
            b.name
        );
        assert!(
            matches!(
                store.submit(day("2026-01-06"), &third, ada, 2).unwrap(),
                SubmitOutcome::Added(_)
            ),
            "{}: the limit is per day",
            b.name
        );
        let mine: Vec<String> = store
            .submissions_by(ada, 10)
            .unwrap()
            .into_iter()
            .map(|s| s.paper_id)
            .collect();
        assert_eq!(
            mine,
            vec![third.to_string(), second.to_string(), first.to_string()],
            "{}",
            b.name
        );
    }
}

#[test]
fn concurrent_submissions_through_two_stores_keep_the_limit_and_list_a_paper_once() {
    for b in support::backends() {
        let store = &*b.store;
        let other = b.reopen();
        let today = day("2026-01-05");
        const RACERS: usize = 8;
        let papers: Vec<ArxivId> = (0..RACERS)
            .map(|n| add_paper(store, &format!("2404.{:05}", n + 1), &[]))
            .collect();
        let contested = add_paper(store, "2404.09999", &[]);
        let ada = add_user(store, "ada");
        let others: Vec<i64> = (0..RACERS).map(|n| add_user(store, &format!("rival{n}"))).collect();
        let seq_before = store.change_seq().unwrap();
        let start = Barrier::new(2 * RACERS);

        let outcomes: Vec<SubmitOutcome> = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..2 * RACERS)
                .map(|n| {
                    let via: &dyn Backend = if n % 2 == 0 { store } else { &*other };
                    let (start, papers, contested, others) = (&start, &papers, &contested, &others);
                    scope.spawn(move || {
                        start.wait();
                        if n < RACERS {
                            // Ada submits eight papers to one day, with a limit of three.
                            via.submit(today, &papers[n], ada, 3).unwrap()
                        } else {
                            // Eight accounts submit one paper, each to a day of its own.
                            let k = n - RACERS;
                            via.submit(today + Duration::days(k as i64), contested, others[k], 3)
                                .unwrap()
                        }
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });

        let added =
            |outcomes: &[SubmitOutcome]| outcomes.iter().filter(|o| matches!(o, SubmitOutcome::Added(_))).count();
        assert_eq!(
            added(&outcomes[..RACERS]),
            3,
            "{}: the limit holds: {outcomes:?}",
            b.name
        );
        assert!(
            outcomes[..RACERS]
                .iter()
                .all(|o| matches!(o, SubmitOutcome::Added(_) | SubmitOutcome::LimitReached)),
            "{}",
            b.name
        );
        assert_eq!(added(&outcomes[RACERS..]), 1, "{}: listed once: {outcomes:?}", b.name);
        let listed_on = store.paper(&contested).unwrap().unwrap().daily;
        assert_eq!(listed_on.len(), 1, "{}", b.name);
        assert!(
            outcomes[RACERS..]
                .iter()
                .all(|o| matches!(o, SubmitOutcome::Added(_)) || *o == SubmitOutcome::AlreadyListed(listed_on[0])),
            "{}",
            b.name
        );
        assert_eq!(
            other.daily_list(today).unwrap().len(),
            3 + usize::from(listed_on[0] == today),
            "{}",
            b.name
        );
        let changed = store.changed_since(seq_before, 100).unwrap();
        assert_eq!(changed.len(), 4, "{}: every listed paper is in the change feed", b.name);
        let seqs: Vec<i64> = changed.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(
            seqs,
            (seq_before + 1..=seq_before + 4).collect::<Vec<_>>(),
            "{}: numbers without gaps",
            b.name
        );
    }
}

#[test]
fn submissions_racing_an_import_of_the_same_papers_both_succeed() {
    for b in support::backends() {
        let store = &*b.store;
        let other = b.reopen();
        let today = day("2026-01-05");
        const PAPERS: usize = 8;
        let papers: Vec<ArxivId> = (0..PAPERS)
            .map(|n| add_paper(store, &format!("2404.{:05}", n + 1), &[]))
            .collect();
        let ada = add_user(store, "ada");
        let start = Barrier::new(2 * PAPERS);

        // Each paper is submitted through one store while an importer lists it on the same day
        // through the other: both lock the change feed and write the paper and its entries.
        std::thread::scope(|scope| {
            for (n, paper) in papers.iter().enumerate() {
                let (start, name) = (&start, b.name);
                let (submitter, importer): (&dyn Backend, &dyn Backend) =
                    if n % 2 == 0 { (store, &*other) } else { (&*other, store) };
                scope.spawn(move || {
                    start.wait();
                    let outcome = submitter
                        .submit(today, paper, ada, PAPERS as u32)
                        .unwrap_or_else(|e| panic!("{name}: submitting {paper}: {e}"));
                    assert!(
                        matches!(outcome, SubmitOutcome::Added(_) | SubmitOutcome::AlreadyListed(_)),
                        "{name}: {outcome:?}"
                    );
                });
                scope.spawn(move || {
                    let mut listed = Paper::new(paper.clone());
                    listed.version = Some(1);
                    listed.title = format!("Paper {paper}");
                    let entry = DailyEntry {
                        day: today,
                        upvotes: 2,
                        comments: 0,
                        submitted_by: None,
                        source: "hf".into(),
                    };
                    start.wait();
                    importer
                        .upsert_batch(&[Upsert {
                            paper: &listed,
                            daily: &[entry],
                        }])
                        .unwrap_or_else(|e| panic!("{name}: importing {paper}: {e}"));
                });
            }
        });

        for paper in &papers {
            assert_eq!(
                store.paper(paper).unwrap().unwrap().daily,
                vec![today],
                "{}: {paper}",
                b.name
            );
        }
    }
}

#[test]
fn a_removed_submission_leaves_the_list_and_frees_its_slot() {
    for b in support::backends() {
        let store = &*b.store;
        let today = day("2026-01-05");
        let paper = add_paper(store, "2404.00001", &[]);
        let next = add_paper(store, "2404.00002", &[]);
        let ada = add_user(store, "ada");
        let SubmitOutcome::Added(submitted) = store.submit(today, &paper, ada, 1).unwrap() else {
            panic!("{}: not submitted", b.name);
        };
        assert_eq!(store.daily_list(today).unwrap().len(), 1, "{}", b.name);
        assert_eq!(
            store.submit(today, &next, ada, 1).unwrap(),
            SubmitOutcome::LimitReached,
            "{}",
            b.name
        );
        let seq_before = store.change_seq().unwrap();

        assert!(store.remove_submission(submitted.id).unwrap(), "{}", b.name);
        assert!(!store.remove_submission(submitted.id).unwrap(), "{}", b.name);

        assert!(store.daily_list(today).unwrap().is_empty(), "{}", b.name);
        assert!(store.paper(&paper).unwrap().unwrap().daily.is_empty(), "{}", b.name);
        assert!(store.change_seq().unwrap() > seq_before, "{}", b.name);
        assert!(store.submission(submitted.id).unwrap().unwrap().removed, "{}", b.name);
        assert!(
            matches!(store.submit(today, &next, ada, 1).unwrap(), SubmitOutcome::Added(_)),
            "{}",
            b.name
        );
    }
}

#[test]
fn the_audit_log_names_the_admin_newest_first() {
    for b in support::backends() {
        let store = &*b.store;
        let admin = add_user(store, "root");
        store
            .record_audit(admin, "hide_comment", "comment:12", Some("spam"))
            .unwrap();
        store.record_audit(admin, "ban", "user:mallory", None).unwrap();

        let log = store.audit_log(10).unwrap();
        let seen: Vec<(&str, &str, &str, Option<&str>)> = log
            .iter()
            .map(|e| {
                (
                    e.admin.as_str(),
                    e.action.as_str(),
                    e.target.as_str(),
                    e.reason.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("root", "ban", "user:mallory", None),
                ("root", "hide_comment", "comment:12", Some("spam")),
            ],
            "{}",
            b.name
        );
        assert_eq!(store.audit_log(1).unwrap().len(), 1, "{}", b.name);
    }
}

#[test]
fn a_store_from_before_accounts_gains_them_and_keeps_its_papers() {
    let dir = tempfile::tempdir().unwrap();
    let path = {
        let store = SqliteStore::open(dir.path()).unwrap();
        add_paper(&store, "2404.00001", &[("2026-01-02", 3, 1)]);
        store.path().to_path_buf()
    };
    // Turn it back into a version-3 store: migrations 1 to 3 are frozen, so this is the
    // schema a store written by the previous paperboy has.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE audit_log; DROP TABLE submissions; DROP TABLE comments; DROP TABLE votes;
         DROP TABLE tokens; DROP TABLE users;
         ALTER TABLE papers DROP COLUMN votes; ALTER TABLE papers DROP COLUMN comment_count;
         DELETE FROM schema_migrations WHERE version = 4;",
    )
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(dir.path()).unwrap();
    let again = SqliteStore::open(dir.path()).unwrap();
    let paper = id("2404.00001");
    let doc = again.paper(&paper).unwrap().unwrap();
    assert_eq!((doc.upvotes, doc.comments), (3, 1));
    let ada = add_user(&store, "ada");
    assert_eq!(again.vote(ada, &paper, true).unwrap().unwrap().votes, 1);
    assert_eq!(store.paper(&paper).unwrap().unwrap().upvotes, 4);
}
