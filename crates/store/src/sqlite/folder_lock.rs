//! Who is using a data folder: every process that opens the embedded store holds the folder's
//! lock file shared for as long as it has the store open; `paperboy restore` takes it
//! exclusively while it swaps the database, so it never replaces a file under a running
//! `serve` (or `ingest`, `search`, …), and a process starting meanwhile waits for it.
//!
//! Why a lock file rather than the store's leases or SQLite's own locks: a lease exists only
//! while some job holds one (a keyword-only `serve` with sync off takes none) and outlives a
//! killed holder until it expires; SQLite's own locks are its business, and its API lets no
//! other process ask whether the database is open. An advisory `flock` on a file of its own is held exactly as long as the
//! process lives, released by the kernel even after `kill -9`. It cannot see programs that
//! open the database without paperboy (the `sqlite3` shell).

use std::fs::{File, OpenOptions};
use std::path::Path;

use fs4::fs_std::FileExt;

use crate::StoreError;

/// The lock file's name in the data folder. It holds nothing; only its lock matters.
const LOCK_FILE: &str = "paperboy.lock";

/// A held lock on a data folder, released when dropped (or when the process ends).
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
}

impl FolderLock {
    /// Holds the folder shared, as every process with the store open does; waits while a
    /// restore holds it.
    pub(crate) fn shared(data_dir: &Path) -> Result<FolderLock, StoreError> {
        let file = open(data_dir)?;
        // Called through the trait: `File::lock_shared` is newer than our minimum Rust.
        FileExt::lock_shared(&file).map_err(|e| lock_error(data_dir, e))?;
        Ok(FolderLock { _file: file })
    }

    /// Holds the folder alone, or `None` while another process has the store open.
    pub fn try_exclusive(data_dir: &Path) -> Result<Option<FolderLock>, StoreError> {
        let file = open(data_dir)?;
        let taken = FileExt::try_lock_exclusive(&file).map_err(|e| lock_error(data_dir, e))?;
        Ok(taken.then_some(FolderLock { _file: file }))
    }
}

fn open(data_dir: &Path) -> Result<File, StoreError> {
    let path = data_dir.join(LOCK_FILE);
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| StoreError::Open {
            path,
            source: Box::new(e),
        })
}

fn lock_error(data_dir: &Path, error: std::io::Error) -> StoreError {
    StoreError::Open {
        path: data_dir.join(LOCK_FILE),
        source: Box::new(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_store_keeps_the_folder_from_being_taken_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::SqliteStore::open(dir.path()).unwrap();
        assert!(FolderLock::try_exclusive(dir.path()).unwrap().is_none());
        let another = crate::SqliteStore::open(dir.path()).unwrap();
        drop(store);
        assert!(
            FolderLock::try_exclusive(dir.path()).unwrap().is_none(),
            "one is still open"
        );
        drop(another);
        let alone = FolderLock::try_exclusive(dir.path()).unwrap();
        assert!(alone.is_some());
        assert!(FolderLock::try_exclusive(dir.path()).unwrap().is_none());
    }
}
