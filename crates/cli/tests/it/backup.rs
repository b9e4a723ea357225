//! Backups and restore: a snapshot taken while `serve` runs and papers and votes keep arriving
//! restores to one consistent moment of the source (`paperboy backup` on SQLite; `paperboy copy`
//! into a data folder on PostgreSQL), and `restore` refuses what it cannot install safely.

use crate::support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{call, path_str, serve_keyword_only, Paperboy};

/// Papers every test store starts with; the load votes on them.
const SEEDS: u32 = 20;
/// Papers per ingest transaction of the load.
const BATCH: u32 = 20;
/// How long a condition may take to come true on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(120);

/// A word no other paper has, spelled from `n`: what a keyword search finds it by.
fn word(n: u32) -> String {
    const SYLLABLES: [&str; 10] = ["ka", "lo", "mi", "nu", "pe", "ri", "so", "tu", "ve", "zo"];
    format!("{n:05}")
        .bytes()
        .map(|digit| SYLLABLES[usize::from(digit - b'0')])
        .collect()
}

fn seed_id(n: u32) -> String {
    format!("2512.{n:05}")
}

/// The load's papers: numbered from 1, so that a consistent snapshot holds exactly 1..=K.
fn probe_id(n: u32) -> String {
    format!("2601.{n:05}")
}

/// One line of paperboy's own JSON-lines format.
fn paper_line(id: &str, title: &str, daily: bool) -> String {
    let entries = if daily {
        json!([{"day": "2026-01-05", "upvotes": 0, "comments": 0, "source": "hf"}])
    } else {
        json!([])
    };
    json!({
        "id": id,
        "title": title,
        "abstract": format!("What a snapshot must hold whole: {title}."),
        "authors": ["Ada Probe"],
        "categories": ["cs.DB"],
        "announced": "2026-01-05",
        "daily_entries": entries,
    })
    .to_string()
}

