#![allow(dead_code)] // each test file uses part of it
//! The backends every store test runs against: SQLite always, PostgreSQL as well when
//! `PAPERBOY_TEST_DATABASE_URL` names a server (each test then gets a schema of its own).

use paperboy_store::{Backend, PostgresStore, SqliteStore};
use paperboy_testkit::PgSchema;

/// One backend under test and what keeps its data alive.
pub struct TestBackend {
    pub name: &'static str,
    pub store: Box<dyn Backend>,
    // Dropped after `store`: the schema goes once no handle uses it.
    pg: Option<PgSchema>,
    dir: tempfile::TempDir,
}

impl TestBackend {
    /// A second, independent handle on the same data: another process, in effect.
    pub fn reopen(&self) -> Box<dyn Backend> {
        match &self.pg {
            Some(schema) => Box::new(PostgresStore::connect(&schema.url).expect("reconnecting to PostgreSQL")),
            None => Box::new(SqliteStore::open(self.dir.path()).expect("reopening SQLite")),
        }
    }

    /// The SQLite data folder (empty for PostgreSQL).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The PostgreSQL URL of this test's schema, when this is the PostgreSQL backend.
    pub fn database_url(&self) -> Option<&str> {
        self.pg.as_ref().map(|schema| schema.url.as_str())
    }
}

/// SQLite, then PostgreSQL when a test server is configured. Failures name the backend.
pub fn backends() -> Vec<TestBackend> {
    let sqlite_dir = tempfile::tempdir().unwrap();
    let mut all = vec![TestBackend {
        name: "sqlite",
        store: Box::new(SqliteStore::open(sqlite_dir.path()).unwrap()),
        pg: None,
        dir: sqlite_dir,
    }];
    if let Some(schema) = PgSchema::create() {
        let store = PostgresStore::connect(&schema.url).expect("connecting to the PostgreSQL test server");
        all.push(TestBackend {
            name: "postgres",
            store: Box::new(store),
            pg: Some(schema),
            dir: tempfile::tempdir().unwrap(),
        });
    }
    all
}
