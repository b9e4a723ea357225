//! The PostgreSQL store: several paperboy instances on several machines share one database.
//!
//! The schema mirrors the SQLite one table for table (so that `paperboy copy` moves data
//! either way) with PostgreSQL's own types: `timestamptz`, `date`, `boolean`, `jsonb`, `bytea`,
//! and `bigint` for every integer.
//!
//! Connections come from a small pool of blocking clients (`pool`); callers are on blocking
//! threads already (the store traits are synchronous), never on an async runtime's worker.
//! When the server goes away, calls fail fast with [`StoreError::Unavailable`] and succeed
//! again once it is back (see `pool`).
//!
//! Derived indexes tail `papers.change_seq` and `embeddings.embed_seq`. With concurrent
//! writers, a sequence number taken early may commit late, and a tailer that already read past
//! it would miss that change for good. So every transaction that assigns one of these numbers
//! first takes a transaction-scoped advisory lock ([`lock_change_feed`]): numbers are handed
//! out in commit order, and a tailer never sees a gap that later fills.

use std::time::Duration;

use postgres::types::ToSql;
use postgres::{Client, NoTls, Transaction};

use crate::{Backend, StoreError};

mod accounts;
mod authors;
mod copy;
mod digest;
mod embeddings;
mod lease;
mod library;
mod migrations;
mod outbox;
mod papers;
mod participation;
mod pool;
mod rate_limit;
mod search_digest;
mod signals;
mod sync;

pub use migrations::LATEST_VERSION;

/// A query's parameters, as the driver takes them.
type Params<'a> = [&'a (dyn ToSql + Sync)];

/// How long reaching the server may take, unless the URL says (`connect_timeout=`): a server
/// that is down must cost a request seconds, not the minutes the OS would wait.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long data sent may go unacknowledged before the connection is given up, unless the
/// URL says (`tcp_user_timeout=`): a server cut off mid-query fails the query in seconds. It
/// does not limit how long a query may run (the server's machine acknowledges at once).
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(10);
/// A pooled connection idle this long is checked (an empty query) before it is lent: long
/// enough that a busy instance rarely pays the round trip, short enough that a request after
/// a restart seldom meets a connection the restart ended.
const CHECK_IDLE_AFTER: Duration = Duration::from_millis(500);
/// How long that check may take before the connection is given up.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

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
    /// The URL without its password, for messages.
    display_url: String,
    pool: pool::Pool<Client>,
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
        let mut config: postgres::Config = url.parse().map_err(|e| StoreError::Connect {
            url: display_url.clone(),
            source: Box::new(e),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(TCP_USER_TIMEOUT);
        }
        // Fail now, with the server's reason, rather than at the first request.
        let first = config.connect(NoTls).map_err(|e| StoreError::Connect {
            url: display_url.clone(),
            source: Box::new(e),
        })?;
        let connect_url = display_url.clone();
        let connect_timeout = config.get_connect_timeout().copied().unwrap_or(CONNECT_TIMEOUT);
        let pool = pool::Pool::new(
            Box::new(move || {
                config.connect(NoTls).map_err(|e| {
                    unreachable_or(e, &connect_url, |e| StoreError::Connect {
                        url: connect_url.clone(),
                        source: Box::new(e),
                    })
                })
            }),
            pool::Settings {
                check_idle_after: CHECK_IDLE_AFTER,
                // An attempt stuck in the handshake (which the connect timeout does not bound)
                // holds up the others no longer than twice what a connection may take.
                probe_patience: 2 * connect_timeout,
            },
        );
        pool.adopt(first);
        Ok(PostgresStore { display_url, pool })
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

    /// Runs `f` on a pooled connection. A connection that fails because the server went away
    /// is closed, not pooled again, and the failure becomes [`StoreError::Unavailable`].
    pub(crate) fn with_client<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut client = self.pool.get()?;
        match f(&mut client) {
            Err(StoreError::Postgres(e)) => {
                let error = unreachable_or(e, &self.display_url, StoreError::Postgres);
                if error.is_unavailable() {
                    client.discard();
                }
                Err(error)
            }
            done => done,
        }
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

impl pool::Connection for Client {
    fn is_alive(&mut self) -> bool {
        self.is_valid(CHECK_TIMEOUT).is_ok()
    }

    fn is_closed(&self) -> bool {
        Client::is_closed(self)
    }
}

/// [`StoreError::Unavailable`] when `error` means the server is out of reach — the socket
/// failed or closed, or the server says it is shutting down, starting up or out of
/// connections —; otherwise `other(error)`: a bad query or configuration is no outage.
fn unreachable_or(error: postgres::Error, url: &str, other: impl FnOnce(postgres::Error) -> StoreError) -> StoreError {
    let refused_by_server = error.code().is_some_and(|code| {
        let code = code.code();
        code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
    });
    let socket_failed =
        error.as_db_error().is_none() && std::error::Error::source(&error).is_some_and(|s| s.is::<std::io::Error>());
    if error.is_closed() || refused_by_server || socket_failed {
        StoreError::Unavailable {
            url: url.to_string(),
            reason: error
                .as_db_error()
                .map_or_else(|| error.to_string(), |db| db.message().to_string()),
        }
    } else {
        other(error)
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
