//! Vote benchmark: N accounts (default 200) vote on ONE paper through the JSON API, from C
//! concurrent clients (default 32), each on its own keep-alive connection. Every account sends
//! `POST /api/papers/{id}/upvote`, `DELETE` it, and `POST` again: 3 requests, and one vote left
//! standing. All writes land on the same paper's counter, the worst case for contention.
//!
//! Reports throughput and latency, then proves the count exact: the API's `upvotes` must equal
//! the imported Hugging Face upvotes + N, and the store's counter must equal its vote rows.
//! Exits 1 when any of that is off (or any request failed).
//!
//! The server is the real router (`paperboy_web::serve`) over a real SQLite store in a temp
//! folder, in this process, on a loopback port; rate limits are lifted so that they do not
//! refuse the clients. Accounts get one precomputed Argon2id hash (hashing 200 passwords would
//! time the hashing, not the votes); API tokens are made as `paperboy token create` makes them.
//!
//! With STORE = `postgres` the store is a fresh schema on the PostgreSQL server named by
//! `PAPERBOY_TEST_DATABASE_URL` (dropped at the end), and rate limits are counted in the
//! database as `serve` counts them there (lifted, but still counted: one more round trip a vote).
//!
//! Usage: `bench-votes SHARED_DATA_DIR [ACCOUNTS] [CLIENTS] [sqlite|postgres]` (scripts/bench-votes).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use paperboy_accounts::{hash_password, new_token, Limits};
use paperboy_domain::ArxivId;
use paperboy_ingest::{ingest, IngestOptions, IngestReport};
use paperboy_search::Searcher;
use paperboy_store::{
    Backend, CreateUserOutcome, NewToken, NewUser, PostgresStore, RateLimitStore, SqliteStore, TokenKind,
};
use paperboy_testkit::PgSchema;
use paperboy_web::{AppState, CommunitySettings};

