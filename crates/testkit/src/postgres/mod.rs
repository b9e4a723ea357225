//! A PostgreSQL schema of its own for each test, so that tests run in parallel against one
//! server without seeing each other's rows.
//!
//! The server is the one [`TEST_DATABASE_URL`] names. Without it PostgreSQL tests are skipped
//! with a note, except under CI (`CI` set), which promises a server: there they fail.
//!
//! Each test process migrates one template schema, with the store's own migrations, the first
//! time a test asks for a migrated schema, and gives every test a copy of it
//! ([`PgSchema::migrated`]); the store then finds its schema current and migrates nothing.
//!
//! Schemas are named `paperboy_test_<process>_<n>`, and each test process keeps one connection
//! open whose application name is its `paperboy_test_<process>`. A schema whose process has no
//! such connection any more is a leftover (a process killed before it dropped its schemas, and
//! every process's template): the first process after it that uses the server drops it. The
//! server, not this machine, says which processes live, so processes on several machines (or
//! containers) can share one server.

mod template;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// The variable that names the server for PostgreSQL tests (`.ci/run` sets it, through
/// `scripts/test-database`).
pub const TEST_DATABASE_URL: &str = "PAPERBOY_TEST_DATABASE_URL";

/// What every test schema's name, and every test process's application name, begins with.
const PREFIX: &str = "paperboy_test_";

/// The test server's URL. Unset (or empty), it is `None` and the caller skips its PostgreSQL
/// side, with a note; under CI that is a failure instead, naming the variable.
pub fn database_url() -> Option<String> {
    match std::env::var(TEST_DATABASE_URL) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if in_ci() => panic!(
            "{TEST_DATABASE_URL} is not set, and under CI every PostgreSQL test runs: \
             set it to a server (scripts/test-database prints one)"
        ),
        _ => {
            eprintln!("skipping the PostgreSQL side: {TEST_DATABASE_URL} is not set");
            None
        }
    }
}

/// Whether this is a CI run: `CI` set to anything but empty or `false`, as CI services set it.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false")
}

/// A fresh schema, dropped with everything in it when this value is dropped.
pub struct PgSchema {
    /// Connects with `search_path` set to the schema: hand it to the program under test.
    pub url: String,
    admin_url: String,
    name: String,
}

impl PgSchema {
    /// An empty schema, for what migrates one itself (`paperboy migrate`, a copy's target, a
    /// benchmark). `None`, with a note, without a test server (see [`database_url`]); a set but
    /// unreachable server fails the test: it was asked for.
    pub fn create() -> Option<PgSchema> {
        let server = Server::get()?;
        let name = server.next_name();
        server
            .admin()
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap_or_else(|e| panic!("creating test schema {name}: {}", reason(&e)));
        Some(server.schema(name))
    }

    /// A schema at the latest version: a copy of this process's migrated template. `None` as
    /// for [`PgSchema::create`].
    pub fn migrated() -> Option<PgSchema> {
        let server = Server::get()?;
        let template = server.template();
        let name = server.next_name();
        template::copy(&mut server.admin(), template, &name);
        Some(server.schema(name))
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        // A schema left behind here is a leftover the next process sweeps.
        let dropped = postgres::Client::connect(&self.admin_url, postgres::NoTls)
            .and_then(|mut admin| admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name)));
        if let Err(e) = dropped {
            eprintln!(
                "test schema {} is left for a later run to drop: {}",
                self.name,
                reason(&e)
            );
        }
    }
}

/// This process on the test server.
struct Server {
    admin_url: String,
    /// `paperboy_test_<pid>_<start>`: what this process's schemas' names begin with, and the
    /// application name of `_owner`.
    tag: String,
    /// Open for the life of the process: while it is, this process's schemas are not leftovers.
    _owner: Mutex<postgres::Client>,
    next: AtomicU64,
    template: OnceLock<String>,
}

