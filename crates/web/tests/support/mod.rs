//! Test kit for the web app: a store loaded with real data, served on a loopback port.

#![allow(dead_code)]

pub mod browser;

use std::path::PathBuf;

pub use paperboy_testkit::shared_data;
use std::sync::Arc;

use paperboy_ingest::{ingest, IngestOptions, IngestReport, Source};
use paperboy_store::SqliteStore;
use paperboy_web::AppState;

/// A running paperboy web server over its own temp data folder.
pub struct TestServer {
    pub base_url: String,
    pub store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
}

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl TestServer {
    /// Loads `sources` (paths relative to ../shared/data, or absolute) and starts serving.
    pub fn with_data(sources: &[PathBuf]) -> TestServer {
        TestServer::with_data_and(sources, |state, _| state)
    }

    /// Like `with_data`, letting the test adjust the app (community settings, limits, mail).
    pub fn with_data_and(
        sources: &[PathBuf],
        configure: impl FnOnce(AppState, &Arc<SqliteStore>) -> AppState,
    ) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
        let mut report = IngestReport::default();
        let mut expanded = Vec::new();
        for source in sources {
            expanded.extend(paperboy_ingest::source::expand(source.to_str().unwrap()).unwrap());
        }
        ingest(store.as_ref(), &expanded, IngestOptions::default(), &mut report).unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let _: &[Source] = &expanded;

        let (sender, receiver) = std::sync::mpsc::channel();
        let searcher = Arc::new(paperboy_search::Searcher::open(dir.path()).unwrap());
        searcher.lexical.catch_up(store.as_ref()).unwrap();
        let state = configure(AppState::new(store.clone(), searcher), &store);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                sender.send(listener.local_addr().unwrap()).unwrap();
                paperboy_web::serve(listener, state).await.unwrap();
            });
        });
        let address = receiver.recv().unwrap();
        TestServer {
            base_url: format!("http://{address}"),
            store,
            _dir: dir,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let mut response = agent.get(&format!("{}{path}", self.base_url)).call().unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = response.body_mut().read_to_string().unwrap();
        Reply {
            status,
            content_type,
            body,
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
