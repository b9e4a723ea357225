//! `ingest` reads http(s) URLs like files: format detection and gzip included.

use paperboy_ingest::source::{expand, Source};
use paperboy_ingest::{ingest, IngestOptions, IngestReport};
use paperboy_store::{PaperStore, SqliteStore};
use paperboy_testkit::{shared_data, ReplayServer, Reply};

#[test]
fn an_atom_feed_from_a_url_is_ingested() {
    let Some(data) = shared_data() else { return };
    let feed = std::fs::read(data.join("samples/arxiv-api-atom-2019-08-10-all_science.xml")).unwrap();
    let server = ReplayServer::start(move |path, _| {
        if path.starts_with("/api/query") {
            Reply::ok(feed.clone())
        } else {
            Reply::status(404)
        }
    });
    let url = format!("{}/api/query?search_query=all:science", server.base_url);
    let sources = expand(&url).unwrap();
    assert_eq!(sources, vec![Source::Url(url.clone())]);

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let mut report = IngestReport::default();
    ingest(&store, &sources, IngestOptions::default(), &mut report).unwrap();
    assert_eq!((report.inserted, report.rejected), (10, 0), "{:?}", report.errors);
    assert_eq!(store.stats().unwrap().papers, 10);

    let missing = expand(&format!("{}/nothing", server.base_url)).unwrap();
    let mut report = IngestReport::default();
    ingest(&store, &missing, IngestOptions::default(), &mut report).unwrap();
    assert!(report.errors[0].message.contains("404"), "{:?}", report.errors);
}
