//! `paperboy copy` between a data folder and PostgreSQL, both ways, and `paperboy migrate`
//! run by several processes at once. Skipped without `PAPERBOY_TEST_DATABASE_URL` (failed under
//! CI).

use crate::support;

use std::process::Stdio;

use paperboy_testkit::PgSchema;
use support::{call, path_str, serve_keyword_only, shared_data, Paperboy};

/// A deployment with papers, daily lists, an account with a token and a vote, and a
/// subscriber: everything `copy` has to carry.
fn embedded_deployment() -> Option<(Paperboy, String)> {
    let data = shared_data()?;
    let pb = Paperboy::new_embedded();
    pb.json(
        &["ingest", "--json", path_str(&data.join("hf-daily/2026-05-01.json"))],
        0,
    );
    pb.json(
        &[
            "ingest",
            "--json",
            path_str(&data.join("arxiv-listings/2026-05-01.jsonl.gz")),
        ],
        0,
    );
    let created = support::create_user(&pb, &["ana", "--email", "ana@example.org"], "correct horse battery");
    assert!(created.status.success());
    let token = String::from_utf8(pb.run(&["token", "create", "ana"]).stdout)
        .unwrap()
        .trim()
        .to_string();
    let out = pb.run(&[
        "subscribers",
        "add",
        "reader@example.org",
        "--topic",
        "agents",
        "--confirmed",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some((pb, token))
}

/// The subscriber's digest as `digest preview` prints it, with the links' tokens cut off (they
/// carry an expiry time that moves with the clock).
fn preview(pb: &Paperboy) -> String {
    let out = pb
        .command(&[
            "digest",
            "preview",
            "reader@example.org",
            "--at",
            "2026-05-02T08:00:00Z",
        ])
        .env("PAPERBOY_MAIL_FROM", "paperboy <digest@paperboy.example>")
        .env("PAPERBOY_BASE_URL", "https://papers.example")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split("token=").next().unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

fn copy(from: &str, to: &str) -> serde_json::Value {
    let runner = Paperboy::new_embedded();
    runner.json(&["copy", "--from", from, "--to", to, "--json"], 0)
}

#[test]
fn a_deployment_moves_to_postgresql_and_back_whole() {
    let Some((embedded, token)) = embedded_deployment() else {
        return;
    };
    let Some(schema) = PgSchema::create() else { return };
    // The vote goes through a served instance, so that the community counters are in play.
    let served = serve_keyword_only(&embedded);
    let (_, list) = call(
        "GET",
        &format!("{}/api/daily_papers?date=2026-05-01", served.base_url),
        None,
    );
    let voted = list[0]["paper"]["id"].as_str().unwrap().to_string();
    let (status, _) = call(
        "POST",
        &format!("{}/api/papers/{voted}/upvote", served.base_url),
        Some(&token),
    );
    assert_eq!(status, 200);
    let (status, _) = call(
        "POST",
        &format!("{}/api/papers/{voted}/save", served.base_url),
        Some(&token),
    );
    assert_eq!(status, 200);
    drop(served);

    // A digest preview signs links: the data folder has its secret.key from here on.
    let before = preview(&embedded);
    assert!(before.contains("Unsubscribe:"), "{before}");
    let report = copy(path_str(embedded.data_dir()), &schema.url);
    assert!(report["tables"]["papers"].as_u64().unwrap() > 100, "{report}");
    assert_eq!(report["tables"]["users"], 1, "{report}");
    assert_eq!(report["tables"]["votes"], 1, "{report}");
    assert_eq!(report["tables"]["library"], 1, "{report}");

    // On PostgreSQL: the same papers and counts, the same token, the same link-signing key.
    let on_pg = Paperboy::with_database_url(&schema.url);
    let export = |pb: &Paperboy| pb.run(&["export"]).stdout;
    assert!(export(&on_pg) == export(&embedded), "every paper, field for field");
    assert_eq!(
        on_pg.json(&["stats", "--json"], 0),
        embedded.json(&["stats", "--json"], 0)
    );
    let served = serve_keyword_only(&on_pg);
    let (status, again) = call(
        "POST",
        &format!("{}/api/papers/{voted}/upvote", served.base_url),
        Some(&token),
    );
    assert_eq!(status, 200, "the API token still works: {again}");
    assert_eq!(
        again["changed"], false,
        "and the vote made before the move is there: {again}"
    );
    let (_, saved) = call(
        "POST",
        &format!("{}/api/papers/{voted}/save", served.base_url),
        Some(&token),
    );
    assert_eq!(saved["changed"], false, "and so is the library: {saved}");
    drop(served);
    // The same digest, its links signed with the same key (the data folder's secret.key now
    // lives in the database, for every instance).
    assert_eq!(preview(&on_pg), before);
    let secret = std::fs::read(embedded.data_dir().join("secret.key")).unwrap();
    let mut client = postgres::Client::connect(&schema.url, postgres::NoTls).unwrap();
    let stored: String = client
        .query_one("SELECT value FROM state WHERE key = 'digest_secret'", &[])
        .unwrap()
        .get(0);
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(stored, hex, "the link-signing key moved with the data");

    // And back into a fresh data folder.
    let back = Paperboy::new_embedded();
    copy(&schema.url, path_str(back.data_dir()));
    assert!(export(&back) == export(&embedded));
    assert_eq!(preview(&back), before);
    assert_eq!(std::fs::read(back.data_dir().join("secret.key")).unwrap(), secret);

    // A target with data is refused, and left as it was.
    let refused = Paperboy::new_embedded()
        .command(&["copy", "--from", path_str(embedded.data_dir()), "--to", &schema.url])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("already holds"));
    assert!(export(&on_pg) == export(&embedded));
}

#[test]
fn a_data_folder_pointed_at_another_store_rebuilds_its_search_index() {
    let Some(data) = shared_data() else { return };
    let Some(schema) = PgSchema::create() else { return };
    // The folder's keyword index first follows its own SQLite store: a day's whole listing,
    // hundreds of changes.
    let folder = Paperboy::new_embedded();
    let listing = data.join("arxiv-listings/2026-05-01.jsonl.gz");
    folder.json(&["ingest", "--json", path_str(&listing)], 0);
    // Then the same folder serves a database with a few papers: far fewer changes than the
    // index has seen, so sequence numbers alone would call it up to date.
    let on_pg = |args: &[&str]| -> serde_json::Value {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"))
            .args([
                "--quiet",
                "--data-dir",
                path_str(folder.data_dir()),
                "--database-url",
                &schema.url,
            ])
            .args(args)
            .env_remove("PAPERBOY_DATABASE_URL")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let day = data.join("hf-daily/2026-05-04.json");
    on_pg(&["ingest", "--json", path_str(&day)]);
    let listed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&day).unwrap()).unwrap();
    let in_folder = String::from_utf8(folder.run(&["export"]).stdout).unwrap();
    let paper = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["paper"])
        .find(|paper| !in_folder.contains(paper["id"].as_str().unwrap()))
        .expect("a paper of that day that the folder's own store lacks");
    let (id, title) = (paper["id"].as_str().unwrap(), paper["title"].as_str().unwrap());
    let found = on_pg(&["search", "--json", "--mode", "lexical", "--limit", "5", title]);
    assert!(
        found["results"].as_array().unwrap().iter().any(|r| r["id"] == id),
        "the database's paper is searchable through the folder's rebuilt index: {found}"
    );
}

