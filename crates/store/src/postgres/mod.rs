//! The PostgreSQL store: several paperboy instances on several machines share one database.
//!
//! The schema mirrors the SQLite one table for table (so that `paperboy copy` moves data
//! either way) with PostgreSQL's own types: `timestamptz`, `date`, `boolean`, `jsonb`, `bytea`,
//! and `bigint` for every integer.
//!
//! Connections come from a small pool of blocking clients; callers are on blocking threads
//! already (the store traits are synchronous), never on an async runtime's worker.
//!
//! Derived indexes tail `papers.change_seq` and `embeddings.embed_seq`. With concurrent
//! writers, a sequence number taken early may commit late, and a tailer that already read past
//! it would miss that change for good. So every transaction that assigns one of these numbers
//! first takes a transaction-scoped advisory lock ([`lock_change_feed`]): numbers are handed
//! out in commit order, and a tailer never sees a gap that later fills.

use std::sync::Mutex;

use postgres::{Client, NoTls, Transaction};

use crate::{Backend, StoreError};

mod browse;
mod community;
mod copy;
mod digest;
mod embeddings;
mod lease;
mod migrations;
mod papers;
mod rate_limit;

pub use migrations::LATEST_VERSION;

/// Idle connections kept for reuse; more are opened under load and closed when returned.
const POOL_IDLE: usize = 16;

/// Advisory lock keys (one 64-bit namespace per database; chosen to be unlikely elsewhere).
pub(crate) mod locks {
    /// Held while migrating, so that instances starting together migrate once.
    pub const MIGRATIONS: i64 = 0x7061_7065_7262_6f01;
    /// Held by every transaction that hands out `papers.change_seq` numbers.
    pub const CHANGE_FEED: i64 = 0x7061_7065_7262_6f02;
    /// Held by every transaction that hands out `embeddings.embed_seq` numbers.
    pub const EMBED_FEED: i64 = 0x7061_7065_7262_6f03;
}

/// The PostgreSQL store.
pub struct PostgresStore {
    config: postgres::Config,
    /// The URL without its password, for messages.
    display_url: String,
    idle: Mutex<Vec<Client>>,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, libpq
    /// style parameters allowed) and applies pending migrations.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let store = PostgresStore::connect_without_migrating(url)?;
        store.migrate()?;
        Ok(store)
    }

    /// Connects without touching the schema (for `paperboy migrate --status` and tests).
    pub fn connect_without_migrating(url: &str) -> Result<PostgresStore, StoreError> {
        let display_url = redact_password(url);
        let config: postgres::Config = url.parse().map_err(|e| StoreError::Connect {
            url: display_url.clone(),
            source: Box::new(e),
        })?;
        let store = PostgresStore {
            config,
            display_url,
            idle: Mutex::new(Vec::new()),
        };
        // Fail now, with the server's reason, rather than at the first request.
        let client = store.open_client()?;
        store.release(client);
        Ok(store)
    }

    /// Applies pending migrations; safe when several instances start at once.
    pub fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        self.with_client(|client| migrations::migrate(client, &self.display_url))
    }

    /// The schema version the database is at, and the latest this paperboy knows.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.with_client(migrations::current_version)
    }

    /// The URL, password hidden.
    pub fn url(&self) -> &str {
        &self.display_url
    }

    fn open_client(&self) -> Result<Client, StoreError> {
        self.config.connect(NoTls).map_err(|e| StoreError::Connect {
            url: self.display_url.clone(),
            source: Box::new(e),
        })
    }

    fn release(&self, client: Client) {
        if client.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < POOL_IDLE {
            idle.push(client);
        }
    }

    /// Runs `f` on a pooled connection. A connection that broke is dropped, not reused.
    pub(crate) fn with_client<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut client = match pooled {
            Some(client) => client,
            None => self.open_client()?,
        };
        let result = f(&mut client);
        self.release(client);
        result
    }

    /// Runs `f` in a transaction (READ COMMITTED) that commits when `f` returns `Ok`.
    pub(crate) fn in_transaction<T>(
        &self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let value = f(&mut tx)?;
            tx.commit()?;
            Ok(value)
        })
    }
}

impl Backend for PostgresStore {
    fn location(&self) -> String {
        self.display_url.clone()
    }
}

/// Takes the lock that orders `change_seq` numbers by commit (see the module comment), and
/// returns the next free number. Call once per transaction, then count up from it.
pub(crate) fn lock_change_feed(tx: &mut Transaction<'_>) -> Result<i64, StoreError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&locks::CHANGE_FEED])?;
    let row = tx.query_one("SELECT COALESCE(MAX(change_seq), 0) + 1 FROM papers", &[])?;
    Ok(row.get(0))
}

/// As [`lock_change_feed`], for `embeddings.embed_seq`.
pub(crate) fn lock_embed_feed(tx: &mut Transaction<'_>) -> Result<i64, StoreError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&locks::EMBED_FEED])?;
    let row = tx.query_one("SELECT COALESCE(MAX(embed_seq), 0) + 1 FROM embeddings", &[])?;
    Ok(row.get(0))
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`; also hides a
/// `password=` parameter.
pub fn redact_password(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..].find(['/', '?']).map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                let start = rest_start + colon + 1;
                out.replace_range(start..rest_start + at, "***");
            }
        }
    }
    if let Some(at) = out.find("password=") {
        let start = at + "password=".len();
        let end = out[start..].find(['&', ' ']).map_or(out.len(), |i| start + i);
        out.replace_range(start..end, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_password("postgres://ana:s3cret@db:5432/pb"),
            "postgres://ana:***@db:5432/pb"
        );
        assert_eq!(redact_password("postgres://ana@db/pb"), "postgres://ana@db/pb");
        assert_eq!(
            redact_password("postgres://db/pb?password=x&sslmode=disable"),
            "postgres://db/pb?password=***&sslmode=disable"
        );
        assert_eq!(
            redact_password("host=db password=x user=ana"),
            "host=db password=*** user=ana"
        );
    }
}
