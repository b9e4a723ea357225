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
    /// A database server that cannot be reached or refuses us; `url` has its password hidden.
    #[error("cannot connect to the database at {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The database server does not answer (stopped, restarting, unreachable): a passing
    /// condition, unlike [`StoreError::Connect`] at start-up. The same call succeeds once the
    /// server is back; the web app answers 503 meanwhile.
    #[error("the database at {url} is unavailable ({reason}); try again once it is back (a running `paperboy serve` reconnects by itself)")]
    Unavailable { url: String, reason: String },
    /// A write that found no room: the disk is full, or a file size limit was reached. The
    /// transaction was rolled back, so what was stored before is intact.
    #[error("cannot write to {path}: {reason}. What was stored before is intact: free space on that disk (or raise the file size limit), then run the same command again")]
    NoSpace { path: PathBuf, reason: String },
    #[error("the store at {path} has schema version {found}, newer than this paperboy knows ({supported}); upgrade paperboy")]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },
    /// A file offered to `paperboy restore` that cannot be installed, and why.
    #[error("{path} cannot be restored: {problem}")]
    BadSnapshot { path: PathBuf, problem: String },
    #[error("stored paper {id} is unreadable: {message}")]
    Corrupt { id: String, message: String },
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("database error: {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    /// Whether the store is out of reach for now (see [`StoreError::Unavailable`]): callers
    /// answer "try again later" rather than "something is wrong".
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }
}

/// The server's own message when there is one ("duplicate key value violates …"), which
/// `postgres::Error`'s display hides behind "db error".
fn postgres_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => error.to_string(),
    }
}