/// A store with the seed papers (on the suite's backend, or the embedded one).
fn seeded(pb: Paperboy) -> Paperboy {
    let lines: Vec<String> = (1..=SEEDS)
        .map(|n| paper_line(&seed_id(n), &format!("Seed paper {}", word(n)), true))
        .collect();
    let file = pb.data_dir().join("seeds.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let report = pb.json(&["ingest", "--json", path_str(&file)], 0);
    assert_eq!(report["inserted"], SEEDS, "{report}");
    pb
}

/// `paperboy export`, one paper per line, split into the seeds and the load's papers.
fn export(pb: &Paperboy) -> (Vec<String>, Vec<String>) {
    let out = pb.run(&["export"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .partition(|line| line.contains("\"2512."))
}

fn whole_export(pb: &Paperboy) -> Vec<u8> {
    let out = pb.run(&["export"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn stored(base_url: &str, id: &str) -> bool {
    let (status, body) = call("GET", &format!("{base_url}/api/papers/{id}"), None);
    assert!(status == 200 || status == 404, "{status}: {body}");
    status == 200
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "{what} did not happen within {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Writes while a test takes its snapshot: one `paperboy ingest -` fed numbered papers, a
/// transaction per [`BATCH`], and upvotes and their withdrawal over HTTP on the seeds.
struct Load {
    stop: Arc<AtomicBool>,
    ingest: Child,
    feeder: JoinHandle<()>,
    voter: JoinHandle<u32>,
}

impl Load {
    fn start(pb: &Paperboy, base_url: &str, token: &str) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let mut ingest = pb
            .command(&[
                "ingest",
                "--json",
                "--format",
                "jsonl",
                "--batch-size",
                &BATCH.to_string(),
                "-",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = ingest.stdin.take().unwrap();
        let feeder = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut next = 1;
                // Whole batches only, so a snapshot between two of them holds a multiple of BATCH.
                while !stop.load(Ordering::Relaxed) && next + BATCH <= 99_999 {
                    let chunk: String = (next..next + BATCH)
                        .map(|n| paper_line(&probe_id(n), &format!("Snapshot probe {}", word(n)), false) + "\n")
                        .collect();
                    input.write_all(chunk.as_bytes()).unwrap();
                    input.flush().unwrap();
                    next += BATCH;
                    // A steady stream rather than a flood: the store stays small enough to
                    // export and compare (this paces the load; nothing waits on it).
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };
        let voter = {
            let (stop, base_url, token) = (Arc::clone(&stop), base_url.to_string(), token.to_string());
            std::thread::spawn(move || {
                // Seeds 2.. are voted on and off; every change moves a counter with its row.
                let mut changes = 0;
                for round in 0.. {
                    let method = if round % 2 == 0 { "POST" } else { "DELETE" };
                    for n in 2..=SEEDS {
                        if stop.load(Ordering::Relaxed) {
                            return changes;
                        }
                        let url = format!("{base_url}/api/papers/{}/upvote", seed_id(n));
                        match call(method, &url, Some(&token)) {
                            (200, _) => changes += 1,
                            (429, _) => return changes, // the account's vote limit: enough
                            (status, body) => panic!("{method} {url}: {status} {body}"),
                        }
                    }
                }
                changes
            })
        };
        Load {
            stop,
            ingest,
            feeder,
            voter,
        }
    }

    /// Stops writing and waits for the last batch to be stored; the votes cast.
    fn finish(self) -> u32 {
        self.stop.store(true, Ordering::Relaxed);
        self.feeder.join().unwrap();
        let votes = self.voter.join().unwrap();
        let out = self.ingest.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        votes
    }
}

/// An account with an API token, and one vote cast before any snapshot (so every snapshot
/// holds a vote whose counter must match).
fn voter_token(pb: &Paperboy, base_url: &str) -> String {
    let created = support::create_user(pb, &["ana", "--email", "ana@example.org"], "correct horse battery");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let out = pb.run(&["token", "create", "ana"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let (status, body) = call(
        "POST",
        &format!("{base_url}/api/papers/{}/upvote", seed_id(1)),
        Some(&token),
    );
    assert_eq!(status, 200, "{body}");
    token
}

/// The link-signing key the source signs with, as `secret.key` holds it.
fn source_key(source: &Paperboy) -> Vec<u8> {
    match source.database_url() {
        None => {
            // A deployment that has mailed digests has one; give this one its own.
            let key: Vec<u8> = (0..32u8).map(|b| b.wrapping_mul(37).wrapping_add(11)).collect();
            std::fs::write(source.data_dir().join("secret.key"), &key).unwrap();
            key
        }
        Some(url) => {
            let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
            let hex: String = client
                .query_one("SELECT value FROM state WHERE key = 'digest_secret'", &[])
                .unwrap()
                .get(0);
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect()
        }
    }
}

/// Takes the backup the source's backend offers: `paperboy backup` of the data folder, or
/// `paperboy copy` of PostgreSQL into a folder (whose database file is the snapshot).
fn take_snapshot(source: &Paperboy, into: &Path) -> PathBuf {
    match source.database_url() {
        None => {
            let report = source.json(&["backup", "--json", &format!("{}/", path_str(into))], 0);
            PathBuf::from(report["path"].as_str().unwrap())
        }
        Some(url) => {
            let folder = into.join("copy");
            Paperboy::new_embedded().json(&["copy", "--from", url, "--to", path_str(&folder), "--json"], 0);
            folder.join("paperboy.sqlite3")
        }
    }
}

/// Papers stored in the snapshot file (read directly, as a check on the command's report).
fn papers_in(file: &Path) -> u32 {
    let conn = rusqlite::Connection::open(file).unwrap();
    conn.query_row("SELECT COUNT(*) FROM papers", [], |r| r.get(0)).unwrap()
}

fn searched(pb: &Paperboy, query: &str) -> Vec<String> {
    let found = pb.json(&["search", "--json", "--mode", "lexical", "--limit", "5", query], 0);
    found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_snapshot_taken_under_write_load_restores_one_consistent_moment() {
    let source = seeded(Paperboy::new());
    let key = source_key(&source);
    let served = serve_keyword_only(&source);
    let token = voter_token(&source, &served.base_url);
    let load = Load::start(&source, &served.base_url, &token);
    wait_until("10 batches stored", || stored(&served.base_url, &probe_id(10 * BATCH)));

    let backups = tempfile::tempdir().unwrap();
    let snapshot = take_snapshot(&source, backups.path());
    let in_snapshot = papers_in(&snapshot) - SEEDS;
    // The load goes on past the snapshot, so the source ends with papers it lacks.
    wait_until("10 more batches stored", || {
        stored(&served.base_url, &probe_id(in_snapshot + 10 * BATCH))
    });
    let votes = load.finish();
    drop(served);
    assert!(votes > 0, "the voter voted while the snapshot was taken");

    let restored = Paperboy::new_embedded();
    let report = restored.json(&["restore", "--json", path_str(&snapshot)], 0);
    assert_eq!(report["papers"], SEEDS + in_snapshot, "{report}");
    assert_eq!(report["users"], 1, "{report}");
    assert_eq!(report["replaced"], Value::Null, "{report}");

    // Exactly the first K of the source's papers, each as the source has it: no half batch,
    // nothing from after the snapshot.
    let (source_seeds, source_probes) = export(&source);
    let (restored_seeds, restored_probes) = export(&restored);
    let k = restored_probes.len();
    assert!(k > 0 && k % BATCH as usize == 0, "{k} papers: whole batches");
    assert!(k < source_probes.len(), "the source went on after the snapshot");
    assert!(
        restored_probes[..] == source_probes[..k],
        "the source's first {k} papers, field for field"
    );
    let ids = |lines: &[String]| -> Vec<Value> {
        lines
            .iter()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].clone())
            .collect()
    };
    assert_eq!(ids(&restored_seeds), ids(&source_seeds));

    // Every counter equals its rows, and the vote cast before the snapshot is in it.
    let db = rusqlite::Connection::open(restored.data_dir().join("paperboy.sqlite3")).unwrap();
    let wrong: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM papers p
             WHERE p.votes != (SELECT COUNT(*) FROM votes v WHERE v.paper_key = p.paper_key)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(wrong, 0, "vote counters equal the vote rows");
    let first: i64 = db
        .query_row("SELECT votes FROM papers WHERE id = ?1", [seed_id(1)], |r| r.get(0))
        .unwrap();
    assert_eq!(first, 1);
    let leases: i64 = db.query_row("SELECT COUNT(*) FROM leases", [], |r| r.get(0)).unwrap();
    assert_eq!(leases, 0, "the source's leases stay behind");
    drop(db);
    assert_eq!(std::fs::read(restored.data_dir().join("secret.key")).unwrap(), key);

    // Search and the web app show the restored papers, and nothing after them.
    let k = k as u32;
    assert!(searched(&restored, &word(k)).contains(&probe_id(k)));
    assert!(!searched(&restored, &word(k + 1)).contains(&probe_id(k + 1)));
    let served = serve_keyword_only(&restored);
    assert!(stored(&served.base_url, &probe_id(k)));
    assert!(!stored(&served.base_url, &probe_id(k + 1)));
    drop(served);

    if source.database_url().is_none() {
        restore_over_the_source(&source, &snapshot, k, &restored);
    }
}

/// The source's own folder takes the snapshot back: refused without --force, then installed
/// with the old database kept aside and the search index (which had every paper) rebuilt.
fn restore_over_the_source(source: &Paperboy, snapshot: &Path, k: u32, restored: &Paperboy) {
    let before = whole_export(source);
    assert!(searched(source, &word(k + 1)).contains(&probe_id(k + 1)));
    let out = source.run(&["restore", path_str(snapshot)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--force"), "{err}");
    assert!(whole_export(source) == before, "refused, the store is as it was");

    let report = source.json(&["restore", "--force", "--json", path_str(snapshot)], 0);
    assert!(whole_export(source) == whole_export(restored));
    assert!(
        !searched(source, &word(k + 1)).contains(&probe_id(k + 1)),
        "the index was rebuilt"
    );
    assert!(searched(source, &word(k)).contains(&probe_id(k)));
    let kept = PathBuf::from(report["replaced"].as_str().unwrap());
    let total = before.iter().filter(|b| **b == b'\n').count() as u32;
    assert_eq!(papers_in(&kept), total, "the replaced database is kept whole: {report}");
}

/// A store with seeds and a snapshot of another one, for the refusals.
fn store_and_snapshot() -> (Paperboy, PathBuf, tempfile::TempDir) {
    let target = seeded(Paperboy::new_embedded());
    let other = seeded(Paperboy::new_embedded());
    let files = tempfile::tempdir().unwrap();
    let snapshot = files.path().join("good.sqlite");
    other.json(&["backup", "--json", path_str(&snapshot)], 0);
    (target, snapshot, files)
}

/// Runs `restore --force FILE` and expects a refusal that says `expected`, the store untouched.
fn refused(target: &Paperboy, file: &Path, expected: &[&str]) {
    let before = whole_export(target);
    let listing = folder_listing(target.data_dir());
    let out = target.run(&["restore", "--force", path_str(file)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for part in expected {
        assert!(err.contains(part), "expected {part:?} in: {err}");
    }
    assert!(whole_export(target) == before, "{file:?}: the store is untouched");
    assert_eq!(folder_listing(target.data_dir()), listing, "nothing left behind");
}

fn folder_listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with("-wal") && !name.ends_with("-shm"))
        .collect();
    names.sort();
    names
}

#[test]
fn restore_refuses_what_it_cannot_install_and_leaves_the_store_as_it_was() {
    if support::skip_on_postgres("restore_refuses_what_it_cannot_install_and_leaves_the_store_as_it_was") {
        return;
    }
    let (target, snapshot, files) = store_and_snapshot();
    let file = |name: &str, bytes: &[u8]| -> PathBuf {
        let path = files.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };

    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    refused(
        &target,
        &file("garbage.sqlite", &garbage),
        &["cannot be restored", "not a SQLite database"],
    );

    let whole = std::fs::read(&snapshot).unwrap();
    let truncated = file("truncated.sqlite", &whole[..whole.len() / 2]);
    refused(&target, &truncated, &["truncated.sqlite cannot be restored"]);

    let foreign = files.path().join("notes.sqlite");
    let conn = rusqlite::Connection::open(&foreign).unwrap();
    conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
        .unwrap();
    drop(conn);
    refused(&target, &foreign, &["not a paperboy store"]);

    let newer = file("newer.sqlite", &whole);
    let conn = rusqlite::Connection::open(&newer).unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (version, applied_at) VALUES (9999, '2030-01-01T00:00:00Z')",
        [],
    )
    .unwrap();
    drop(conn);
    refused(&target, &newer, &["schema version 9999", "upgrade paperboy"]);

    let served = serve_keyword_only(&target);
    refused(&target, &snapshot, &["in use by another paperboy process"]);
    drop(served);

    // Without --force, a store with papers stays; the good snapshot then installs.
    let before = whole_export(&target);
    let out = target.run(&["restore", path_str(&snapshot)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("holds 20 papers") && err.contains("--force"), "{err}");
    assert!(whole_export(&target) == before);
    target.json(&["restore", "--force", "--json", path_str(&snapshot)], 0);
}

#[test]
fn a_backup_never_replaces_a_file_and_is_private() {
    if support::skip_on_postgres("a_backup_never_replaces_a_file_and_is_private") {
        return;
    }
    let pb = seeded(Paperboy::new_embedded());
    let folder = tempfile::tempdir().unwrap();
    let report = pb.json(&["backup", "--json", path_str(folder.path())], 0);
    let written = PathBuf::from(report["path"].as_str().unwrap());
    let name = written.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with("paperboy-") && name.ends_with("Z.sqlite"), "{name}");
    assert_eq!(report["papers"], SEEDS, "{report}");
    assert_eq!(report["bytes"], std::fs::metadata(&written).unwrap().len(), "{report}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&written).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    let bytes = std::fs::read(&written).unwrap();
    let out = pb.run(&["backup", path_str(&written)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already exists") && err.contains("never replaces"),
        "{err}"
    );
    assert!(std::fs::read(&written).unwrap() == bytes, "the file is as it was");
    assert_eq!(
        std::fs::read_dir(folder.path()).unwrap().count(),
        1,
        "no partial file left"
    );
}

#[test]
fn postgresql_is_backed_up_with_its_own_tools_or_copy() {
    let Some(pb) = Paperboy::on_postgres() else { return };
    let folder = tempfile::tempdir().unwrap();
    let out = pb.run(&["backup", path_str(folder.path())]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pg_dump") && err.contains("paperboy copy"), "{err}");
    let out = pb.run(&["restore", path_str(&pb.data_dir().join("anything.sqlite"))]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pg_restore") && err.contains("paperboy copy"), "{err}");
}
