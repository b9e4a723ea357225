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

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use postgres::types::ToSql;
use postgres::{Client, NoTls, Transaction};

use crate::{Backend, StoreError};

mod accounts;
mod authors;
mod copy;
mod digest;
mod embeddings;
mod lease;
mod migrations;
mod outbox;
mod papers;
mod participation;
mod rate_limit;
mod sync;

pub use migrations::LATEST_VERSION;

/// A query's parameters, as the driver takes them.
type Params<'a> = [&'a (dyn ToSql + Sync)];

/// Connections one instance keeps open at most, in normal operation. Under more load, callers
/// wait for a free one — up to [`POOL_WAIT`], after which an extra connection is opened rather
/// than risk a deadlock (a caller holding one connection while waiting for another); extras
/// are closed when returned.
const POOL_SIZE: usize = 16;
const POOL_WAIT: Duration = Duration::from_secs(2);

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
    pool: Mutex<Pool>,
    /// Signalled when a connection goes back to the pool.
    returned: Condvar,
}

#[derive(Default)]
struct Pool {
    idle: Vec<Client>,
    /// Connections open, idle or in use.
    open: usize,
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
            pool: Mutex::default(),
            returned: Condvar::new(),
        };
        // Fail now, with the server's reason, rather than at the first request.
        let client = store.acquire()?;
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

    fn lock_pool(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle connection, a new one while fewer than [`POOL_SIZE`] are open, or the next one
    /// returned (an extra one after [`POOL_WAIT`]).
    fn acquire(&self) -> Result<Client, StoreError> {
        let deadline = Instant::now() + POOL_WAIT;
        let mut pool = self.lock_pool();
        loop {
            if let Some(client) = pool.idle.pop() {
                return Ok(client);
            }
            let now = Instant::now();
            if pool.open < POOL_SIZE || now >= deadline {
                pool.open += 1;
                drop(pool);
                return self.open_client().inspect_err(|_| self.lock_pool().open -= 1);
            }
            pool = self
                .returned
                .wait_timeout(pool, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Returns a connection; a broken one, or one beyond [`POOL_SIZE`], is closed instead.
    fn release(&self, client: Client) {
        let mut pool = self.lock_pool();
        if client.is_closed() || pool.idle.len() >= POOL_SIZE {
            pool.open -= 1;
        } else {
            pool.idle.push(client);
        }
        drop(pool);
        self.returned.notify_one();
    }

    /// Runs `f` on a pooled connection.
    pub(crate) fn with_client<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut borrowed = Borrowed {
            store: self,
            client: Some(self.acquire()?),
        };
        f(borrowed.client.as_mut().expect("held until dropped"))
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

/// A pooled connection, returned when dropped — also when the caller panics, so that the
/// pool's count of open connections stays true.
struct Borrowed<'a> {
    store: &'a PostgresStore,
    client: Option<Client>,
}

impl Drop for Borrowed<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            self.store.release(client);
        }
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