#[test]
fn instances_starting_together_migrate_once() {
    let Some(schema) = PgSchema::create() else { return };
    let children: Vec<_> = (0..4)
        .map(|_| {
            Paperboy::with_database_url(&schema.url)
                .command(&["migrate", "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied = Vec::new();
    let mut latest = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["version"], report["latest"], "{report}");
        latest = report["latest"].as_i64().unwrap();
        applied.extend(
            report["applied"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap()),
        );
    }
    applied.sort_unstable();
    assert_eq!(
        applied,
        (1..=latest).collect::<Vec<_>>(),
        "each migration applied by exactly one process"
    );
    let stats = Paperboy::with_database_url(&schema.url).json(&["stats", "--json"], 0);
    assert_eq!(stats["papers"], 0);
}

#[test]
fn a_database_url_that_is_not_postgres_is_refused_clearly() {
    let out = Paperboy::with_database_url("mysql://root:secret@localhost/db").run(&["stats"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a PostgreSQL URL"), "{err}");
    assert!(!err.contains("secret"), "the password stays out of messages: {err}");
    let out = Paperboy::with_database_url("postgres://nobody:secret@127.0.0.1:1/none").run(&["stats"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to the database at postgres://nobody:***@127.0.0.1:1/none"),
        "{err}"
    );
}
