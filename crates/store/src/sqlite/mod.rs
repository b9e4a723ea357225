//! The embedded store: one SQLite file in the data folder, in WAL mode.
//!
//! One connection writes (SQLite allows one writer at a time anyway); readers take pooled
//! connections of their own, so that reads never wait for a long ingest transaction.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::NaiveDate;
use paperboy_domain::{ArxivId, Paper, PaperDocument};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Params, Row};

use crate::{Backend, DayNeighbours, Page, PaperStore, StoreError, StoreStats, Upsert, UpsertOutcome};

mod accounts;
mod authors;
mod copy;
mod digest;
mod embeddings;
mod folder_lock;
mod lease;
mod library;
mod migrations;
mod outbox;
mod participation;
mod search_digest;
mod signals;
pub mod snapshot;
mod space;
mod sync;

pub use folder_lock::FolderLock;
pub use migrations::LATEST_VERSION;
mod papers;

/// The file name of the database inside the data folder.
pub const DATABASE_FILE: &str = "paperboy.sqlite3";

/// The embedded SQLite store.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Held shared while the store is open (see [`FolderLock`]). Declared last: fields drop in
    /// order, so the connections are closed before the folder is let go.
    _folder: FolderLock,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir` and applies pending migrations.
    pub fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Open {
            path: data_dir.to_path_buf(),
            source: Box::new(e),
        })?;
        let folder = FolderLock::shared(data_dir)?;
        let path = data_dir.join(DATABASE_FILE);
        keep_private(&path).map_err(|e| StoreError::Open {
            path: path.clone(),
            source: Box::new(e),
        })?;
        let mut writer = open_connection(&path)?;
        migrations::migrate(&mut writer, &path)?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            _folder: folder,
        })
    }

    /// The schema version of the store in `data_dir`, without migrating it (0 when none).
    pub fn schema_version_at(data_dir: &Path) -> Result<i64, StoreError> {
        let path = data_dir.join(DATABASE_FILE);
        if !path.is_file() {
            return Ok(0);
        }
        migrations::current_version(&open_connection(&path)?)
    }

    /// The schema version (the latest this paperboy knows, once opened).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.read(migrations::current_version)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a pooled read connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => open_connection(&self.path)?,
        };
        let result = f(&conn);
        self.readers.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
        result.map_err(|e| space::name_full_disk(&self.path, e))
    }

    fn write<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        // A panic while holding the lock leaves no half-done transaction (it rolls back on
        // drop), so a poisoned lock is safe to keep using.
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn).map_err(|e| space::name_full_disk(&self.path, e))
    }
}

impl Backend for SqliteStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }
}

/// Runs a cached query and collects its rows.
fn collect<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    mut map: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(map(row)?);
    }
    Ok(found)
}

/// Runs a cached query expected to return at most one row.
fn one<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    map: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    rows.next()?.map(map).transpose()
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Open {
        path: path.to_path_buf(),
        source: Box::new(e),
    })?;
    // WAL: readers don't block the writer. synchronous=NORMAL: a crash of paperboy loses
    // nothing committed; a power cut may lose the last transactions but never corrupts.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 10000;
         PRAGMA cache_size = -32000;",
    )
    .map_err(|e| StoreError::Open {
        path: path.to_path_buf(),
        source: Box::new(e),
    })?;
    Ok(conn)
}

impl PaperStore for SqliteStore {
    fn upsert_batch(&self, batch: &[Upsert<'_>]) -> Result<Vec<UpsertOutcome>, StoreError> {
        self.write(|conn| papers::upsert_batch(conn, batch))
    }

    fn paper(&self, id: &ArxivId) -> Result<Option<PaperDocument>, StoreError> {
        self.read(|conn| papers::document(conn, id.as_str()))
    }

    fn for_each_paper(&self, visit: &mut dyn FnMut(PaperDocument) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.read(|conn| papers::for_each(conn, visit))
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        self.read(papers::stats)
    }

    fn change_seq(&self) -> Result<i64, StoreError> {
        self.read(|conn| Ok(conn.query_row("SELECT COALESCE(MAX(change_seq), 0) FROM papers", [], |r| r.get(0))?))
    }

    fn daily_list(&self, day: NaiveDate) -> Result<Vec<PaperDocument>, StoreError> {
        self.read(|conn| papers::daily_list(conn, day))
    }

    fn daily_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<PaperDocument>, StoreError> {
        self.read(|conn| papers::daily_between(conn, from, to))
    }

    fn daily_neighbours(&self, day: NaiveDate) -> Result<DayNeighbours, StoreError> {
        self.read(|conn| {
            let previous = conn.query_row("SELECT MAX(day) FROM daily_entries WHERE day < ?1", [day], |r| r.get(0))?;
            let next = conn.query_row("SELECT MIN(day) FROM daily_entries WHERE day > ?1", [day], |r| r.get(0))?;
            Ok(DayNeighbours { previous, next })
        })
    }

    fn latest_daily_day(&self, on_or_before: Option<NaiveDate>) -> Result<Option<NaiveDate>, StoreError> {
        self.read(|conn| {
            let day = match on_or_before {
                Some(day) => conn.query_row("SELECT MAX(day) FROM daily_entries WHERE day <= ?1", [day], |r| {
                    r.get(0)
                })?,
                None => conn.query_row("SELECT MAX(day) FROM daily_entries", [], |r| r.get(0))?,
            };
            Ok(day)
        })
    }

    fn latest_announced_day(&self, on_or_before: NaiveDate) -> Result<Option<NaiveDate>, StoreError> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT MAX(announced) FROM papers WHERE announced <= ?1",
                [on_or_before],
                |r| r.get(0),
            )?)
        })
    }

    fn announced_on(
        &self,
        day: NaiveDate,
        category: Option<&str>,
        page: Page,
    ) -> Result<Vec<PaperDocument>, StoreError> {
        self.read(|conn| papers::announced_on(conn, day, category, page))
    }

    fn papers_by_author(&self, name: &str, page: Page) -> Result<Vec<PaperDocument>, StoreError> {
        authors::papers_by_author(self, name, page)
    }

    fn changed_since(&self, after_seq: i64, limit: usize) -> Result<Vec<(i64, Paper)>, StoreError> {
        self.read(|conn| papers::changed_since(conn, after_seq, limit))
    }

    fn state(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .query_row("SELECT value FROM state WHERE key = ?1", [key], |r| r.get(0))
                .optional()?)
        })
    }

    fn set_state(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.write(|conn| {
            match value {
                Some(value) => conn.execute(
                    "INSERT INTO state (key, value, updated_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    rusqlite::params![key, value, chrono::Utc::now().to_rfc3339()],
                )?,
                None => conn.execute("DELETE FROM state WHERE key = ?1", [key])?,
            };
            Ok(())
        })
    }
}

/// The database holds password hashes, email addresses and token hashes: it is created
/// readable by its owner only (0600), and an existing one loses any permission for others.
/// SQLite gives its `-wal` and `-shm` files the database file's permissions.
#[cfg(unix)]
fn keep_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if !path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)?;
        return Ok(());
    }
    for file in [path.to_path_buf(), sibling(path, "-wal"), sibling(path, "-shm")] {
        let Ok(metadata) = std::fs::metadata(&file) else {
            continue;
        };
        let mode = metadata.permissions().mode();
        if mode & 0o007 != 0 {
            tracing::warn!(file = %file.display(), "the database was readable by others; it no longer is");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & !0o007))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn keep_private(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// `paperboy.sqlite3` + `suffix`.
#[cfg(unix)]
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    name.into()
}

#[cfg(all(test, unix))]
mod permission_tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_database_is_readable_by_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store.set_state("probe", Some("x")).unwrap();
        let path = dir.path().join(DATABASE_FILE);
        assert_eq!(mode(&path) & 0o077, 0, "new file: {:o}", mode(&path));
        for suffix in ["-wal", "-shm"] {
            let file = sibling(&path, suffix);
            if file.exists() {
                assert_eq!(mode(&file) & 0o007, 0, "{suffix}: {:o}", mode(&file));
            }
        }
        drop(store);
        // One made world-readable (by an older paperboy, or by hand) loses that at the next open.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        SqliteStore::open(dir.path()).unwrap();
        assert_eq!(mode(&path), 0o640);
    }
}
