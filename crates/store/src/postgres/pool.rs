//! The pool of blocking connections, and what it does while the server is away.
//!
//! Connections are reused. A restart of the server ends every connection, and the client only
//! finds out when it next talks on one; so a connection that sat idle a while is asked whether
//! it still works (a round trip) before it is lent — as HikariCP does, a connection used
//! moments ago is lent as it is. One found dead, or one that fails in use because the server
//! went away, is closed rather than pooled again, and takes the idle ones with it: what ended
//! it (a restart) most likely ended them too, and new ones are opened as needed.
//!
//! While the server does not answer, callers are not made to wait out each other's connection
//! attempts: one caller at a time tries to connect, the others are told
//! [`StoreError::Unavailable`] at once, and the first attempt that succeeds ends the outage for
//! everyone. So requests fail fast while the server is down and succeed again as soon as it is
//! back, without restarting paperboy.

use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::StoreError;

/// Connections one pool keeps open at most, in normal operation. Under more load, callers
/// wait for a free one — up to [`POOL_WAIT`], after which an extra connection is opened rather
/// than risk a deadlock (a caller holding one connection while waiting for another); extras
/// are closed when returned.
const POOL_SIZE: usize = 16;
const POOL_WAIT: Duration = Duration::from_secs(2);

/// A connection the pool can hold.
pub(crate) trait Connection: Send {
    /// Whether the connection still carries queries, asking the server.
    fn is_alive(&mut self) -> bool;
    /// Whether the connection is known to be broken, without asking anyone.
    fn is_closed(&self) -> bool;
}

/// How the pool treats connections and outages.
pub(crate) struct Settings {
    /// A connection idle this long is asked whether it still works before it is lent.
    pub check_idle_after: Duration,
    /// How long one caller's attempt to reach a server that is down may go on before another
    /// caller may try too (an attempt can hang past the connect timeout, in the handshake).
    pub probe_patience: Duration,
}

/// Opens a connection: [`StoreError::Unavailable`] when the server is out of reach (which
/// starts an outage), any other error when it refuses us for good (a wrong password).
pub(crate) type Connect<C> = Box<dyn Fn() -> Result<C, StoreError> + Send + Sync>;

pub(crate) struct Pool<C> {
    connect: Connect<C>,
    settings: Settings,
    state: Mutex<State<C>>,
    /// Signalled when a connection goes back to the pool or a slot frees.
    returned: Condvar,
}

struct State<C> {
    /// Idle connections, and since when each is idle (or must be checked: see `suspect_idle`).
    idle: Vec<(C, Instant)>,
    /// Connections open, idle or in use, and attempts to open one.
    open: usize,
    outage: Option<Outage>,
}

/// The server stopped answering.
struct Outage {
    since: Instant,
    /// The last attempt's failure ([`StoreError::Unavailable`]'s fields), for the callers
    /// refused meanwhile.
    url: String,
    reason: String,
    /// When the attempt under way began, if one is.
    probing_since: Option<Instant>,
}

impl Outage {
    fn refusal(&self) -> StoreError {
        StoreError::Unavailable {
            url: self.url.clone(),
            reason: self.reason.clone(),
        }
    }
}

