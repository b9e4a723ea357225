//! The disk full in the middle of an ingest, on the embedded store: the command stops with a
//! message that says what happened, to which file and what to do; the store is intact; and
//! running the same ingest again with room to spare finishes the job, to the same store a clean
//! ingest gives.
//!
//! The fault is a file size limit on the ingest process alone (RLIMIT_FSIZE, set by `prlimit`,
//! with SIGXFSZ ignored so that a write past it fails with EFBIG instead of killing the
//! process): the database and its WAL cannot grow past it, as on a full disk, and nothing else
//! on the machine is touched. A small file system (tmpfs, a loop device) would need mount
//! privileges a CI container lacks; SQLite's `max_page_count` would need a hook in paperboy.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use super::keyword_search;
use crate::support::{self, path_str, shared_data, Paperboy};

/// `cmd` run with no file allowed to grow past `max_file_bytes`.
fn with_file_size_limit(cmd: &Command, max_file_bytes: u64) -> Command {
    let available = Command::new("prlimit").arg("--version").output();
    assert!(
        available.is_ok_and(|out| out.status.success()),
        "this test needs prlimit (util-linux) to limit file sizes"
    );
    let mut limited = Command::new("sh");
    limited
        .arg("-c")
        .arg(r#"trap '' XFSZ; exec prlimit --fsize="$0" -- "$@""#)
        .arg(max_file_bytes.to_string())
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdin(Stdio::null());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => limited.env(key, value),
            None => limited.env_remove(key),
        };
    }
    limited
}

/// Every stored paper's exported line, by id.
fn exported(pb: &Paperboy) -> BTreeMap<String, String> {
    let out = pb.run(&["export"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let paper: serde_json::Value = serde_json::from_str(line).unwrap();
            (paper["id"].as_str().unwrap().to_string(), line.to_string())
        })
        .collect()
}

fn largest_file(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|entry| entry.unwrap().metadata().ok())
        .filter(|metadata| metadata.is_file())
        .map(|metadata| metadata.len())
        .max()
        .unwrap_or(0)
}

#[test]
fn an_ingest_that_fills_the_disk_stops_clearly_and_running_it_again_finishes_the_job() {
    let Some(data) = shared_data() else { return };
    if support::skip_on_postgres("an_ingest_that_fills_the_disk_stops_clearly_and_running_it_again_finishes_the_job") {
        return;
    }
    let listings = data.join("arxiv-listings");
    let (first_week, february) = (
        listings.join("2026-01-0*.jsonl.gz"),
        listings.join("2026-02-*.jsonl.gz"),
    );
    let (first_week, february) = (path_str(&first_week), path_str(&february));

    // Given a store with a week of papers,
    let pb = Paperboy::new();
    pb.json(&["ingest", "--json", first_week], 0);
    let before = exported(&pb);
    // when the next ingest finds room for about 1 MB more in any file,
    let limit = largest_file(pb.data_dir()) + 1_000_000;
    let ingest = pb.command(&["ingest", "--batch-size", "200", february]);
    let out = with_file_size_limit(&ingest, limit).output().unwrap();

    // then it stops, saying what happened, to which file, and what to do;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let database = pb.data_dir().join("paperboy.sqlite3");
    for words in [
        format!("cannot write to {}: the disk is full", database.display()),
        "What was stored before is intact".to_string(),
        "free space on that disk".to_string(),
        "run the same command again".to_string(),
    ] {
        assert!(stderr.contains(&words), "{words:?} in: {stderr}");
    }
    // the store is intact: every paper it held, and the batches committed before the failure;
    let conn = rusqlite::Connection::open(&database).unwrap();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    drop(conn);
    let after = exported(&pb);
    assert!(before.keys().all(|id| after.contains_key(id)), "no paper lost");
    assert!(
        after.len() > before.len(),
        "the disk filled up mid-run, after some batches ({} papers, then {})",
        before.len(),
        after.len()
    );
    // and the keyword index follows it (a search catches it up from where it was).
    let (id, title) = after
        .iter()
        .filter(|(id, _)| !before.contains_key(*id))
        .map(|(id, line)| {
            let paper: serde_json::Value = serde_json::from_str(line).unwrap();
            (id.clone(), paper["title"].as_str().unwrap().to_string())
        })
        .find(|(_, title)| title.split(' ').count() > 4 && title.chars().all(|c| c.is_ascii_alphanumeric() || c == ' '))
        .expect("a new paper with a plain title");
    let found = keyword_search(&pb, &title);
    assert_eq!(found.ids.first(), Some(&id), "{}", found.answer);
    assert_eq!(found.answer["index_lag"], 0, "{}", found.answer);

    // When the same ingest runs again with room to spare, it completes,
    pb.json(&["ingest", "--json", "--batch-size", "200", february], 0);
    // and the store and its index are what a clean ingest gives.
    let clean = Paperboy::new();
    clean.json(&["ingest", "--json", first_week], 0);
    clean.json(&["ingest", "--json", "--batch-size", "200", february], 0);
    assert_eq!(pb.json(&["stats", "--json"], 0), clean.json(&["stats", "--json"], 0));
    assert!(exported(&pb) == exported(&clean), "the same papers, the same fields");
    assert_eq!(keyword_search(&pb, &title).ids, keyword_search(&clean, &title).ids);
}
