//! Test kit for the `paperboy` binary: a temp data folder and running commands in it, and
//! `paperboy serve` as a child process.
//!
//! With `PAPERBOY_TEST_STORE=postgres` (and `PAPERBOY_TEST_DATABASE_URL`; testkit's
//! `suite_store` decides), every `Paperboy` keeps its store in a PostgreSQL schema of its own
//! instead of the data folder: the same tests then run against the other backend.

pub use paperboy_testkit::shared_data;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use paperboy_testkit::{suite_store, PgSchema, StoreKind};

/// A data folder of its own, and the binary pointed at it (and at a database, when given).
pub struct Paperboy {
    pub dir: tempfile::TempDir,
    database: Option<Arc<PgSchema>>,
    /// A database URL given as is (`with_database_url`, `another_instance_at`).
    database_url: Option<String>,
}

impl Paperboy {
    /// SQLite in the data folder; PostgreSQL when the suite runs with
    /// `PAPERBOY_TEST_STORE=postgres`.
    pub fn new() -> Paperboy {
        let database = match suite_store() {
            StoreKind::Postgres => Some(Arc::new(
                PgSchema::migrated().expect("the suite runs on PostgreSQL, so there is a server"),
            )),
            StoreKind::Sqlite => None,
        };
        Paperboy {
            dir: tempfile::tempdir().unwrap(),
            database,
            database_url: None,
        }
    }

    /// The embedded store, whatever the suite runs on (for tests that need a data folder).
    pub fn new_embedded() -> Paperboy {
        Paperboy {
            dir: tempfile::tempdir().unwrap(),
            database: None,
            database_url: None,
        }
    }

    /// A data folder of its own, pointed at a database this value does not own.
    pub fn with_database_url(url: &str) -> Paperboy {
        Paperboy {
            dir: tempfile::tempdir().unwrap(),
            database: None,
            database_url: Some(url.to_string()),
        }
    }

    /// A store in a fresh PostgreSQL schema; `None` (test skipped) without a test server, a
    /// failure under CI.
    pub fn on_postgres() -> Option<Paperboy> {
        let schema = PgSchema::migrated()?;
        Some(Paperboy {
            dir: tempfile::tempdir().unwrap(),
            database: Some(Arc::new(schema)),
            database_url: None,
        })
    }

    /// Another instance on the same database, with a data folder (search indexes) of its own.
    pub fn another_instance(&self) -> Paperboy {
        self.instance_reaching(self.database_url.clone())
    }

    /// Another instance on the same database, reaching it at `url` (through a proxy): the
    /// database stays this value's.
    pub fn another_instance_at(&self, url: String) -> Paperboy {
        self.instance_reaching(Some(url))
    }