impl<C: Connection> Pool<C> {
    pub(crate) fn new(connect: Connect<C>, settings: Settings) -> Pool<C> {
        Pool {
            connect,
            settings,
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
                outage: None,
            }),
            returned: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<C>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle connection that still works, a new one while fewer than [`POOL_SIZE`] are open,
    /// or the next one returned (an extra one after [`POOL_WAIT`]). During an outage, with
    /// no idle connection left, only one caller at a time tries the server.
    pub(crate) fn get(&self) -> Result<Pooled<'_, C>, StoreError> {
        let deadline = Instant::now() + POOL_WAIT;
        let mut state = self.lock();
        loop {
            if let Some((mut connection, idle_since)) = state.idle.pop() {
                drop(state);
                if idle_since.elapsed() < self.settings.check_idle_after || connection.is_alive() {
                    return Ok(self.lend(connection));
                }
                drop(connection);
                state = self.lock();
                state.open -= 1;
                state = self.close_idle(state);
                continue;
            }
            let now = Instant::now();
            if let Some(outage) = &mut state.outage {
                if outage
                    .probing_since
                    .is_some_and(|began| now.duration_since(began) < self.settings.probe_patience)
                {
                    return Err(outage.refusal());
                }
                outage.probing_since = Some(now);
                state.open += 1;
                drop(state);
                return self.open_new();
            }
            if state.open < POOL_SIZE || now >= deadline {
                state.open += 1;
                drop(state);
                return self.open_new();
            }
            state = self
                .returned
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Puts a connection opened elsewhere (the first, opened at start-up) in the pool.
    pub(crate) fn adopt(&self, connection: C) {
        self.lock().open += 1;
        self.give_back(connection, false);
    }

    /// Opens a connection for a slot already counted in `open`.
    fn open_new(&self) -> Result<Pooled<'_, C>, StoreError> {
        let opened = (self.connect)();
        let mut state = self.lock();
        match opened {
            Ok(connection) => {
                if let Some(outage) = state.outage.take() {
                    tracing::info!(
                        down_for_ms = outage.since.elapsed().as_millis() as u64,
                        "the database answers again"
                    );
                }
                drop(state);
                Ok(self.lend(connection))
            }
            Err(error) => {
                state.open -= 1;
                if let StoreError::Unavailable { url, reason } = &error {
                    if state.outage.is_none() {
                        tracing::warn!(%error, "the database does not answer; what needs it fails until it is back");
                    }
                    let since = state.outage.as_ref().map_or_else(Instant::now, |outage| outage.since);
                    state.outage = Some(Outage {
                        since,
                        url: url.clone(),
                        reason: reason.clone(),
                        probing_since: None,
                    });
                }
                drop(state);
                self.returned.notify_one();
                Err(error)
            }
        }
    }

    fn lend(&self, connection: C) -> Pooled<'_, C> {
        Pooled {
            pool: self,
            connection: Some(connection),
            broken: false,
        }
    }

    /// Returns a connection; a broken one, or one beyond [`POOL_SIZE`], is closed instead.
    fn give_back(&self, connection: C, broken: bool) {
        let keep = !broken && !connection.is_closed();
        let mut state = self.lock();
        if keep && state.idle.len() < POOL_SIZE {
            state.idle.push((connection, Instant::now()));
        } else {
            state.open -= 1;
            if broken {
                state = self.close_idle(state);
            }
        }
        drop(state);
        self.returned.notify_one();
    }

    /// Closes every idle connection (after the lock is let go: closing writes to each socket).
    fn close_idle<'a>(&'a self, mut state: MutexGuard<'a, State<C>>) -> MutexGuard<'a, State<C>> {
        let idle = std::mem::take(&mut state.idle);
        state.open -= idle.len();
        drop(state);
        drop(idle);
        self.lock()
    }
}

/// A connection lent by the pool, returned when dropped — also when the caller panics, so that
/// the pool's count of open connections stays true.
pub(crate) struct Pooled<'a, C: Connection> {
    pool: &'a Pool<C>,
    connection: Option<C>,
    broken: bool,
}

impl<C: Connection> Pooled<'_, C> {
    /// The connection failed: it is closed, not returned to the pool.
    pub(crate) fn discard(&mut self) {
        self.broken = true;
    }
}

impl<C: Connection> Deref for Pooled<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.connection.as_ref().expect("held until dropped")
    }
}

impl<C: Connection> DerefMut for Pooled<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.connection.as_mut().expect("held until dropped")
    }
}