/// A real Hugging Face daily list: its papers carry imported upvotes.
const DAY_FILE: &str = "hf-daily/2026-05-01.json";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        bail!("usage: bench-votes SHARED_DATA_DIR [ACCOUNTS] [CLIENTS] [sqlite|postgres]");
    }
    let data = PathBuf::from(&args[1]);
    let number = |i: usize, default: usize, what: &str| -> anyhow::Result<usize> {
        let n = args
            .get(i)
            .map_or(Ok(default), |n| n.parse())
            .with_context(|| format!("{what} must be a number"))?;
        if n == 0 {
            bail!("{what} must be at least 1");
        }
        Ok(n)
    };
    let accounts = number(2, 200, "ACCOUNTS")?;
    let clients = number(3, 32, "CLIENTS")?.min(accounts);

    let work = tempfile::tempdir()?;
    // Kept until the end: dropping it drops the schema.
    let mut schema = None;
    let (store, shared_limits): (Arc<dyn Backend>, Option<Arc<dyn RateLimitStore>>) =
        match args.get(4).map(String::as_str) {
            None | Some("sqlite") => (Arc::new(SqliteStore::open(work.path())?), None),
            Some("postgres") => {
                let created = PgSchema::create().context("postgres needs PAPERBOY_TEST_DATABASE_URL")?;
                let store = Arc::new(PostgresStore::connect(&created.url)?);
                schema = Some(created);
                (store.clone(), Some(store))
            }
            Some(other) => bail!("STORE must be sqlite or postgres, not {other:?}"),
        };
    println!("store: {}", store.location());
    let id = load_day(store.as_ref(), &data.join(DAY_FILE))?;
    let imported = store.paper(&id)?.context("the paper just loaded is missing")?.upvotes;

    let started = Instant::now();
    let (user_ids, tokens) = make_accounts(store.as_ref(), accounts)?;
    println!(
        "{accounts} accounts with API tokens created in {:.2} s; voting on {id} ({imported} imported upvotes)",
        started.elapsed().as_secs_f64()
    );

    let searcher = Arc::new(Searcher::open(work.path())?);
    let mut state = AppState::new(store.clone(), searcher).with_community(
        CommunitySettings::default(),
        Limits::all(u32::MAX, Duration::from_secs(60)),
    );
    if let Some(counters) = shared_limits {
        // As `serve` on PostgreSQL: counters that several instances share.
        state = state.with_shared_rate_limits(counters);
    }
    let base_url = serve_in_background(state)?;
    let paper_url = format!("{base_url}/api/papers/{id}");
    let vote_url = format!("{paper_url}/upvote");
    let agent = agent();
    agent.get(&paper_url).call().context("the server does not answer")?;

    let run = vote_concurrently(&vote_url, &tokens, clients);

    let api_upvotes = api_upvotes(&agent, &paper_url)?;
    let counter = store.paper(&id)?.context("the paper is gone")?.upvotes - imported;
    let rows = count_vote_rows(store.as_ref(), &id, &user_ids)?;

    let requests = run.latencies.len();
    let seconds = run.wall.as_secs_f64();
    println!();
    println!(
        "{:>8} {:>8} {:>9} {:>8} {:>11} {:>8} {:>8} {:>8} {:>7}",
        "accounts", "clients", "requests", "wall s", "requests/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    println!(
        "{:>8} {:>8} {:>9} {:>8.2} {:>11.0} {:>8.2} {:>8.2} {:>8.2} {:>7}",
        accounts,
        clients,
        requests,
        seconds,
        requests as f64 / seconds,
        millis(percentile(&run.latencies, 0.50)),
        millis(percentile(&run.latencies, 0.99)),
        millis(percentile(&run.latencies, 1.0)),
        run.errors.len()
    );
    println!();
    let expected = imported + accounts as i64;
    let checks = [
        ("API upvotes (imported + community)", api_upvotes, expected),
        ("store counter (community votes)", counter, accounts as i64),
        ("store vote rows (accounts that voted)", rows, accounts as i64),
    ];
    let mut exact = true;
    for (what, got, want) in checks {
        let verdict = if got == want { "ok" } else { "WRONG" };
        exact &= got == want;
        println!("{what:<40} {got:>8}  expected {want:>8}  {verdict}");
    }
    for error in run.errors.iter().take(10) {
        eprintln!("request failed: {error}");
    }
    drop(schema);
    if !exact || !run.errors.is_empty() {
        bail!(
            "the votes are not exact ({} failed requests of {requests})",
            run.errors.len()
        );
    }
    Ok(())
}

/// Loads the day's list; returns its most upvoted paper.
fn load_day(store: &dyn Backend, file: &Path) -> anyhow::Result<ArxivId> {
    let path = file.to_str().context("the data folder's path is not UTF-8")?;
    let sources = paperboy_ingest::source::expand(path)?;
    let mut report = IngestReport::default();
    ingest(store, &sources, IngestOptions::default(), &mut report)?;
    if !report.errors.is_empty() {
        bail!("{}: {:?}", file.display(), report.errors);
    }
    let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file)?)?;
    let top = raw
        .as_array()
        .and_then(|entries| {
            entries
                .iter()
                .max_by_key(|e| e["paper"]["upvotes"].as_i64().unwrap_or(0))
        })
        .and_then(|e| e["paper"]["id"].as_str())
        .with_context(|| format!("{} lists no paper", file.display()))?;
    Ok(ArxivId::parse(top)?)
}

/// `n` accounts sharing one password hash, each with an API token; returns their ids and
/// tokens.
fn make_accounts(store: &dyn Backend, n: usize) -> anyhow::Result<(Vec<i64>, Vec<String>)> {
    let password_hash = hash_password("bench password, never used")?;
    let (mut user_ids, mut tokens) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let (name, email) = (format!("voter{i}"), format!("voter{i}@bench.example"));
        let created = store.create_user(&NewUser {
            name: &name,
            email: &email,
            password_hash: &password_hash,
            is_admin: false,
            email_verified: true,
        })?;
        let CreateUserOutcome::Created(user_id) = created else {
            bail!("could not create {name}: {created:?}");
        };
        let (token, hash) = new_token();
        store.insert_token(&NewToken {
            hash: &hash,
            user_id,
            kind: TokenKind::Api,
            label: Some("bench"),
            expires_at: None,
        })?;
        user_ids.push(user_id);
        tokens.push(token);
    }
    Ok((user_ids, tokens))
}

