//! `harvest` against a local server replaying real arXiv OAI-PMH responses.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use paperboy_domain::ArxivId;
use paperboy_ingest::harvest::{harvest, HarvestError, HarvestOptions, HarvestRequest};
use paperboy_ingest::IngestReport;
use paperboy_store::{PaperStore, SqliteStore};
use paperboy_testkit::{shared_data, ReplayServer, Reply};

const FIRST_TOKEN: &str = "1403493|1001";

/// Page 1 is the real 387-record ListRecords sample; page 2 is the real GetRecord sample's
/// record, rewrapped as the final ListRecords page (an empty resumption token).
fn recorded_pages() -> Option<(String, String)> {
    let data = shared_data()?;
    let page1 =
        std::fs::read_to_string(data.join("samples/arxiv-oai-pmh-ListRecords-arXivRaw-2016-10-21.xml")).unwrap();
    let get = std::fs::read_to_string(data.join("samples/arxiv-oai-pmh-GetRecord-arXivRaw-2016-10-21.xml")).unwrap();
    let record = &get[get.find("<record>").unwrap()..get.rfind("</record>").unwrap() + "</record>".len()];
    let page2 = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2016-10-21T04:37:00Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request>
<ListRecords>{record}<resumptionToken cursor="1001" completeListSize="1440"></resumptionToken></ListRecords></OAI-PMH>"#
    );
    Some((page1, page2))
}

fn oai_error(code: &str) -> Reply {
    Reply::ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2016-10-21T04:37:00Z</responseDate><request verb="ListRecords">x</request><error code="{code}">replayed {code}</error></OAI-PMH>"#
    ))
}

fn request(server: &ReplayServer) -> HarvestRequest {
    HarvestRequest {
        endpoint: format!("{}/oai2", server.base_url),
        metadata_prefix: "arXivRaw".into(),
        set: Some("cs".into()),
        from: NaiveDate::from_ymd_opt(2016, 10, 20).unwrap(),
        until: None,
    }
}

fn fast() -> HarvestOptions {
    HarvestOptions {
        delay: Duration::ZERO,
        max_retries: 2,
        max_retry_after: Duration::from_secs(2),
        ..HarvestOptions::default()
    }
}

fn is_resume(path: &str) -> bool {
    path.contains("resumptionToken=1403493%7C1001")
}

#[test]
fn harvests_all_pages_and_honours_retry_after() {
    let Some((page1, page2)) = recorded_pages() else { return };
    let server = ReplayServer::start(move |path, n| match n {
        0 => Reply::status(503).header("Retry-After", "1"),
        _ if is_resume(path) => Reply::ok(page2.clone()),
        _ => Reply::ok(page1.clone()),
    });
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let mut report = IngestReport::default();
    let started = std::time::Instant::now();
    let summary = harvest(&store, &request(&server), &fast(), &mut report).unwrap();

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as Retry-After said"
    );
    assert_eq!(summary.pages, 2);
    assert_eq!(summary.complete_list_size, Some(1440));
    assert_eq!(
        (report.read, report.inserted, report.rejected),
        (388, 388, 0),
        "{:?}",
        report.errors
    );
    assert_eq!(store.stats().unwrap().papers, 388);
    assert!(store.paper(&ArxivId::parse("0804.2273").unwrap()).unwrap().is_some());

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[0].contains("verb=ListRecords") && requests[0].contains("metadataPrefix=arXivRaw"));
    assert!(requests[0].contains("set=cs") && requests[0].contains("from=2016-10-20"));
    assert!(is_resume(&requests[2]));
    assert_eq!(
        store.state(&request(&server).state_key()).unwrap(),
        None,
        "a finished harvest leaves no resumption point"
    );
}

#[test]
fn an_interrupted_harvest_resumes_where_it_stopped() {
    let Some((page1, page2)) = recorded_pages() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let healthy = Arc::new(AtomicBool::new(false));
    let server_healthy = Arc::clone(&healthy);
    let server = ReplayServer::start(
        move |path, _| match (is_resume(path), server_healthy.load(Ordering::SeqCst)) {
            (true, true) => Reply::ok(page2.clone()),
            (true, false) => Reply::status(500),
            (false, _) => Reply::ok(page1.clone()),
        },
    );

    let options = HarvestOptions {
        max_retries: 0,
        ..fast()
    };
    let err = harvest(&store, &request(&server), &options, &mut IngestReport::default()).unwrap_err();
    assert!(matches!(err, HarvestError::Http { .. }), "{err}");
    assert!(err.to_string().contains("500"), "{err}");
    assert_eq!(store.stats().unwrap().papers, 387, "page 1 was committed");
    assert_eq!(
        store.state(&request(&server).state_key()).unwrap().as_deref(),
        Some(FIRST_TOKEN)
    );

    healthy.store(true, Ordering::SeqCst);
    let requests_before = server.requests().len();
    let mut report = IngestReport::default();
    let summary = harvest(&store, &request(&server), &fast(), &mut report).unwrap();
    assert!(summary.resumed);
    assert_eq!(summary.pages, 1);
    let requests = server.requests();
    assert_eq!(requests.len(), requests_before + 1, "went straight to the saved token");
    assert!(is_resume(requests.last().unwrap()));
    assert_eq!(store.stats().unwrap().papers, 388);
}

#[test]
fn a_forgotten_token_restarts_the_range_and_nothing_matching_is_fine() {
    let Some((page1, _)) = recorded_pages() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let server = ReplayServer::start(move |path, _| {
        if path.contains("resumptionToken=stale") {
            oai_error("badResumptionToken")
        } else if is_resume(path) {
            oai_error("noRecordsMatch")
        } else {
            Reply::ok(page1.clone())
        }
    });
    store.set_state(&request(&server).state_key(), Some("stale")).unwrap();
    let mut report = IngestReport::default();
    let summary = harvest(&store, &request(&server), &fast(), &mut report).unwrap();
    assert_eq!(
        summary.pages, 3,
        "stale token, the range from its start, then noRecordsMatch"
    );
    assert_eq!(report.inserted, 387);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

#[test]
fn other_oai_errors_are_reported_clearly() {
    let server = ReplayServer::start(|_, _| oai_error("badArgument"));
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let err = harvest(&store, &request(&server), &fast(), &mut IngestReport::default()).unwrap_err();
    assert!(err.to_string().contains("badArgument"), "{err}");
}