impl<C: Connection> Drop for Pooled<'_, C> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.pool.give_back(connection, self.broken);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A connection to a pretend server: alive while the server is up and it was opened since
    /// the server's last restart.
    struct Fake {
        server: Arc<FakeServer>,
        generation: usize,
    }

    #[derive(Default)]
    struct FakeServer {
        down: AtomicBool,
        /// Bumped by each restart: connections of an earlier generation are dead.
        generation: AtomicUsize,
        attempts: AtomicUsize,
        checks: AtomicUsize,
        /// While set, connection attempts block (a handshake that hangs).
        hang: Mutex<bool>,
        unhung: Condvar,
    }

    impl Connection for Fake {
        fn is_alive(&mut self) -> bool {
            self.server.checks.fetch_add(1, Ordering::SeqCst);
            !self.server.down.load(Ordering::SeqCst) && self.generation == self.server.generation.load(Ordering::SeqCst)
        }
        fn is_closed(&self) -> bool {
            false
        }
    }

    /// A pool that checks every idle connection before lending it.
    fn pool_of(server: &Arc<FakeServer>) -> Pool<Fake> {
        pool_checking_after(server, Duration::ZERO)
    }

    fn pool_checking_after(server: &Arc<FakeServer>, check_idle_after: Duration) -> Pool<Fake> {
        let server = Arc::clone(server);
        Pool::new(
            Box::new(move || {
                server.attempts.fetch_add(1, Ordering::SeqCst);
                let mut hang = server.hang.lock().unwrap();
                while *hang {
                    hang = server.unhung.wait(hang).unwrap();
                }
                if server.down.load(Ordering::SeqCst) {
                    return Err(StoreError::Unavailable {
                        url: "fake".into(),
                        reason: "connection refused".into(),
                    });
                }
                Ok(Fake {
                    server: Arc::clone(&server),
                    generation: server.generation.load(Ordering::SeqCst),
                })
            }),
            Settings {
                check_idle_after,
                probe_patience: Duration::from_secs(600),
            },
        )
    }

    fn counts(pool: &Pool<Fake>) -> (usize, usize) {
        let state = pool.lock();
        (state.idle.len(), state.open)
    }

    #[test]
    fn connections_a_restart_ended_are_closed_not_lent() {
        let server = Arc::new(FakeServer::default());
        let pool = pool_of(&server);
        let held: Vec<_> = (0..3).map(|_| pool.get().unwrap()).collect();
        drop(held);
        assert_eq!(counts(&pool), (3, 3));

        server.generation.fetch_add(1, Ordering::SeqCst); // a restart
        let mut fresh = pool.get().unwrap();
        assert!(fresh.is_alive(), "a connection of the new generation");
        assert_eq!(
            server.checks.load(Ordering::SeqCst),
            2,
            "one dead one asked, then the fresh one"
        );
        drop(fresh);
        assert_eq!(counts(&pool), (1, 1), "the three dead ones are gone");
    }

    #[test]
    fn a_connection_used_moments_ago_is_lent_without_asking() {
        let server = Arc::new(FakeServer::default());
        let pool = pool_checking_after(&server, Duration::from_secs(600));
        drop(pool.get().unwrap());
        drop(pool.get().unwrap());
        assert_eq!(server.checks.load(Ordering::SeqCst), 0);
        assert_eq!(server.attempts.load(Ordering::SeqCst), 1, "reused");
    }

    #[test]
    fn a_connection_that_failed_is_closed_with_the_idle_ones() {
        let server = Arc::new(FakeServer::default());
        let pool = pool_checking_after(&server, Duration::from_secs(600));
        let (first, mut failed) = (pool.get().unwrap(), pool.get().unwrap());
        drop(first);
        failed.discard();
        drop(failed);
        assert_eq!(counts(&pool), (0, 0));
    }

    #[test]
    fn while_one_caller_tries_a_dead_server_the_others_are_refused_at_once_and_the_outage_ends_when_it_answers() {
        let server = Arc::new(FakeServer::default());
        let pool = Arc::new(pool_of(&server));
        server.down.store(true, Ordering::SeqCst);
        assert!(pool.get().err().expect("down").is_unavailable());
        assert!(pool.lock().outage.is_some());

        // The next attempt hangs (a server that accepts but never answers).
        *server.hang.lock().unwrap() = true;
        let before = server.attempts.load(Ordering::SeqCst);
        let prober = {
            let pool = Arc::clone(&pool);
            std::thread::spawn(move || pool.get().map(|_| ()))
        };
        while server.attempts.load(Ordering::SeqCst) == before {
            std::thread::yield_now();
        }
        for _ in 0..5 {
            let started = Instant::now();
            assert!(pool.get().err().expect("refused").is_unavailable());
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "not made to wait for the attempt"
            );
        }
        assert_eq!(
            server.attempts.load(Ordering::SeqCst),
            before + 1,
            "one attempt at a time"
        );

        server.down.store(false, Ordering::SeqCst);
        *server.hang.lock().unwrap() = false;
        server.unhung.notify_all();
        prober
            .join()
            .unwrap()
            .expect("the attempt succeeds once the server answers");
        assert!(pool.lock().outage.is_none(), "the outage is over");
        assert!(pool.get().is_ok());
    }

    #[test]
    fn an_attempt_that_hangs_past_the_patience_lets_another_caller_try() {
        let server = Arc::new(FakeServer::default());
        let mut pool = pool_of(&server);
        pool.settings.probe_patience = Duration::ZERO;
        server.down.store(true, Ordering::SeqCst);
        assert!(pool.get().is_err());
        pool.lock().outage.as_mut().unwrap().probing_since = Some(Instant::now());
        let before = server.attempts.load(Ordering::SeqCst);
        assert!(pool.get().is_err());
        assert_eq!(
            server.attempts.load(Ordering::SeqCst),
            before + 1,
            "a new attempt, not a refusal"
        );
    }
}
