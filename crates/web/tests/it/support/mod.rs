//! Test kit for the web app: a store loaded with real data, served on a loopback port.

pub mod browser;

use std::path::PathBuf;

pub use paperboy_testkit::shared_data;
use std::sync::Arc;

use paperboy_ingest::{ingest, IngestOptions, IngestReport, Source};
use paperboy_store::Backend;
use paperboy_testkit::{suite_store, TestStore};
use paperboy_web::{AppState, PaperFetcher};

/// A running paperboy web server over a store of its own: SQLite in a temp data folder, or
/// with `PAPERBOY_TEST_STORE=postgres` a PostgreSQL schema (the same tests, on the other
/// backend). The server stops when this value is dropped.
pub struct TestServer {
    pub base_url: String,
    /// Dropped after the server has stopped (see `Drop`).
    pub store: Arc<dyn Backend>,
    /// Stops the server: its runtime, and with it the app's handles on the store.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<std::thread::JoinHandle<()>>,
    data: TestStore,
}

/// arXiv's API at `endpoint` as the source of submitted papers (what `serve` uses).
pub fn arxiv_fetcher(endpoint: &str) -> Arc<dyn PaperFetcher> {
    struct Fetcher(paperboy_ingest::ArxivApi);
    impl PaperFetcher for Fetcher {
        fn fetch_into(
            &self,
            id: &paperboy_domain::ArxivId,
            store: &dyn paperboy_store::PaperStore,
        ) -> Result<(), String> {
            self.0.fetch_into(id, store).map_err(|e| e.to_string())
        }
        fn fetch_many_into(
            &self,
            ids: &[paperboy_domain::ArxivId],
            store: &dyn paperboy_store::PaperStore,
        ) -> Result<(), String> {
            self.0.fetch_many_into(ids, store).map_err(|e| e.to_string())
        }
    }
    Arc::new(Fetcher(paperboy_ingest::ArxivApi {
        endpoint: endpoint.to_string(),
    }))
}

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    /// `Content-Disposition`, empty when absent.
    pub disposition: String,
    /// `Allow`, empty when absent.
    pub allow: String,
    pub body: String,
}