/// Serves the app on a loopback port from a runtime on its own thread; returns its base URL.
/// The thread lives until the process ends.
fn serve_in_background(state: AppState) -> anyhow::Result<String> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let bound = sender.clone();
        let served = (|| -> std::io::Result<()> {
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let _ = bound.send(Ok(listener.local_addr()?));
                paperboy_web::serve(listener, state).await
            })
        })();
        if let Err(e) = served {
            let _ = sender.send(Err(e));
        }
    });
    let address = receiver.recv().context("the server thread ended")??;
    Ok(format!("http://{address}"))
}

struct Run {
    wall: Duration,
    latencies: Vec<Duration>,
    errors: Vec<String>,
}

/// `clients` threads take accounts in turn; each account votes, unvotes and votes again.
fn vote_concurrently(vote_url: &str, tokens: &[String], clients: usize) -> Run {
    let next = AtomicUsize::new(0);
    let start = Barrier::new(clients + 1);
    let latencies = Mutex::new(Vec::with_capacity(tokens.len() * 3));
    let errors = Mutex::new(Vec::new());
    let started = std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                let agent = agent();
                let mut mine = Vec::new();
                let mut failed = Vec::new();
                start.wait();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(token) = tokens.get(i) else { break };
                    for (method, up) in [("POST", true), ("DELETE", false), ("POST", true)] {
                        let sent = Instant::now();
                        let outcome = vote(&agent, vote_url, token, up);
                        mine.push(sent.elapsed());
                        if let Err(e) = outcome {
                            failed.push(format!("account {i}, {method}: {e:#}"));
                        }
                    }
                }
                latencies.lock().expect("no client panics").extend(mine);
                errors.lock().expect("no client panics").extend(failed);
            });
        }
        start.wait();
        Instant::now()
    });
    // The scope joined every client before returning.
    let wall = started.elapsed();
    let mut latencies = latencies.into_inner().expect("no client panics");
    latencies.sort();
    Run {
        wall,
        latencies,
        errors: errors.into_inner().expect("no client panics"),
    }
}

/// One vote request; an error unless it answered 200 with the vote in the state asked for and
/// changed (each account's requests alternate, so each one changes something).
fn vote(agent: &ureq::Agent, url: &str, token: &str, up: bool) -> anyhow::Result<()> {
    let bearer = format!("Bearer {token}");
    let mut response = if up {
        agent.post(url).header("Authorization", &bearer).send_empty()?
    } else {
        agent.delete(url).header("Authorization", &bearer).call()?
    };
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string()?;
    if status != 200 {
        bail!("status {status}: {body}");
    }
    let reply: serde_json::Value = serde_json::from_str(&body)?;
    if reply["voted"] != up || reply["changed"] != true {
        bail!("unexpected reply {reply}");
    }
    Ok(())
}

fn api_upvotes(agent: &ureq::Agent, paper_url: &str) -> anyhow::Result<i64> {
    let body = agent.get(paper_url).call()?.body_mut().read_to_string()?;
    let paper: serde_json::Value = serde_json::from_str(&body)?;
    paper["upvotes"]
        .as_i64()
        .with_context(|| format!("no upvotes in {body}"))
}

/// The paper's vote rows among `users` (the store's rows, not its counter).
fn count_vote_rows(store: &dyn Backend, id: &ArxivId, users: &[i64]) -> anyhow::Result<i64> {
    let key = [id.to_string()];
    let mut rows = 0;
    for &user_id in users {
        rows += store.voted(user_id, &key)?.len() as i64;
    }
    Ok(rows)
}

/// Keep-alive connections; HTTP errors are read as replies, not raised.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
