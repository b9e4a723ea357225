//! A PostgreSQL schema of its own for each test, so that tests run in parallel against one
//! server without seeing each other's rows.

use std::sync::atomic::{AtomicU64, Ordering};

/// The variable that names the server for PostgreSQL tests (`.ci/run` sets it); without it
/// those tests are skipped with a message.
pub const TEST_DATABASE_URL: &str = "PAPERBOY_TEST_DATABASE_URL";

/// A fresh schema, dropped with everything in it when this value is dropped.
pub struct PgSchema {
    /// Connects with `search_path` set to the schema: hand it to the program under test.
    pub url: String,
    admin_url: String,
    name: String,
}

impl PgSchema {
    /// Creates a schema when [`TEST_DATABASE_URL`] is set; `None` (with a note on stderr)
    /// otherwise. A set but unreachable server fails the test: it was asked for.
    pub fn create() -> Option<PgSchema> {
        let Ok(admin_url) = std::env::var(TEST_DATABASE_URL) else {
            eprintln!("skipping the PostgreSQL side: {TEST_DATABASE_URL} is not set");
            return None;
        };
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "pbtest_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL}={admin_url}: cannot connect: {e}"));
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap_or_else(|e| panic!("creating test schema {name}: {e}"));
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-csearch_path%3D{name}");
        Some(PgSchema { url, admin_url, name })
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}