impl Reply {
    /// Reads `response` whole.
    pub fn read(mut response: ureq::http::Response<ureq::Body>) -> Reply {
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (content_type, disposition, allow) =
            (header("content-type"), header("content-disposition"), header("allow"));
        let body = response.body_mut().read_to_string().unwrap();
        Reply {
            status,
            content_type,
            disposition,
            allow,
            body,
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl TestServer {
    /// Loads `sources` (paths relative to ../shared/data, or absolute) and starts serving.
    pub fn with_data(sources: &[PathBuf]) -> TestServer {
        TestServer::with_data_and(sources, |state, _| state)
    }

    /// Like `with_data`, with mail set up: account links and subscription mail go to the SMTP
    /// server at `smtp_url` (links point at `http://papers.example.org`).
    pub fn with_data_and_mail(sources: &[PathBuf], smtp_url: &str) -> TestServer {
        TestServer::with_mail_retrying(sources, smtp_url, paperboy_digest::RetryPolicy::default())
    }

    /// Like `with_data_and_mail`, with mail that could not be sent tried again as `retry` says.
    pub fn with_mail_retrying(sources: &[PathBuf], smtp_url: &str, retry: paperboy_digest::RetryPolicy) -> TestServer {
        use paperboy_digest::{MailSettings, Schedule, Secret, SmtpSender};
        let sender = SmtpSender::from_url(smtp_url).unwrap();
        TestServer::with_data_and(sources, move |state, store| {
            state.with_digests(paperboy_web::DigestSite {
                subscribers: store.clone(),
                settings: MailSettings::new("paperboy <noreply@example.org>", "http://papers.example.org").unwrap(),
                secret: Secret::from_bytes([7; 32]),
                sender: Arc::new(sender),
                schedule: Schedule::default(),
                retry,
                schedule_checks: Arc::default(),
            })
        })
    }

    /// Like `with_data`, letting the test adjust the app (community settings, limits, mail).
    pub fn with_data_and(
        sources: &[PathBuf],
        configure: impl FnOnce(AppState, &Arc<dyn Backend>) -> AppState,
    ) -> TestServer {
        TestServer::with_searcher_and(
            sources,
            |dir, _| paperboy_search::Searcher::open(dir).unwrap(),
            configure,
        )
    }

    /// Like `with_data`, with semantic search by the real embedding model (from the project's
    /// `.cache`, put there by `scripts/setup`), every paper embedded before the server starts.
    pub fn with_semantic_data(sources: &[PathBuf]) -> TestServer {
        TestServer::with_searcher_and(
            sources,
            |dir, store| {
                let embedder = paperboy_embed::Embedder::load(&paperboy_embed::EmbedOptions::default())
                    .expect("the embedding model (scripts/setup puts it in .cache)");
                let embedder: Arc<dyn paperboy_search::semantic::TextEmbedder> = Arc::new(embedder);
                let searcher = paperboy_search::Searcher::open_with(dir, Ok(embedder), store).unwrap();
                let stop = std::sync::atomic::AtomicBool::new(false);
                searcher.embed_pending(store, None, &stop, false).unwrap();
                searcher
            },
            |state, _| state,
        )
    }

    /// A server over `sources` with the search engine `open` makes (given the data folder
    /// and the loaded store), adjusted by `configure`.
    pub fn with_searcher_and(
        sources: &[PathBuf],
        open: impl FnOnce(&std::path::Path, &dyn Backend) -> paperboy_search::Searcher,
        configure: impl FnOnce(AppState, &Arc<dyn Backend>) -> AppState,
    ) -> TestServer {
        let data = TestStore::new(suite_store());
        let store: Arc<dyn Backend> = Arc::from(data.open());
        let mut report = IngestReport::default();
        let mut expanded = Vec::new();
        for source in sources {
            expanded.extend(paperboy_ingest::source::expand(source.to_str().unwrap()).unwrap());
        }
        ingest(store.as_ref(), &expanded, IngestOptions::default(), &mut report).unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let _: &[Source] = &expanded;

        let (sender, receiver) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let searcher = Arc::new(open(data.dir(), store.as_ref()));
        searcher.lexical.catch_up(store.as_ref()).unwrap();
        let state = configure(AppState::new(store.clone(), searcher), &store);
        let server = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                sender.send(listener.local_addr().unwrap()).unwrap();
                tokio::select! {
                    served = paperboy_web::serve(listener, state) => served.unwrap(),
                    _ = stopped => {}
                }
            });
            // Waits until every task is dropped, so that the last handle on the store is the
            // test's own, dropped off the runtime: a PostgreSQL client must not be dropped on
            // one of its workers.
            drop(runtime);
        });
        let address = receiver.recv().unwrap();
        TestServer {
            base_url: format!("http://{address}"),
            store,
            stop: Some(stop),
            server: Some(server),
            data,
        }
    }

    /// Whether `needle` appears anywhere in what the store keeps of accounts: the SQLite file
    /// (and its write-ahead log) byte for byte, or PostgreSQL's account and token rows as text.
    pub fn store_holds(&self, needle: &str) -> bool {
        match self.data.database_url() {
            Some(url) => {
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                let row = client
                    .query_one(
                        "SELECT EXISTS (SELECT 1 FROM tokens t WHERE t::text LIKE '%' || $1 || '%')
                             OR EXISTS (SELECT 1 FROM users u WHERE u::text LIKE '%' || $1 || '%')",
                        &[&needle],
                    )
                    .unwrap();
                row.get(0)
            }
            None => ["paperboy.sqlite3", "paperboy.sqlite3-wal"].iter().any(|file| {
                let raw = std::fs::read(self.data.dir().join(file)).unwrap_or_default();
                raw.windows(needle.len()).any(|w| w == needle.as_bytes())
            }),
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[])
    }

    /// `GET path` with these request headers.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let mut request = agent.get(&format!("{}{path}", self.base_url));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Reply::read(request.call().unwrap())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            // A server that panicked has said so in the test's output already. Joined before
            // `store` is dropped, which then closes the store's connections on this thread.
            let _ = server.join();
        }
    }
}

/// A server over three Hugging Face days (30 April, 1 and 4 May 2026) and arXiv's 1 May
/// announcements, with the raw 1 May file; `None` without the shared data.
pub fn server() -> Option<(TestServer, serde_json::Value)> {
    let data = shared_data()?;
    let day = data.join("hf-daily/2026-05-01.json");
    let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&day).unwrap()).unwrap();
    let server = TestServer::with_data(&[
        data.join("hf-daily/2026-04-30.json"),
        day,
        data.join("hf-daily/2026-05-04.json"),
        data.join("arxiv-listings/2026-05-01.jsonl.gz"),
    ]);
    Some((server, raw))
}

/// The day's most upvoted paper according to the raw Hugging Face file.
pub fn top_paper(raw: &serde_json::Value) -> (String, String) {
    let top = raw
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|e| e["paper"]["upvotes"].as_i64().unwrap())
        .unwrap();
    (
        top["paper"]["id"].as_str().unwrap().into(),
        top["paper"]["title"].as_str().unwrap().into(),
    )
}

/// Waits (up to a minute) until the metric `name` satisfies `done`.
pub fn wait_for_metric(server: &TestServer, name: &str, done: impl Fn(i64) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let value = metric(server, name);
        if done(value) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waited in vain for {name}: {value}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The value of the counter or gauge `name` on the server's `/metrics`.
pub fn metric(server: &TestServer, name: &str) -> i64 {
    let metrics = browser::Browser::new(&server.base_url).get("/metrics").body;
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in\n{metrics}"))
        .parse()
        .unwrap()
}
