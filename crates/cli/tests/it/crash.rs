//! A kill -9 in the middle of an ingest leaves a consistent store; re-running finishes the job.

use crate::support;

use std::time::Duration;

use support::{path_str, shared_data, Paperboy};

#[test]
fn killed_ingest_resumes_to_the_same_state() {
    let Some(data) = shared_data() else { return };
    if support::skip_on_postgres("killed_ingest_resumes_to_the_same_state") {
        return;
    }
    let listings = data.join("arxiv-listings");

    let reference = Paperboy::new();
    let full = reference.json(&["ingest", "--json", path_str(&listings)], 0);
    let expected = reference.json(&["stats", "--json"], 0);
    assert!(full["inserted"].as_u64().unwrap() > 20_000, "{full}");

    let pb = Paperboy::new();
    let mut child = pb
        .command(&["ingest", "--batch-size", "500", path_str(&listings)])
        .spawn()
        .unwrap();
    // Wait until some batches are committed, then kill without warning.
    let db = pb.data_dir().join("paperboy.sqlite3-wal");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) < 2_000_000 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let partial = pb.json(&["stats", "--json"], 0);
    let partial_papers = partial["papers"].as_u64().unwrap();
    assert!(
        partial_papers < expected["papers"].as_u64().unwrap(),
        "killed before the end: {partial}"
    );
    let conn = rusqlite::Connection::open(pb.data_dir().join("paperboy.sqlite3")).unwrap();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    drop(conn);

    pb.json(&["ingest", "--json", path_str(&listings)], 0);
    assert_eq!(pb.json(&["stats", "--json"], 0), expected);
    assert!(
        pb.run(&["export"]).stdout == reference.run(&["export"]).stdout,
        "same papers, same fields"
    );
}
