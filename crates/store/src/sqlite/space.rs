//! A write that found no room. SQLite says so in two ways: `SQLITE_FULL` when the disk is full
//! (ENOSPC), and a failed write (`SQLITE_IOERR_WRITE`) when a file may not grow (a file size
//! limit: EFBIG). Either way the transaction is rolled back and the file stays consistent; the
//! person running paperboy needs to know which file, that nothing was damaged, and what to do.

use std::path::Path;

use rusqlite::ffi;

use crate::StoreError;

/// `error` as [`StoreError::NoSpace`] when it is one of those, naming the database at `path`;
/// otherwise unchanged.
pub(super) fn name_full_disk(path: &Path, error: StoreError) -> StoreError {
    let StoreError::Database(rusqlite::Error::SqliteFailure(failure, _)) = &error else {
        return error;
    };
    let reason = match (failure.code, failure.extended_code) {
        (ffi::ErrorCode::DiskFull, _) => "the disk is full",
        (_, ffi::SQLITE_IOERR_WRITE) => "the disk is full or a file size limit was reached (SQLite could not write)",
        _ => return error,
    };
    StoreError::NoSpace {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> StoreError {
        StoreError::Database(rusqlite::Error::SqliteFailure(ffi::Error::new(code), None))
    }

    #[test]
    fn no_room_is_named_and_other_failures_pass_unchanged() {
        let path = Path::new("/data/paperboy.sqlite3");
        for code in [ffi::SQLITE_FULL, ffi::SQLITE_IOERR_WRITE] {
            let message = name_full_disk(path, failure(code)).to_string();
            assert!(
                message.starts_with("cannot write to /data/paperboy.sqlite3: the disk is full"),
                "{message}"
            );
            assert!(message.contains("free space"), "{message}");
        }
        for code in [ffi::SQLITE_BUSY, ffi::SQLITE_IOERR_READ, ffi::SQLITE_CORRUPT] {
            assert!(matches!(name_full_disk(path, failure(code)), StoreError::Database(_)));
        }
    }
}
