//! Snapshots of the embedded store: a single SQLite file holding the whole database as it was
//! at one moment. `paperboy backup` writes one while the store is in use; `paperboy restore`
//! checks one, copies it and brings the copy up to this paperboy's schema before installing it.
//!
//! Where the files go, their names and permissions are the caller's business; this module is
//! the SQL: `VACUUM INTO` (one read transaction, so a snapshot never holds half of a write,
//! while writers go on meanwhile under WAL), the integrity and schema checks, and small edits
//! to a snapshot that is not installed yet.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};

use super::{migrations, SqliteStore};
use crate::StoreError;

/// What a snapshot holds, for reports and for deciding whether a store is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SnapshotFacts {
    pub schema_version: i64,
    pub papers: u64,
    pub users: u64,
    pub subscribers: u64,
}

impl SnapshotFacts {
    /// Papers, accounts or subscribers: what `paperboy copy` also refuses to overwrite.
    pub fn holds_data(&self) -> bool {
        self.papers + self.users + self.subscribers > 0
    }
}

impl SqliteStore {
    /// Writes the whole database to `target`, which must not exist or be empty (create it
    /// first to choose its permissions). The copy is read in one transaction: it is the store
    /// as it was at one commit, while writers go on.
    pub fn backup_into(&self, target: &Path) -> Result<(), StoreError> {
        let target_text = utf8(target)?;
        self.read(|conn| {
            conn.execute("VACUUM INTO ?1", [target_text])?;
            Ok(())
        })
    }
}

/// Checks that `path` is a paperboy snapshot this paperboy can install: a SQLite database
/// that passes `PRAGMA integrity_check`, with paperboy's schema at a version no newer than
/// this binary's (older ones are migrated when installed). Reads only.
pub fn check(path: &Path) -> Result<SnapshotFacts, StoreError> {
    let conn = open_read_only(path)?;
    let unusable = |problem: String| StoreError::BadSnapshot {
        path: path.to_path_buf(),
        problem,
    };
    let found = integrity_problems(&conn).map_err(|e| unusable(describe(&e.into())))?;
    if !found.is_empty() {
        return Err(unusable(format!("the integrity check failed: {}", found.join("; "))));
    }
    let version = migrations::current_version(&conn).map_err(|e| unusable(describe(&e)))?;
    let has_papers: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'papers')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| unusable(describe(&e.into())))?;
    if version == 0 || !has_papers {
        return Err(unusable(
            "it is a SQLite database, but not a paperboy store (no papers or schema_migrations table)".into(),
        ));
    }
    if version > migrations::LATEST_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: migrations::LATEST_VERSION,
        });
    }
    facts(&conn).map_err(|e| unusable(describe(&e)))
}

/// What the database at `path` holds, read without migrating or changing it.
pub fn facts_at(path: &Path) -> Result<SnapshotFacts, StoreError> {
    facts(&open_read_only(path)?)
}

/// Copies the database at `from` into `to` (absent or empty), reading `from` in one
/// transaction and never writing to it.
pub fn copy_into(from: &Path, to: &Path) -> Result<(), StoreError> {
    let conn = open_read_only(from)?;
    conn.execute("VACUUM INTO ?1", [utf8(to)?])?;
    Ok(())
}

/// A snapshot file opened for editing before it is installed: nobody else has it open.
pub struct SnapshotFile {
    conn: Connection,
    path: PathBuf,
}

impl SnapshotFile {
    /// Opens a snapshot to edit it. It stays a single file (no `-wal` beside it), whatever
    /// journal mode it was written in.
    pub fn open(path: &Path) -> Result<SnapshotFile, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            source: Box::new(e),
        })?;
        conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
        Ok(SnapshotFile {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Applies the migrations the snapshot lacks; the versions applied.
    pub fn migrate(&mut self) -> Result<Vec<i64>, StoreError> {
        let before = migrations::current_version(&self.conn)?;
        migrations::migrate(&mut self.conn, &self.path)?;
        let after = migrations::current_version(&self.conn)?;
        Ok(((before + 1)..=after).collect())
    }

    pub fn facts(&self) -> Result<SnapshotFacts, StoreError> {
        facts(&self.conn)
    }

    /// Sets a `state` value (as [`crate::PaperStore::set_state`] does in a live store).
    pub fn set_state(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO state (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            rusqlite::params![key, value, chrono::Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    /// Removes a `state` value, returning it.
    pub fn take_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("DELETE FROM state WHERE key = ?1 RETURNING value", [key], |r| r.get(0))
            .optional()?)
    }

    /// Drops the leases: they belong to processes of the store the snapshot was taken from, and
    /// would keep this one's `serve` from embedding or syncing until they expired.
    pub fn forget_leases(&self) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM leases", [])?;
        Ok(())
    }

    /// Closes the file, reporting a failure to write it out.
    pub fn close(self) -> Result<(), StoreError> {
        self.conn.close().map_err(|(_, e)| e.into())
    }
}

fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(|e| {
        StoreError::Open {
            path: path.to_path_buf(),
            source: Box::new(e),
        }
    })
}

/// What `PRAGMA integrity_check` found wrong (at most a few lines); empty when it says "ok".
fn integrity_problems(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut check = conn.prepare("PRAGMA integrity_check(5)")?;
    let lines = check.query_map([], |r| r.get::<_, String>(0))?;
    let lines = lines.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(lines.into_iter().filter(|line| line != "ok").collect())
}

fn facts(conn: &Connection) -> Result<SnapshotFacts, StoreError> {
    let count = |table: &str| -> Result<u64, StoreError> {
        let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
        Ok(n as u64)
    };
    Ok(SnapshotFacts {
        schema_version: migrations::current_version(conn)?,
        papers: count("papers")?,
        users: count("users")?,
        subscribers: count("subscribers")?,
    })
}

/// SQLite's complaint, in words for someone holding a file that is not what they thought.
fn describe(error: &StoreError) -> String {
    let StoreError::Database(sqlite) = error else {
        return error.to_string();
    };
    match sqlite.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => "it is not a SQLite database".into(),
        Some(ErrorCode::DatabaseCorrupt) => format!("it is damaged ({sqlite})"),
        _ => sqlite.to_string(),
    }
}

fn utf8(path: &Path) -> Result<&str, StoreError> {
    path.to_str()
        .ok_or_else(|| StoreError::Other(format!("{} is not a UTF-8 path", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_from_an_older_paperboy_is_accepted_and_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        let older = migrations::LATEST_VERSION - 2;
        let mut conn = Connection::open(&path).unwrap();
        migrations::migrate_to(&mut conn, &path, older).unwrap();
        drop(conn);
        let facts = check(&path).unwrap();
        assert_eq!(facts.schema_version, older);
        let mut file = SnapshotFile::open(&path).unwrap();
        let latest = migrations::LATEST_VERSION;
        assert_eq!(file.migrate().unwrap(), [latest - 1, latest]);
        assert_eq!(file.facts().unwrap().schema_version, latest);
        file.close().unwrap();
    }

    #[test]
    fn a_backup_carries_state_that_a_restore_takes_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("data")).unwrap();
        let path = dir.path().join("backup.sqlite");
        store.backup_into(&path).unwrap();
        let file = SnapshotFile::open(&path).unwrap();
        file.set_state("digest_secret", "00ff").unwrap();
        file.close().unwrap();
        assert!(check(&path).is_ok());
        let file = SnapshotFile::open(&path).unwrap();
        assert_eq!(file.take_state("digest_secret").unwrap().as_deref(), Some("00ff"));
        assert_eq!(file.take_state("digest_secret").unwrap(), None);
    }
}
