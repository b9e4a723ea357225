//! The community side of the embedded store (accounts, tokens, votes, comments, submissions,
//! moderation) through its public traits, on real SQLite files.

use std::sync::Barrier;

use chrono::{Duration, NaiveDate, Utc};
use paperboy_domain::{ArxivId, DailyEntry, Paper};
use paperboy_store::{
    AddCommentOutcome, CommunityStore, CreateUserOutcome, NewToken, NewUser, PaperStore, SqliteStore, SubmitOutcome,
    TokenKind, Upsert,
};

fn open() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    (dir, store)
}

fn id(s: &str) -> ArxivId {
    ArxivId::parse(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Stores a paper, listed on `daily` as `(day, upvotes, comments)` by an importer.
fn add_paper(store: &SqliteStore, paper_id: &str, daily: &[(&str, i64, i64)]) -> ArxivId {
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

fn add_user(store: &SqliteStore, name: &str) -> i64 {
    let outcome = store
        .create_user(&NewUser {
            name,
            email: &format!("{name}@example.org"),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            is_admin: false,
            email_verified: true,
        })
        .unwrap();
    match outcome {
        CreateUserOutcome::Created(id) => id,
        other => panic!("could not create {name}: {other:?}"),
    }
}

fn add_token(store: &SqliteStore, hash: &str, user_id: i64, kind: TokenKind, expires_in: Option<Duration>) -> i64 {
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

fn upvotes(store: &SqliteStore, paper: &ArxivId) -> i64 {
    store.paper(paper).unwrap().unwrap().upvotes
}

fn comments(store: &SqliteStore, paper: &ArxivId) -> i64 {
    store.paper(paper).unwrap().unwrap().comments
}

#[test]
fn names_and_emails_are_unique_and_found_regardless_of_case() {
    let (_dir, store) = open();
    let ada = add_user(&store, "Ada");
    let taken_name = store
        .create_user(&NewUser {
            name: "aDA",
            email: "other@example.org",
            password_hash: "h",
            is_admin: false,
            email_verified: false,
        })
        .unwrap();
    assert_eq!(taken_name, CreateUserOutcome::NameTaken);
    let taken_email = store
        .create_user(&NewUser {
            name: "grace",
            email: "ADA@Example.ORG",
            password_hash: "h",
            is_admin: true,
            email_verified: false,
        })
        .unwrap();
    assert_eq!(taken_email, CreateUserOutcome::EmailTaken);

    let found = store.user_by_name("ADA").unwrap().unwrap();
    assert_eq!(found.id, ada);
    assert_eq!(found.name, "Ada", "shown as created");
    assert!(found.email_verified && !found.is_admin && !found.banned && !found.votes_public);
    assert_eq!(store.user_by_email("ada@EXAMPLE.org").unwrap().unwrap().id, ada);
    assert_eq!(store.user(ada).unwrap().unwrap(), found);
    assert_eq!(store.user_by_name("grace").unwrap(), None);

    store.set_votes_public(ada, true).unwrap();
    assert!(store.user(ada).unwrap().unwrap().votes_public);
}

#[test]
fn tokens_are_found_until_they_expire_and_one_time_links_work_once() {
    let (_dir, store) = open();
    let ada = add_user(&store, "ada");
    let now = Utc::now();
    let session = add_token(
        &store,
        "session-hash",
        ada,
        TokenKind::Session,
        Some(Duration::days(30)),
    );
    add_token(
        &store,
        "stale-hash",
        ada,
        TokenKind::Session,
        Some(Duration::seconds(-1)),
    );

    let (info, user) = store
        .find_token("session-hash", TokenKind::Session, now)
        .unwrap()
        .unwrap();
    assert_eq!((info.id, info.kind, user.id), (session, TokenKind::Session, ada));
    assert_eq!(info.last_used_at, Some(now));
    assert_eq!(
        store.tokens(ada, TokenKind::Session).unwrap()[1].last_used_at,
        Some(now),
        "the use is recorded"
    );
    assert!(
        store.find_token("session-hash", TokenKind::Api, now).unwrap().is_none(),
        "a token only counts as its own kind"
    );
    assert!(store
        .find_token("stale-hash", TokenKind::Session, now)
        .unwrap()
        .is_none());
    assert!(store
        .find_token("session-hash", TokenKind::Session, now + Duration::days(31))
        .unwrap()
        .is_none());

    add_token(
        &store,
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
        Some(ada)
    );
    assert!(store
        .take_token("reset-hash", TokenKind::PasswordReset, now)
        .unwrap()
        .is_none());
    add_token(
        &store,
        "late-hash",
        ada,
        TokenKind::VerifyEmail,
        Some(Duration::hours(1)),
    );
    assert!(store
        .take_token("late-hash", TokenKind::VerifyEmail, now + Duration::hours(2))
        .unwrap()
        .is_none());

    assert!(store.delete_token("session-hash").unwrap());
    assert!(!store.delete_token("session-hash").unwrap());
    assert!(store
        .find_token("session-hash", TokenKind::Session, now)
        .unwrap()
        .is_none());
}

#[test]
fn a_new_password_ends_sessions_but_keeps_api_tokens() {
    let (_dir, store) = open();
    let ada = add_user(&store, "ada");
    let grace = add_user(&store, "grace");
    add_token(&store, "s1", ada, TokenKind::Session, None);
    add_token(&store, "s2", ada, TokenKind::Session, None);
    let api = add_token(&store, "a1", ada, TokenKind::Api, None);
    add_token(&store, "s3", grace, TokenKind::Session, None);

    store.set_password(ada, "new-hash").unwrap();

    assert_eq!(store.user(ada).unwrap().unwrap().password_hash, "new-hash");
    assert!(store.tokens(ada, TokenKind::Session).unwrap().is_empty());
    let now = Utc::now();
    assert_eq!(store.find_token("a1", TokenKind::Api, now).unwrap().unwrap().0.id, api);
    assert!(
        store.find_token("s3", TokenKind::Session, now).unwrap().is_some(),
        "other users keep their sessions"
    );
    assert!(!store.delete_token_of(grace, api).unwrap(), "not grace's token");
    assert!(store.delete_token_of(ada, api).unwrap());
}

#[test]
fn a_ban_ends_sessions_and_api_tokens_and_refuses_the_user() {
    let (_dir, store) = open();
    let ada = add_user(&store, "ada");
    add_token(&store, "s1", ada, TokenKind::Session, None);
    add_token(&store, "a1", ada, TokenKind::Api, None);
    add_token(&store, "v1", ada, TokenKind::VerifyEmail, None);

    store.set_banned(ada, true).unwrap();

    assert!(store.user(ada).unwrap().unwrap().banned);
    assert!(store.tokens(ada, TokenKind::Session).unwrap().is_empty());
    assert!(store.tokens(ada, TokenKind::Api).unwrap().is_empty());
    let now = Utc::now();
    assert_eq!(store.tokens(ada, TokenKind::VerifyEmail).unwrap().len(), 1);
    assert!(
        store.find_token("v1", TokenKind::VerifyEmail, now).unwrap().is_none(),
        "a banned user's remaining tokens are refused"
    );
    add_token(&store, "s2", ada, TokenKind::Session, None);
    assert!(store.find_token("s2", TokenKind::Session, now).unwrap().is_none());

    store.set_banned(ada, false).unwrap();
    assert!(store.find_token("s2", TokenKind::Session, now).unwrap().is_some());
    assert_eq!(store.delete_tokens(ada, TokenKind::Session).unwrap(), 1);
}

#[test]
fn concurrent_votes_through_two_stores_are_counted_exactly() {
    let (dir, store) = open();
    let other = SqliteStore::open(dir.path()).unwrap();
    let paper = add_paper(&store, "2404.00001", &[("2026-01-02", 5, 0)]);
    const PER_STORE: usize = 8;
    let users: Vec<i64> = (0..2 * PER_STORE)
        .map(|n| add_user(&store, &format!("voter{n}")))
        .collect();
    let start = Barrier::new(users.len());

    std::thread::scope(|scope| {
        for (n, &user) in users.iter().enumerate() {
            let (via, start, paper) = (if n < PER_STORE { &store } else { &other }, &start, &paper);
            scope.spawn(move || {
                start.wait();
                let first = via.vote(user, paper, true).unwrap().unwrap();
                assert!(first.changed && first.voted);
                let again = via.vote(user, paper, true).unwrap().unwrap();
                assert!(!again.changed, "a repeated vote counts once");
                if n % 4 == 0 {
                    let undone = via.vote(user, paper, false).unwrap().unwrap();
                    assert!(undone.changed && !undone.voted);
                }
            });
        }
    });

    let kept = users.len() as i64 - users.len().div_ceil(4) as i64;
    let last = store.vote(users[1], &paper, true).unwrap().unwrap();
    assert_eq!((last.changed, last.votes), (false, kept));
    assert_eq!(upvotes(&store, &paper), 5 + kept);
    assert_eq!(upvotes(&other, &paper), 5 + kept);
}

#[test]
fn votes_add_to_imported_upvotes_and_can_be_taken_back() {
    let (_dir, store) = open();
    let paper = add_paper(&store, "2404.00001", &[("2026-01-02", 3, 0), ("2026-01-03", 7, 0)]);
    let quiet = add_paper(&store, "2404.00002", &[]);
    let ada = add_user(&store, "ada");

    assert_eq!(store.vote(ada, &id("2404.99999"), true).unwrap(), None, "unknown paper");
    let voted = store.vote(ada, &paper, true).unwrap().unwrap();
    assert_eq!((voted.changed, voted.voted, voted.votes), (true, true, 1));
    assert_eq!(upvotes(&store, &paper), 7 + 1, "the best imported count plus votes");
    store.vote(ada, &quiet, true).unwrap();
    assert_eq!(upvotes(&store, &quiet), 1);

    let ids = vec![paper.to_string(), quiet.to_string(), "2404.99999".to_string()];
    assert_eq!(store.voted(ada, &ids).unwrap().len(), 2);
    assert_eq!(store.upvoted_by(ada, 10).unwrap().len(), 2);
    assert_eq!(store.upvoted_by(ada, 1).unwrap().len(), 1);

    let undone = store.vote(ada, &paper, false).unwrap().unwrap();
    assert_eq!((undone.changed, undone.voted, undone.votes), (true, false, 0));
    let again = store.vote(ada, &paper, false).unwrap().unwrap();
    assert_eq!((again.changed, again.votes), (false, 0));
    assert_eq!(upvotes(&store, &paper), 7);
    assert_eq!(store.upvoted_by(ada, 10).unwrap(), vec![quiet.to_string()]);
}

#[test]
fn comments_thread_on_one_paper_and_only_visible_ones_count() {
    let (_dir, store) = open();
    let paper = add_paper(&store, "2404.00001", &[("2026-01-02", 0, 4)]);
    let elsewhere = add_paper(&store, "2404.00002", &[]);
    let ada = add_user(&store, "ada");
    let grace = add_user(&store, "grace");
    let added = |paper: &ArxivId, user, parent, body| match store.add_comment(paper, user, parent, body).unwrap() {
        AddCommentOutcome::Added(comment) => comment,
        other => panic!("comment not added: {other:?}"),
    };

    let root = added(&paper, ada, None, "First!");
    assert_eq!((root.author.as_str(), root.paper_id.as_str()), ("ada", "2404.00001"));
    let reply = added(&paper, grace, Some(root.id), "A *reply*");
    assert_eq!(reply.parent_id, Some(root.id));
    let other = added(&elsewhere, grace, None, "Elsewhere");
    assert_eq!(
        store.add_comment(&paper, ada, Some(other.id), "x").unwrap(),
        AddCommentOutcome::BadParent,
        "a parent on another paper"
    );
    assert_eq!(
        store.add_comment(&paper, ada, Some(9999), "x").unwrap(),
        AddCommentOutcome::BadParent
    );
    assert_eq!(
        store.add_comment(&id("2404.99999"), ada, None, "x").unwrap(),
        AddCommentOutcome::NoSuchPaper
    );
    let on_paper: Vec<i64> = store.comments_on(&paper).unwrap().iter().map(|c| c.id).collect();
    assert_eq!(on_paper, vec![root.id, reply.id], "oldest first");
    assert_eq!(comments(&store, &paper), 4 + 2, "imported plus visible comments");

    assert!(store.edit_comment(reply.id, "An edited reply").unwrap());
    let edited = store.comment(reply.id).unwrap().unwrap();
    assert_eq!(edited.body, "An edited reply");
    assert!(edited.edited_at.is_some());

    assert!(store.set_comment_hidden(reply.id, true).unwrap());
    assert!(
        store.set_comment_hidden(reply.id, true).unwrap(),
        "hiding twice counts once"
    );
    assert_eq!(comments(&store, &paper), 4 + 1);
    assert!(store.delete_comment(reply.id).unwrap());
    assert_eq!(
        comments(&store, &paper),
        4 + 1,
        "a hidden comment was already out of the count"
    );
    assert!(store.set_comment_hidden(reply.id, false).unwrap());
    assert_eq!(
        comments(&store, &paper),
        4 + 1,
        "a deleted comment stays out when shown"
    );

    assert!(store.delete_comment(root.id).unwrap());
    assert!(!store.delete_comment(root.id).unwrap());
    assert!(!store.edit_comment(root.id, "too late").unwrap());
    assert_eq!(comments(&store, &paper), 4);
    assert_eq!(
        store.add_comment(&paper, grace, Some(root.id), "x").unwrap(),
        AddCommentOutcome::BadParent,
        "a deleted parent"
    );
    let kept = store.comments_on(&paper).unwrap();
    assert!(kept.iter().all(|c| c.deleted), "deleted comments keep their place");

    let ids = vec![paper.to_string(), elsewhere.to_string()];
    let counts = store.comment_counts(&ids).unwrap();
    assert_eq!(counts.get(paper.as_str()).copied().unwrap_or(0), 0);
    assert_eq!(counts.get(elsewhere.as_str()), Some(&1));
    let by_grace: Vec<i64> = store.comments_by(grace, 10).unwrap().iter().map(|c| c.id).collect();
    assert_eq!(by_grace, vec![other.id, reply.id], "newest first");
}

#[test]
fn submissions_join_the_days_list_within_the_daily_limit() {
    let (_dir, store) = open();
    let today = day("2026-01-05");
    let imported = add_paper(&store, "2404.00001", &[("2026-01-02", 1, 0), ("2026-01-05", 1, 0)]);
    let first = add_paper(&store, "2404.00002", &[]);
    let second = add_paper(&store, "2404.00003", &[]);
    let third = add_paper(&store, "2404.00004", &[]);
    let ada = add_user(&store, "ada");
    let grace = add_user(&store, "grace");
    let seq_before = store.change_seq().unwrap();

    let submitted = match store.submit(today, &first, ada, 2).unwrap() {
        SubmitOutcome::Added(s) => s,
        other => panic!("not submitted: {other:?}"),
    };
    assert_eq!((submitted.submitter.as_str(), submitted.day), ("ada", today));
    assert!(store.change_seq().unwrap() > seq_before);
    let changed: Vec<String> = store
        .changed_since(seq_before, 10)
        .unwrap()
        .into_iter()
        .map(|(_, p)| p.id.to_string())
        .collect();
    assert_eq!(changed, vec![first.to_string()], "derived indexes see the new listing");
    let doc = store.paper(&first).unwrap().unwrap();
    assert_eq!(doc.daily, vec![today]);
    assert_eq!(doc.daily_entries[0].submitted_by.as_deref(), Some("ada"));
    assert_eq!(doc.daily_entries[0].source, "submitted");

    // Two community votes rank the submission above an imported entry with one upvote.
    store.vote(ada, &first, true).unwrap();
    store.vote(grace, &first, true).unwrap();
    let listed: Vec<String> = store
        .daily_list(today)
        .unwrap()
        .iter()
        .map(|d| d.paper.id.to_string())
        .collect();
    assert_eq!(listed, vec![first.to_string(), imported.to_string()]);

    assert_eq!(
        store.submit(today, &imported, grace, 2).unwrap(),
        SubmitOutcome::AlreadyListed(day("2026-01-02"))
    );
    assert_eq!(
        store.submit(day("2026-01-06"), &first, grace, 2).unwrap(),
        SubmitOutcome::AlreadyListed(today)
    );
    assert_eq!(
        store.submit(today, &id("2404.99999"), ada, 2).unwrap(),
        SubmitOutcome::NoSuchPaper
    );
    assert!(matches!(
        store.submit(today, &second, ada, 2).unwrap(),
        SubmitOutcome::Added(_)
    ));
    assert_eq!(
        store.submit(today, &third, ada, 2).unwrap(),
        SubmitOutcome::LimitReached
    );
    assert!(
        matches!(
            store.submit(day("2026-01-06"), &third, ada, 2).unwrap(),
            SubmitOutcome::Added(_)
        ),
        "the limit is per day"
    );
    let mine: Vec<String> = store
        .submissions_by(ada, 10)
        .unwrap()
        .into_iter()
        .map(|s| s.paper_id)
        .collect();
    assert_eq!(mine, vec![third.to_string(), second.to_string(), first.to_string()]);
}

#[test]
fn a_removed_submission_leaves_the_list_and_frees_its_slot() {
    let (_dir, store) = open();
    let today = day("2026-01-05");
    let paper = add_paper(&store, "2404.00001", &[]);
    let next = add_paper(&store, "2404.00002", &[]);
    let ada = add_user(&store, "ada");
    let SubmitOutcome::Added(submitted) = store.submit(today, &paper, ada, 1).unwrap() else {
        panic!("not submitted");
    };
    assert_eq!(store.daily_list(today).unwrap().len(), 1);
    assert_eq!(store.submit(today, &next, ada, 1).unwrap(), SubmitOutcome::LimitReached);
    let seq_before = store.change_seq().unwrap();

    assert!(store.remove_submission(submitted.id).unwrap());
    assert!(!store.remove_submission(submitted.id).unwrap());

    assert!(store.daily_list(today).unwrap().is_empty());
    assert!(store.paper(&paper).unwrap().unwrap().daily.is_empty());
    assert!(store.change_seq().unwrap() > seq_before);
    assert!(store.submission(submitted.id).unwrap().unwrap().removed);
    assert!(matches!(
        store.submit(today, &next, ada, 1).unwrap(),
        SubmitOutcome::Added(_)
    ));
}

#[test]
fn the_audit_log_names_the_admin_newest_first() {
    let (_dir, store) = open();
    let admin = add_user(&store, "root");
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
        ]
    );
    assert_eq!(store.audit_log(1).unwrap().len(), 1);
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
