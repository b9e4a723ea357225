use std::path::PathBuf;

/// Errors from a store, worded for the person running paperboy.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("the store at {path} has schema version {found}, newer than this paperboy knows ({supported}); upgrade paperboy")]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },
    #[error("stored paper {id} is unreadable: {message}")]
    Corrupt { id: String, message: String },
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("{0}")]
    Other(String),
}
