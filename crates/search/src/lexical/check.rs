//! Whether the keyword index on disk can be trusted. It is derived data, so anything doubtful
//! is rebuilt from the store rather than served.
//!
//! A crash on a file system that does not keep its promises, or a failing disk, can leave
//! `meta.json` unreadable, a segment file cut short, gone, or with garbage in it. tantivy
//! notices the first when it opens the index, and some of the rest only when a search reads
//! the damaged part — as an error, a panic or silently wrong results. So the process that
//! writes the index checks it whole when it opens it: every committed segment file against the
//! checksum in its footer, then a reader over every segment.

use std::path::Path;
use std::time::{Duration, Instant};

use tantivy::directory::{Directory, MmapDirectory};
use tantivy::schema::Schema;
use tantivy::{HasLen, Index};

use super::{Payload, SCHEMA_VERSION};

/// What was found in an index folder.
pub(super) enum Found {
    /// No index yet.
    Nothing,
    /// An index that opened and passed every check asked for.
    Sound(Index),
    /// An index to rebuild, and why, in words for the log.
    Unsound(String),
}

/// What checking the segment files' checksums read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    pub files: usize,
    pub bytes: u64,
    pub took: Duration,
}

/// Opens the index in `dir` and checks it: that it was built with `schema` and this version,
/// and, when `checksums` is set, every committed segment file's checksum; then that a reader
/// opens over every segment.
pub(super) fn inspect(dir: &Path, schema: &Schema, checksums: bool) -> Found {
    let directory = match MmapDirectory::open(dir) {
        Ok(directory) => directory,
        Err(e) => return Found::Unsound(format!("the folder cannot be opened: {e}")),
    };
    match Index::exists(&directory) {
        Ok(true) => {}
        Ok(false) => return Found::Nothing,
        Err(e) => return Found::Unsound(format!("meta.json cannot be read: {e}")),
    }
    let index = match Index::open(directory) {
        Ok(index) => index,
        Err(e) => return Found::Unsound(format!("it does not open: {e}")),
    };
    let payload = match index.load_metas() {
        Ok(metas) => metas.payload,
        Err(e) => return Found::Unsound(format!("meta.json cannot be read: {e}")),
    };
    let version = payload
        .as_deref()
        .and_then(|p| serde_json::from_str::<Payload>(p).ok())
        .map(|p| p.schema);
    if index.schema() != *schema || !matches!(version, Some(SCHEMA_VERSION) | None) {
        return Found::Unsound("it was built by another version".into());
    }
    if checksums {
        match verify_checksums(&index) {
            Ok(checked) => tracing::debug!(
                files = checked.files,
                bytes = checked.bytes,
                ms = checked.took.as_millis() as u64,
                "keyword index checksums verified"
            ),
            Err(problem) => return Found::Unsound(problem),
        }
    }
    // Opening a reader opens every segment's files (a missing one fails here).
    if let Err(e) = index.reader() {
        return Found::Unsound(format!("its segments do not open: {e}"));
    }
    Found::Sound(index)
}

/// Checks every committed segment file of `index` against the checksum in its footer.
pub(super) fn verify_checksums(index: &Index) -> Result<Checked, String> {
    let started = Instant::now();
    let metas = index
        .load_metas()
        .map_err(|e| format!("meta.json cannot be read: {e}"))?;
    let files = metas.list_segment_files();
    let damaged = index
        .validate_checksum()
        .map_err(|e| format!("a segment file cannot be read: {e}"))?;
    if !damaged.is_empty() {
        let mut names: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
        names.sort();
        return Err(format!("segment files fail their checksum: {}", names.join(", ")));
    }
    // The list names every file a segment may have; those it has are the ones read.
    let sizes: Vec<u64> = files
        .iter()
        .filter_map(|file| index.directory().open_read(file).ok())
        .map(|slice| slice.len() as u64)
        .collect();
    Ok(Checked {
        files: sizes.len(),
        bytes: sizes.iter().sum(),
        took: started.elapsed(),
    })
}
