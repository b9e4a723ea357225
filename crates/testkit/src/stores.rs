//! Which store a test runs on: the one place that reads the two variables.
//!
//! - `PAPERBOY_TEST_DATABASE_URL` ([`TEST_DATABASE_URL`]) names a PostgreSQL server. With it,
//!   the store's tests run on both backends, and the tests of PostgreSQL deployments (several
//!   instances on one database, `paperboy copy`) run. Without it they are skipped with a note;
//!   under CI (`CI` set) they fail instead.
//! - `PAPERBOY_TEST_STORE` ([`TEST_STORE`]) is the switch for the suites that run on one store,
//!   the web and command-line ones: `sqlite` (or unset) or `postgres`, which needs the URL.
//!   `scripts/test` runs those suites once more with `postgres` when the URL is set.
//!
//! | variables set | store tests | web and CLI suites | PostgreSQL deployment tests |
//! |---------------|-------------|--------------------|-----------------------------|
//! | none          | SQLite      | SQLite             | skipped (failed under CI)   |
//! | URL           | both        | SQLite             | run                         |
//! | URL, switch   | both        | PostgreSQL         | run                         |

use std::path::Path;

use paperboy_store::{Backend, PostgresStore, SqliteStore};

use crate::postgres::{database_url, PgSchema, TEST_DATABASE_URL};

/// The variable that switches the web and command-line suites to PostgreSQL.
pub const TEST_STORE: &str = "PAPERBOY_TEST_STORE";

/// A kind of store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Postgres,
}

impl StoreKind {
    /// `sqlite` or `postgres`, as [`TEST_STORE`] spells them.
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Sqlite => "sqlite",
            StoreKind::Postgres => "postgres",
        }
    }
}

/// The store a suite that runs on one store runs on, as [`TEST_STORE`] says. Asking for
/// PostgreSQL without a server, or for a store that does not exist, fails the test.
pub fn suite_store() -> StoreKind {
    match std::env::var(TEST_STORE).as_deref() {
        Err(_) | Ok("" | "sqlite") => StoreKind::Sqlite,
        Ok("postgres") => {
            assert!(
                std::env::var(TEST_DATABASE_URL).is_ok_and(|url| !url.is_empty()),
                "{TEST_STORE}=postgres runs the suite on PostgreSQL: set {TEST_DATABASE_URL} to a server \
                 (scripts/test-database prints one)"
            );
            StoreKind::Postgres
        }
        Ok(other) => panic!("{TEST_STORE}={other}: expected sqlite or postgres"),
    }
}

/// The stores a test of every backend runs on: SQLite, then PostgreSQL when there is a server
/// (see [`database_url`]).
pub fn every_store() -> Vec<StoreKind> {
    let mut kinds = vec![StoreKind::Sqlite];
    if database_url().is_some() {
        kinds.push(StoreKind::Postgres);
    }
    kinds
}

/// A test's store, empty at first: a data folder of its own, and for PostgreSQL a migrated
/// schema of its own. The data goes when this value is dropped.
pub struct TestStore {
    kind: StoreKind,
    schema: Option<PgSchema>,
    dir: tempfile::TempDir,
}

impl TestStore {
    /// A fresh store of `kind`. PostgreSQL without a server fails the test: callers ask for it
    /// through [`suite_store`] or [`every_store`], which decided there is one.
    pub fn new(kind: StoreKind) -> TestStore {
        let schema = match kind {
            StoreKind::Sqlite => None,
            StoreKind::Postgres => Some(PgSchema::migrated().expect("a PostgreSQL store needs a test server")),
        };
        TestStore {
            kind,
            schema,
            dir: tempfile::tempdir().expect("a temp data folder"),
        }
    }

    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    /// A handle on the store; each call opens another, as another process would.
    pub fn open(&self) -> Box<dyn Backend> {
        match &self.schema {
            Some(schema) => Box::new(PostgresStore::connect(&schema.url).expect("connecting to the test schema")),
            None => Box::new(SqliteStore::open(self.dir.path()).expect("opening SQLite in the test's data folder")),
        }
    }

    /// The data folder: the SQLite store's, and for either store a place for search indexes.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The URL of the test's schema, for the PostgreSQL store.
    pub fn database_url(&self) -> Option<&str> {
        self.schema.as_ref().map(|schema| schema.url.as_str())
    }
}
