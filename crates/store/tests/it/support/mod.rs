//! The backends every store test runs against (testkit's `every_store`): SQLite always, and
//! PostgreSQL as well when `PAPERBOY_TEST_DATABASE_URL` names a server (each test then gets a
//! migrated schema of its own).

use paperboy_store::Backend;
use paperboy_testkit::{every_store, TestStore};

/// One backend under test and what keeps its data alive.
pub struct TestBackend {
    pub name: &'static str,
    pub store: Box<dyn Backend>,
    // Dropped after `store`: the data goes once no handle uses it.
    data: TestStore,
}

impl TestBackend {
    /// A second, independent handle on the same data: another process, in effect.
    pub fn reopen(&self) -> Box<dyn Backend> {
        self.data.open()
    }

    /// The PostgreSQL URL of this test's schema, when this is the PostgreSQL backend.
    pub fn database_url(&self) -> Option<&str> {
        self.data.database_url()
    }
}

/// SQLite, then PostgreSQL when a test server is configured. Failures name the backend.
pub fn backends() -> Vec<TestBackend> {
    every_store()
        .into_iter()
        .map(|kind| {
            let data = TestStore::new(kind);
            TestBackend {
                name: kind.name(),
                store: data.open(),
                data,
            }
        })
        .collect()
}