    fn instance_reaching(&self, database_url: Option<String>) -> Paperboy {
        assert!(
            self.database_url().is_some(),
            "instances share a database, not a data folder"
        );
        Paperboy {
            dir: tempfile::tempdir().unwrap(),
            database: self.database.clone(),
            database_url,
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn database_url(&self) -> Option<&str> {
        self.database_url
            .as_deref()
            .or(self.database.as_ref().map(|schema| schema.url.as_str()))
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_paperboy"));
        cmd.arg("--quiet").arg("--data-dir").arg(self.dir.path());
        if let Some(url) = self.database_url() {
            cmd.arg("--database-url").arg(url);
        }
        cmd.args(args);
        if args.contains(&"serve") {
            // `serve` would fetch arXiv's feeds by itself: a test that wants it says so (a
            // later `env` wins).
            cmd.env("PAPERBOY_SYNC", "0");
        }
        cmd.env_remove("PAPERBOY_DATA_DIR")
            .env_remove("PAPERBOY_CONFIG")
            .env_remove("PAPERBOY_DATABASE_URL")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run paperboy")
    }

    /// Runs a command that prints one JSON object; asserts its exit code.
    pub fn json(&self, args: &[&str], expected_code: i32) -> serde_json::Value {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(expected_code),
            "paperboy {args:?}\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
    }
}

/// True (with a note) when the suite runs on PostgreSQL: for tests of the SQLite file itself.
pub fn skip_on_postgres(test: &str) -> bool {
    let on_postgres = suite_store() == StoreKind::Postgres;
    if on_postgres {
        eprintln!("skipping {test}: it tests the SQLite file itself");
    }
    on_postgres
}

/// Runs `paperboy user create …` with `stdin` (the password) as its input.
pub fn create_user(pb: &Paperboy, args: &[&str], stdin: &str) -> Output {
    let mut child = pb
        .command(&[&["user", "create"], args].concat())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses its arguments exits before it reads the password.
    write_input(&mut child, stdin.as_bytes());
    child.wait_with_output().unwrap()
}

/// Writes `input` to a child's piped stdin and closes it. A child that ended before reading it
/// all closes the pipe; that is no failure of the test's: the child's status and output say why.
pub fn write_input(child: &mut Child, input: &[u8]) {
    let mut stdin = child.stdin.take().expect("stdin is piped");
    match std::io::Write::write_all(&mut stdin, input) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => panic!("stdin: {error}"),
        _ => {}
    }
}

/// `paperboy token create NAME`: a new API token for the user, the only line on stdout.
pub fn token(pb: &Paperboy, name: &str) -> String {
    let out = pb.run(&["token", "create", name, "--label", "tests"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(
        lines[0].len() >= 40
            && lines[0]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    lines[0].to_string()
}

/// Lists `count` stored papers again on yesterday's daily list, so that today's daily digest
/// has something in it.
pub fn relist_yesterday(pb: &Paperboy, count: usize) {
    // The digest that carries them is "today's", taken by the server a little later.
    paperboy_testkit::clear_of_midnight();
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .date_naive()
        .to_string();
    let export = pb.run(&["export"]);
    assert!(export.status.success());
    let relisted: Vec<String> = String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|paper| paper["daily_entries"].as_array().is_some_and(|e| !e.is_empty()))
        .take(count)
        .map(|mut paper| {
            let mut entry = paper["daily_entries"][0].clone();
            entry["day"] = serde_json::json!(yesterday);
            paper["daily_entries"] = serde_json::json!([entry]);
            paper.to_string()
        })
        .collect();
    assert_eq!(relisted.len(), count);
    let file = tempfile::NamedTempFile::with_suffix(".jsonl").unwrap();
    std::fs::write(file.path(), relisted.join("\n") + "\n").unwrap();
    pb.json(&["ingest", "--json", path_str(file.path())], 0);
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// A running `paperboy serve`, killed when dropped.
pub struct Served {
    pub child: Child,
    pub base_url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long a server may take to start listening: loading the model and catching up the
/// keyword index take seconds, more on a loaded machine.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// Starts `cmd` (a `paperboy … serve --listen 127.0.0.1:0`) and waits for its address.
pub fn serve_with(cmd: Command) -> Served {
    start(cmd).unwrap_or_else(|mut ended| panic!("paperboy serve ended before it listened: {:?}", ended.wait()))
}

/// Starts `make(port)` on a free loopback port, for a server that must know its address
/// before it starts (mail links). The port is free when picked but another process can take it
/// before the server binds it; the server then exits, and another port is tried.
pub fn serve_on_free_port(make: impl Fn(u16) -> Command) -> Served {
    for _ in 0..3 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        match start(make(port)) {
            Ok(served) => return served,
            Err(mut ended) => drop(ended.wait()),
        }
    }
    panic!("paperboy serve could not listen on any of three free ports");
}

/// Spawns a server and waits until it listens; the child back when it ended first.
fn start(mut cmd: Command) -> Result<Served, Child> {
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    match wait_for_address(&mut child) {
        Some(address) => Ok(Served {
            child,
            base_url: format!("http://{address}"),
        }),
        None => Err(child),
    }
}

/// The address a starting server prints, or None when it exits first. Its output goes on being
/// read (and dropped) in the background, so that a later line never meets a closed pipe.
fn wait_for_address(child: &mut Child) -> Option<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some((_, address)) = line.split_once("serving on http://") {
                let _ = sender.send(address.trim().to_string());
            }
        }
    });
    match receiver.recv_timeout(START_TIMEOUT) {
        Ok(address) => Some(address),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => None,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            let _ = child.kill();
            panic!("paperboy serve did not listen within {START_TIMEOUT:?}");
        }
    }
}

/// A configuration file in the data folder that turns semantic search off (no model to load),
/// for `--config`.
pub fn keyword_only_config(pb: &Paperboy) -> std::path::PathBuf {
    let config = pb.data_dir().join("paperboy.toml");
    std::fs::write(&config, "[search]\nsemantic = false\n").unwrap();
    config
}

/// `paperboy serve` on a free loopback port, keyword search only (no model to load).
pub fn serve_keyword_only(pb: &Paperboy) -> Served {
    let config = keyword_only_config(pb);
    let mut cmd = pb.command(&["--config", path_str(&config), "serve", "--listen", "127.0.0.1:0"]);
    cmd.env_remove("PAPERBOY_BASE_URL");
    serve_with(cmd)
}

/// A request's status and JSON body; `token` goes in `Authorization: Bearer`.
pub fn call(method: &str, url: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    call_with_body(method, url, token, None)
}

/// As [`call`], with a JSON body for POST.
pub fn call_with_body(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let bearer = token.map(|t| format!("Bearer {t}")).unwrap_or_default();
    let mut response = match (method, body) {
        ("GET", _) => agent.get(url).header("Authorization", &bearer).call(),
        ("DELETE", _) => agent.delete(url).header("Authorization", &bearer).call(),
        ("POST", None) => agent.post(url).header("Authorization", &bearer).send_empty(),
        ("POST", Some(json)) => agent
            .post(url)
            .header("Authorization", &bearer)
            .header("Content-Type", "application/json")
            .send(json.to_string()),
        (other, _) => panic!("no {other} here"),
    }
    .unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {url}: not JSON ({e}): {text}"));
    (status, json)
}

/// A counter or gauge from a server's `/metrics` (0 when absent).
pub fn metric(base_url: &str, name: &str) -> u64 {
    let text = ureq::get(&format!("{base_url}/metrics"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
