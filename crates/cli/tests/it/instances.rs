//! Several `paperboy serve` instances on one PostgreSQL database, each with a data folder (search
//! indexes) of its own, as behind a load balancer: what one does, the others see; digests go
//! out once however many instances run the schedule, and a killed instance's run is finished
//! by another. Skipped without `PAPERBOY_TEST_DATABASE_URL` (failed under CI).

use crate::support;

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use paperboy_testkit::SmtpSink;
use support::{call, call_with_body, path_str, serve_keyword_only, serve_with, shared_data, Paperboy, Served};

const PASSWORD: &str = "correct horse battery";

/// An account and an API token for it, made with the CLI.
fn account(pb: &Paperboy, name: &str) -> String {
    let email = format!("{name}@example.org");
    let created = support::create_user(pb, &[name, "--email", &email], PASSWORD);
    assert!(created.status.success(), "user create {name}");
    let out = pb.run(&["token", "create", name]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Polls `check` until it holds or `timeout` passes; returns how long it took.
fn eventually(timeout: Duration, what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < timeout, "{what}: not within {timeout:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    started.elapsed()
}

#[test]
fn instances_on_one_database_see_each_others_votes_comments_submissions_and_papers() {
    let Some(data) = shared_data() else { return };
    let Some(a) = Paperboy::on_postgres() else { return };
    a.json(
        &["ingest", "--json", path_str(&data.join("hf-daily/2026-05-01.json"))],
        0,
    );
    let token = account(&a, "ana");
    let b = a.another_instance();
    let (served_a, served_b) = (serve_keyword_only(&a), serve_keyword_only(&b));
    let (url_a, url_b) = (&served_a.base_url, &served_b.base_url);

    // An upvote on A is counted on B.
    let (_, list) = call("GET", &format!("{url_b}/api/daily_papers?date=2026-05-01"), None);
    let id = list[0]["paper"]["id"].as_str().unwrap().to_string();
    let before = list[0]["paper"]["upvotes"].as_i64().unwrap();
    let (status, voted) = call("POST", &format!("{url_a}/api/papers/{id}/upvote"), Some(&token));
    assert_eq!(status, 200, "{voted}");
    assert_eq!(voted["upvotes"], before + 1);
    let (_, seen) = call("GET", &format!("{url_b}/api/papers/{id}"), None);
    assert_eq!(seen["upvotes"], before + 1, "B counts A's vote: {seen}");

    // A comment made on B is read on A.
    let body = serde_json::json!({"body": "Seen from *another* instance"});
    let (status, made) = call_with_body(
        "POST",
        &format!("{url_b}/api/papers/{id}/comments"),
        Some(&token),
        Some(&body),
    );
    assert_eq!(status, 201, "{made}");
    let (_, comments) = call("GET", &format!("{url_a}/api/papers/{id}/comments"), None);
    assert!(
        comments.to_string().contains("another"),
        "A shows B's comment: {comments}"
    );

    // A paper ingested by a third process (a cron job, say) reaches B's keyword index by its
    // change feed within seconds.
    a.json(
        &[
            "ingest",
            "--json",
            path_str(&data.join("arxiv-listings/2026-05-01.jsonl.gz")),
        ],
        0,
    );
    let export = a.run(&["export"]);
    let listed: serde_json::Value = String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .find(|paper| paper["daily_entries"].as_array().is_none_or(|e| e.is_empty()))
        .expect("a paper from the arXiv listing");
    let new_id = listed["id"].as_str().unwrap().to_string();
    let search = format!(
        "{url_b}/api/papers/search?q={}&mode=lexical",
        percent(listed["title"].as_str().unwrap())
    );
    let lag = eventually(Duration::from_secs(20), "B's index follows the database", || {
        call("GET", &search, None).1.to_string().contains(&new_id)
    });
    eprintln!("B's keyword index caught up with an ingest {lag:?} after it finished");

    // A submission made on B joins the day's list that A serves.
    paperboy_testkit::clear_of_midnight();
    let today = chrono::Utc::now().date_naive().to_string();
    let submission = serde_json::json!({"id": new_id});
    let (status, submitted) = call_with_body(
        "POST",
        &format!("{url_b}/api/daily/{today}/submissions"),
        Some(&token),
        Some(&submission),
    );
    assert_eq!(status, 201, "{submitted}");
    let (_, daily) = call("GET", &format!("{url_a}/api/daily_papers?date={today}"), None);
    assert!(daily.to_string().contains(&new_id), "A lists B's submission: {daily}");

    // Rate limits count across instances: 120 votes a minute per account, in all. A fresh
    // account, and a run inside one clock minute (the window), so nothing else counts; a run
    // that a slow machine stretched across a minute's end is repeated once with another account.
    let minute = || chrono::Utc::now().timestamp() / 60;
    for (try_number, name) in ["bob", "carol"].into_iter().enumerate() {
        let voter = account(&a, name);
        let into_minute = chrono::Utc::now().timestamp() % 60;
        if into_minute > 30 {
            std::thread::sleep(Duration::from_secs((61 - into_minute) as u64));
        }
        let started_in = minute();
        let mut refused_at = None;
        for i in 0..200 {
            let url = if i % 2 == 0 { url_a } else { url_b };
            let method = if i % 4 < 2 { "POST" } else { "DELETE" };
            let (status, _) = call(method, &format!("{url}/api/papers/{id}/upvote"), Some(&voter));
            if status == 429 {
                refused_at = Some(i);
                break;
            }
            assert_eq!(status, 200);
        }
        if minute() != started_in && try_number == 0 {
            eprintln!("the votes crossed a minute's end ({refused_at:?}); again");
            continue;
        }
        assert_eq!(
            refused_at,
            Some(120),
            "the 121st vote of the minute is refused, wherever it lands"
        );
        break;
    }
    drop((served_a, served_b));
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Papers, five of them relisted on yesterday's daily list (so that today's daily digest has
/// something in it), and `count` confirmed subscribers; the one at `hold_at` is one the sink
/// holds unanswered the first time.
fn digest_fixture(count: usize, hold_at: Option<usize>) -> Option<Paperboy> {
    let data = shared_data()?;
    let pb = Paperboy::on_postgres()?;
    pb.json(
        &["ingest", "--json", path_str(&data.join("hf-daily/2026-05-01.json"))],
        0,
    );
    support::relist_yesterday(&pb, 5);
    for i in 0..count {
        let email = reader(i, hold_at);
        let out = pb.run(&["subscribers", "add", &email, "--confirmed"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    Some(pb)
}

fn reader(i: usize, hold_at: Option<usize>) -> String {
    if Some(i) == hold_at {
        format!("reader{i}-hold@example.org")
    } else {
        format!("reader{i}@example.org")
    }
}

/// `serve` with the daily digest due at 00:00 UTC, checked every second, and a short lease.
fn serve_digests(pb: &Paperboy, sink: &SmtpSink, lease_seconds: u64) -> Served {
    let config = pb.data_dir().join("paperboy.toml");
    std::fs::write(&config, "[search]\nsemantic = false\n").unwrap();
    let mut cmd: Command = pb.command(&["--config", path_str(&config), "serve", "--listen", "127.0.0.1:0"]);
    cmd.env("PAPERBOY_SMTP_URL", sink.url())
        .env("PAPERBOY_MAIL_FROM", "paperboy <digest@paperboy.example>")
        .env("PAPERBOY_BASE_URL", "http://127.0.0.1:9")
        .env("PAPERBOY_DIGEST_HOUR", "0")
        .env("PAPERBOY_DIGEST_UTC_OFFSET", "+00:00")
        .env("PAPERBOY_DIGEST_CHECK_SECONDS", "1")
        .env("PAPERBOY_DIGEST_LEASE_SECONDS", lease_seconds.to_string());
    serve_with(cmd)
}

fn per_recipient(sink: &SmtpSink) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for mail in sink.messages() {
        *counts.entry(mail.to()).or_default() += 1;
    }
    counts
}

#[test]
fn three_instances_running_the_schedule_send_each_digest_once() {
    let count = 20;
    let Some(a) = digest_fixture(count, None) else { return };
    let sink = SmtpSink::start();
    let folders = [a.another_instance(), a.another_instance(), a.another_instance()];
    let instances: Vec<Served> = folders.iter().map(|pb| serve_digests(pb, &sink, 10)).collect();
    let mails = sink.wait_for(count, Duration::from_secs(90));
    assert_eq!(mails.len(), count);
    std::thread::sleep(Duration::from_secs(3)); // every instance checks again meanwhile
    let counts = per_recipient(&sink);
    assert_eq!(counts.len(), count, "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "no duplicates: {counts:?}");
    drop(instances);
    drop(folders);
}

#[test]
fn a_killed_instances_digest_run_is_finished_by_another_without_duplicates() {
    let count = 12;
    let hold_at = 6;
    let Some(a) = digest_fixture(count, Some(hold_at)) else {
        return;
    };
    let sink = SmtpSink::start();
    let lease = 3;
    let mut first = serve_digests(&a, &sink, lease);
    assert!(
        sink.wait_until_holding(&reader(hold_at, Some(hold_at)), Duration::from_secs(60)),
        "the first instance reached the held reader"
    );
    let _ = first.child.kill(); // SIGKILL, mid-run: one mail in flight, never accepted
    let _ = first.child.wait();
    let killed = Instant::now();
    let after_kill = sink.messages().len();
    assert!(
        after_kill < count,
        "the run was interrupted: {after_kill} of {count} sent"
    );

    let b = a.another_instance();
    let second = serve_digests(&b, &sink, lease);
    let mails = sink.wait_for(count, Duration::from_secs(60));
    assert_eq!(mails.len(), count, "the second instance finished the run");
    // The lease was renewed at most a third of it before the kill, so it held two thirds on.
    assert!(
        killed.elapsed() >= Duration::from_millis(lease * 1000 * 2 / 3 - 200),
        "the second instance waited for the dead one's lease to lapse"
    );
    std::thread::sleep(Duration::from_secs(3));
    let counts = per_recipient(&sink);
    assert_eq!(counts.len(), count, "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "no duplicates: {counts:?}");
    drop(second);
}

#[test]
fn instances_take_turns_at_embedding_so_no_paper_is_embedded_twice() {
    let Some(data) = shared_data() else { return };
    let Some(a) = Paperboy::on_postgres() else { return };
    let b = a.another_instance();
    let serve = |pb: &Paperboy| serve_with(pb.command(&["serve", "--listen", "127.0.0.1:0"]));
    let (served_a, served_b) = (serve(&a), serve(&b));
    // The papers arrive once both run, so both followers find the same backlog.
    a.json(
        &["ingest", "--json", path_str(&data.join("hf-daily/2026-04-2*.json"))],
        0,
    );
    let mut db = postgres::Client::connect(a.database_url().unwrap(), postgres::NoTls).unwrap();
    let papers: i64 = db.query_one("SELECT count(*) FROM papers", &[]).unwrap().get(0);
    assert!(papers > 50, "{papers} papers");
    eventually(Duration::from_secs(180), "every paper embedded", || {
        let embedded: i64 = db.query_one("SELECT count(*) FROM embeddings", &[]).unwrap().get(0);
        embedded == papers
    });

    // The embedding feed hands out one number per stored vector: as many numbers as papers means
    // no paper was embedded (or re-stored) by both instances.
    let row = db
        .query_one("SELECT count(*), max(embed_seq) FROM embeddings", &[])
        .unwrap();
    let (count, last): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(
        last, count,
        "vectors stored more than once: {last} numbers for {count} papers"
    );

    // Both instances search by meaning: the one that did not embed follows the other's vectors.
    let row = db
        .query_one("SELECT id, title FROM papers ORDER BY id LIMIT 1", &[])
        .unwrap();
    let (id, title): (String, String) = (row.get(0), row.get(1));
    for served in [&served_a, &served_b] {
        let url = format!(
            "{}/api/papers/search?mode=semantic&limit=3&q={}",
            served.base_url,
            percent(&title)
        );
        eventually(Duration::from_secs(30), "semantic search on each instance", || {
            let (status, found) = call("GET", &url, None);
            status == 200 && found["results"][0]["id"] == id.as_str()
        });
    }
}