impl Server {
    /// The server, connected to and swept of leftovers on first use; `None` without one.
    fn get() -> Option<&'static Server> {
        static SERVER: OnceLock<Server> = OnceLock::new();
        let admin_url = database_url()?;
        Some(SERVER.get_or_init(|| Server::start(admin_url)))
    }

    fn start(admin_url: String) -> Server {
        let started = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let tag = format!("{PREFIX}{}_{started:x}", std::process::id());
        let mut config: postgres::Config = admin_url
            .parse()
            .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL}={admin_url}: not a PostgreSQL URL: {e}"));
        let mut owner = config
            .application_name(&tag)
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL}={admin_url}: cannot connect: {e}"));
        sweep(&mut owner);
        Server {
            admin_url,
            tag,
            _owner: Mutex::new(owner),
            next: AtomicU64::new(0),
            template: OnceLock::new(),
        }
    }

    /// A connection for one piece of schema work.
    fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&self.admin_url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL}={}: cannot connect: {e}", self.admin_url))
    }

    fn next_name(&self) -> String {
        format!("{}_{}", self.tag, self.next.fetch_add(1, Ordering::Relaxed))
    }

    /// The migrated template, made on first use.
    fn template(&self) -> &str {
        self.template.get_or_init(|| template::create(self))
    }

    fn schema(&self, name: String) -> PgSchema {
        PgSchema {
            url: schema_url(&self.admin_url, &name),
            admin_url: self.admin_url.clone(),
            name,
        }
    }
}

/// `admin_url` with `search_path` set to `schema`.
fn schema_url(admin_url: &str, schema: &str) -> String {
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    format!("{admin_url}{separator}options=-csearch_path%3D{schema}")
}

/// The server a PostgreSQL URL (`postgres://user@host:port/db?…`) names, for a proxy in front
/// of it ([`crate::TcpProxy`]).
pub fn server_address(url: &str) -> std::net::SocketAddr {
    use std::net::ToSocketAddrs;
    let (_, host_port) = split_authority(url);
    let host_port = if host_port.contains(':') {
        host_port.to_string()
    } else {
        format!("{host_port}:5432")
    };
    host_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut found| found.next())
        .unwrap_or_else(|| panic!("{url}: no server address in it"))
}

/// `url` with its host and port replaced by `address`: the same database, reached through a
/// proxy.
pub fn url_through(url: &str, address: std::net::SocketAddr) -> String {
    let (start, host_port) = split_authority(url);
    format!("{}{address}{}", &url[..start], &url[start + host_port.len()..])
}

/// Where the `host:port` part of a URL begins, and that part.
fn split_authority(url: &str) -> (usize, &str) {
    let scheme_end = url
        .find("://")
        .unwrap_or_else(|| panic!("{url}: expected a postgres://… URL"))
        + 3;
    let authority_end = url[scheme_end..].find(['/', '?']).map_or(url.len(), |i| scheme_end + i);
    let start = url[scheme_end..authority_end]
        .rfind('@')
        .map_or(scheme_end, |at| scheme_end + at + 1);
    (start, &url[start..authority_end])
}

/// A client error with the server's reason, which its own message hides behind "db error".
fn reason(e: &postgres::Error) -> String {
    e.as_db_error().map_or_else(|| e.to_string(), ToString::to_string)
}

/// Drops every test schema whose process has ended (see the module's comment).
fn sweep(client: &mut postgres::Client) {
    let pattern = format!("{}%", PREFIX.replace('_', "\\_"));
    let schemas: Vec<String> = client
        .query(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE $1",
            &[&pattern],
        )
        .unwrap_or_else(|e| panic!("listing test schemas: {}", reason(&e)))
        .iter()
        .map(|row| row.get(0))
        .collect();
    // Read after the schemas: a process that made one of them had its connection open first,
    // so a process that lives is listed here.
    let live: HashSet<String> = client
        .query(
            "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE $1",
            &[&pattern],
        )
        .unwrap_or_else(|e| panic!("listing test processes: {}", reason(&e)))
        .iter()
        .map(|row| row.get(0))
        .collect();
    // A leftover still in use (a server a killed test started) must not hold this one up.
    let _ = client.batch_execute("SET lock_timeout = '5s'");
    for schema in schemas {
        let owner = schema.rsplit_once('_').map_or(schema.as_str(), |(owner, _)| owner);
        if live.contains(owner) {
            continue;
        }
        let quoted = schema.replace('"', "\"\"");
        if let Err(e) = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{quoted}\" CASCADE")) {
            eprintln!("could not drop the leftover test schema {schema}: {}", reason(&e));
        }
    }
}
