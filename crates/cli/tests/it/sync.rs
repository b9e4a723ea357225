//! `paperboy sync` against a local server serving real listing days as arXiv's RSS and the
//! real Hugging Face daily lists: a day is fetched and stored with its counts, a second run
//! changes nothing, a 503 with Retry-After is waited out, a broken feed leaves the day missing
//! and the store unchanged until a later run fetches it, and missed days are backfilled.

use crate::support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use paperboy_store::{AnnouncedCounts, Backend, DayState, PostgresStore, SqliteStore, SyncDay};
use paperboy_testkit::listing_rss::ListingArchive;
use paperboy_testkit::{ReplayServer, Reply};
use serde_json::Value;
use support::Paperboy;

const CATEGORIES: [&str; 2] = ["cs.AI", "cs.CL"];

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// What the server answers next, per kind of request; `None`: the real thing.
#[derive(Default)]
struct Scenario {
    /// The day the listing feed shows.
    feed_day: Option<NaiveDate>,
    /// The date the feed carries instead of `feed_day`'s (a running server's clock decides
    /// which day is due).
    shown_as: Option<NaiveDate>,
    /// Canned answers that go first, in order.
    canned: Vec<Reply>,
    /// Every request is refused (503, try again at once) while set.
    down: bool,
    /// The real daily list answered for any date, re-dated to it (a running server asks for
    /// today's).
    daily_list_as: Option<NaiveDate>,
}

/// A server for listing feeds (`/rss/…`) and daily lists (`/api/daily_papers?date=…`), built
/// from the shared data.
struct Sources {
    server: ReplayServer,
    scenario: Arc<Mutex<Scenario>>,
    archive: Arc<ListingArchive>,
}

impl Sources {
    fn start() -> Option<Sources> {
        let data = support::shared_data()?;
        let archive = Arc::new(ListingArchive::load(&data, day("2026-01-31")).unwrap());
        let scenario = Arc::new(Mutex::new(Scenario::default()));
        let (feeds, state) = (Arc::clone(&archive), Arc::clone(&scenario));
        let server = ReplayServer::start(move |path, _| {
            let mut state = state.lock().unwrap();
            if state.down {
                return Reply::status(503).header("Retry-After", "0");
            }
            if !state.canned.is_empty() {
                return state.canned.remove(0);
            }
            if let Some(categories) = path.strip_prefix("/rss/") {
                let categories: Vec<&str> = categories.split('+').collect();
                let day = state.feed_day.expect("a feed day is set");
                return Reply::ok(feeds.feed_as(day, state.shown_as.unwrap_or(day), &categories).xml);
            }
            if let Some(query) = path.strip_prefix("/api/query?id_list=") {
                let ids = query.split('&').next().unwrap_or_default();
                let ids: Vec<&str> = ids.split(',').collect();
                return Reply::ok(feeds.atom(&ids));
            }
            if let Some(query) = path.strip_prefix("/oai?") {
                return Reply::ok(oai_page(&data, query));
            }
            if let Some(date) = path.strip_prefix("/api/daily_papers?date=") {
                if let Some(real) = state.daily_list_as {
                    let list = std::fs::read_to_string(data.join(format!("hf-daily/{real}.json"))).unwrap();
                    let redated = list.replace(&format!("\"{real}T"), &format!("\"{date}T"));
                    return Reply::ok(redated).header("Content-Type", "application/json");
                }
                return match std::fs::read(data.join(format!("hf-daily/{date}.json"))) {
                    Ok(body) => Reply::ok(body).header("Content-Type", "application/json"),
                    Err(_) => Reply::status(404),
                };
            }
            Reply::status(404)
        });
        Some(Sources {
            server,
            scenario,
            archive,
        })
    }

    fn show(&self, day: NaiveDate) {
        self.scenario.lock().unwrap().feed_day = Some(day);
    }

    fn down(&self, down: bool) {
        self.scenario.lock().unwrap().down = down;
    }

    fn then(&self, reply: Reply) {
        self.scenario.lock().unwrap().canned.push(reply);
    }

    fn requests(&self) -> usize {
        self.server.requests().len()
    }

    /// What a feed of `category` alone would count on `day`: the oracle for the ledger.
    fn counts(&self, day: NaiveDate, category: &str) -> AnnouncedCounts {
        let mut counts = AnnouncedCounts::default();
        for item in self.archive.feed(day, &[category]).items {
            match item.announce_type {
                "new" => counts.new += 1,
                "cross" => counts.cross += 1,
                "replace" => counts.replace += 1,
                _ => counts.replace_cross += 1,
            }
        }
        counts
    }

    /// A `paperboy sync --json` at `at`, pointed at this server, expecting `code`.
    fn sync(&self, pb: &Paperboy, at: &str, extra: &[&str], code: i32) -> Vec<Value> {
        let config = pb.dir.path().join("sync.toml");
        let settings = format!(
            "[harvest]\nendpoint = \"{}/oai\"\n\n[sources]\ndelay_seconds = 0\n",
            self.server.base_url
        );
        std::fs::write(&config, settings).unwrap();
        let mut args = vec!["sync", "--json", "--at", at];
        args.extend_from_slice(extra);
        let out = pb
            .command(&args)
            .env("PAPERBOY_CONFIG", &config)
            .env("PAPERBOY_ARXIV_LISTING_URL", format!("{}/rss/", self.server.base_url))
            .env("PAPERBOY_ARXIV_API", format!("{}/api/query", self.server.base_url))
            .env("PAPERBOY_ARXIV_CATEGORIES", CATEGORIES.join(","))
            .env("PAPERBOY_HF_API_URL", &self.server.base_url)
            .env_remove("PAPERBOY_SYNC")
            .env_remove("PAPERBOY_HF_DAILY")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(code),
            "paperboy {args:?}\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
    }
}

/// The day OAI-PMH has records for in this test: the real sample's page, then an empty last
/// page; other days have none.
const OAI_DAY: &str = "2026-01-06";

fn oai_sample(data: &std::path::Path) -> String {
    std::fs::read_to_string(data.join("samples/arxiv-oai-pmh-ListRecords-arXivRaw-2016-10-21.xml")).unwrap()
}

fn oai_page(data: &std::path::Path, query: &str) -> String {
    let wrap = |inner: &str| {
        format!(
            "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">\
             <responseDate>2026-01-08T12:00:00Z</responseDate><request verb=\"ListRecords\">x</request>{inner}</OAI-PMH>"
        )
    };
    if query.contains("resumptionToken=") {
        wrap("<ListRecords><resumptionToken cursor=\"1001\" completeListSize=\"1440\"/></ListRecords>")
    } else if query.contains(&format!("from={OAI_DAY}")) {
        oai_sample(data)
    } else {
        wrap("<error code=\"noRecordsMatch\">no records</error>")
    }
}

/// What the sample holds for `category`, counted as an estimate: one version new, more
/// replaced; primary or cross.
fn oai_counts(data: &std::path::Path, category: &str) -> AnnouncedCounts {
    let mut counts = AnnouncedCounts::default();
    for record in oai_sample(data).split("<record>").skip(1) {
        let between = |open: &str, close: &str| {
            let start = record.find(open).unwrap() + open.len();
            record[start..start + record[start..].find(close).unwrap()].to_string()
        };
        let categories = between("<categories>", "</categories>");
        let categories: Vec<&str> = categories.split_whitespace().collect();
        if !categories.contains(&category) {
            continue;
        }
        let new = record.matches("<version version=").count() == 1;
        match (new, categories[0] == category) {
            (true, true) => counts.new += 1,
            (true, false) => counts.cross += 1,
            (false, true) => counts.replace += 1,
            (false, false) => counts.replace_cross += 1,
        }
    }
    counts
}

/// The store the command wrote, opened beside it.
fn open(pb: &Paperboy) -> Box<dyn Backend> {
    match pb.database_url() {
        Some(url) => Box::new(PostgresStore::connect(url).unwrap()),
        None => Box::new(SqliteStore::open(pb.data_dir()).unwrap()),
    }
}

fn ledger(pb: &Paperboy, source: &str) -> BTreeMap<(NaiveDate, String), SyncDay> {
    open(pb)
        .sync_days(day("2026-01-01"), day("2026-02-28"))
        .unwrap()
        .into_iter()
        .filter(|row| row.source == source)
        .map(|row| ((row.day, row.category.clone()), row))
        .collect()
}

fn only(reports: &[Value]) -> &Value {
    assert_eq!(reports.len(), 1, "{reports:?}");
    &reports[0]
}

fn number(report: &Value, key: &str) -> u64 {
    report[key].as_u64().unwrap_or_else(|| panic!("{key} in {report}"))
}

/// Wednesday 7 January 2026, after arXiv's feed for that day was built.
const WEDNESDAY: &str = "2026-01-07T12:00:00Z";

#[test]
fn a_day_is_fetched_with_its_counts_and_a_second_run_changes_nothing() {
    let Some(sources) = Sources::start() else { return };
    let pb = Paperboy::new();
    let wednesday = day("2026-01-07");
    sources.show(wednesday);
    let feed = sources.archive.feed(wednesday, &CATEGORIES);
    assert!(feed.items.len() > 20, "a real day: {} items", feed.items.len());

    let reports = sources.sync(&pb, WEDNESDAY, &["--source", "arxiv"], 0);
    let report = only(&reports);
    let keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = [
        "source",
        "days",
        "fetched",
        "inserted",
        "updated",
        "unchanged",
        "errors",
    ];
    expected.sort_unstable();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected);
    assert_eq!(report["source"], "arxiv");
    assert_eq!(report["days"], serde_json::json!(["2026-01-07"]));
    assert_eq!(number(report, "fetched"), feed.items.len() as u64);
    assert_eq!(number(report, "inserted"), feed.items.len() as u64);
    assert_eq!(report["errors"], serde_json::json!([]));

    let held = ledger(&pb, "arxiv");
    for category in CATEGORIES {
        let row = &held[&(wednesday, category.to_string())];
        assert_eq!(row.state, DayState::Complete, "{category}");
        assert_eq!(row.counts, sources.counts(wednesday, category), "{category}");
        assert!(row.fetched_at.is_some());
    }
    let new_and_cross = feed
        .items
        .iter()
        .filter(|i| matches!(i.announce_type, "new" | "cross"))
        .count() as u64;
    let store = open(&pb);
    let announced = store
        .announced_on(
            wednesday,
            None,
            paperboy_store::Page {
                offset: 0,
                limit: 10_000,
            },
        )
        .unwrap();
    assert_eq!(
        announced.len() as u64,
        new_and_cross,
        "new and cross-listed papers are announced that day"
    );

    // Again: nothing is due, nothing is asked for.
    let asked = sources.requests();
    let again = sources.sync(&pb, WEDNESDAY, &["--source", "arxiv"], 0);
    assert_eq!(only(&again)["days"], serde_json::json!([]));
    assert_eq!(sources.requests(), asked, "a held day is not fetched again");
    // Asked for explicitly, the same day changes nothing.
    let forced = sources.sync(&pb, WEDNESDAY, &["--source", "arxiv", "--day", "2026-01-07"], 0);
    let forced = only(&forced);
    assert_eq!(number(forced, "inserted") + number(forced, "updated"), 0, "{forced}");
    assert_eq!(number(forced, "unchanged"), feed.items.len() as u64);
    assert_eq!(ledger(&pb, "arxiv"), held);
}

#[test]
fn a_503_with_retry_after_is_waited_out() {
    let Some(sources) = Sources::start() else { return };
    let pb = Paperboy::new();
    sources.show(day("2026-01-07"));
    sources.then(Reply::status(503).header("Retry-After", "1"));
    let reports = sources.sync(&pb, WEDNESDAY, &["--source", "arxiv"], 0);
    assert!(number(only(&reports), "inserted") > 20);
    let feed_requests = sources
        .server
        .requests()
        .iter()
        .filter(|r| r.starts_with("/rss/"))
        .count();
    assert_eq!(feed_requests, 2, "one refusal, one answer");
}

#[test]
fn a_broken_feed_leaves_the_day_missing_until_a_later_run_fetches_it() {
    let Some(sources) = Sources::start() else { return };
    let pb = Paperboy::new();
    let wednesday = day("2026-01-07");
    sources.show(wednesday);
    let xml = sources.archive.feed(wednesday, &CATEGORIES).xml;
    sources.then(Reply::ok(xml[..xml.len() / 2].to_string()));

    let reports = sources.sync(&pb, WEDNESDAY, &["--source", "arxiv"], 1);
    let report = only(&reports);
    assert_eq!(number(report, "inserted"), 0);
    let errors = report["errors"].as_array().unwrap();
    assert!(errors[0].as_str().unwrap().contains("broken"), "{errors:?}");
    assert_eq!(
        open(&pb).stats().unwrap().papers,
        0,
        "nothing of a broken day is stored"
    );
    for category in CATEGORIES {
        assert_eq!(
            ledger(&pb, "arxiv")[&(wednesday, category.to_string())].state,
            DayState::Missing
        );
    }

    // An empty feed on an announcement day is no better.
    let empty = sources.archive.feed(day("2026-01-06"), &CATEGORIES);
    assert!(
        empty.items.is_empty(),
        "6 January repeats the 5th: arXiv announced nothing new"
    );
    let mut xml = empty.xml.clone();
    xml = xml.replace("Tue, 06 Jan 2026", "Wed, 07 Jan 2026");
    sources.then(Reply::ok(xml));
    let reports = sources.sync(&pb, WEDNESDAY, &["--source", "arxiv"], 1);
    assert!(only(&reports)["errors"][0].as_str().unwrap().contains("no items"));
    assert_eq!(open(&pb).stats().unwrap().papers, 0);

    // The next run finds the whole feed.
    let reports = sources.sync(&pb, WEDNESDAY, &["--source", "arxiv"], 0);
    assert!(number(only(&reports), "inserted") > 20);
    for category in CATEGORIES {
        let row = &ledger(&pb, "arxiv")[&(wednesday, category.to_string())];
        assert_eq!(row.state, DayState::Complete);
        assert_eq!(row.counts, sources.counts(wednesday, category));
    }
}

#[test]
fn an_outage_of_several_days_is_backfilled_from_the_daily_lists() {
    let Some(sources) = Sources::start() else { return };
    let pb = Paperboy::new();
    let hf = ["--source", "huggingface"];
    // Monday 5 January: the first run takes today's list.
    let first = sources.sync(&pb, "2026-01-05T20:00:00Z", &hf, 0);
    assert_eq!(only(&first)["days"], serde_json::json!(["2026-01-05"]));
    assert!(number(only(&first), "inserted") > 0);

    // Tuesday to Thursday the site is down.
    sources.down(true);
    for at in ["2026-01-06T20:00:00Z", "2026-01-08T20:00:00Z"] {
        let report = sources.sync(&pb, at, &hf, 1);
        assert!(!only(&report)["errors"].as_array().unwrap().is_empty());
    }
    let held = ledger(&pb, "huggingface");
    for missed in ["2026-01-06", "2026-01-07", "2026-01-08"] {
        assert_eq!(held[&(day(missed), String::new())].state, DayState::Missing, "{missed}");
    }
    sources.down(false);

    // Back on Monday 12 January: every weekday missed is fetched.
    let back = sources.sync(&pb, "2026-01-12T20:00:00Z", &hf, 0);
    let back = only(&back);
    assert_eq!(
        back["days"],
        serde_json::json!(["2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09", "2026-01-12"])
    );
    assert_eq!(back["errors"], serde_json::json!([]));
    let held = ledger(&pb, "huggingface");
    for missed in ["2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09"] {
        let row = &held[&(day(missed), String::new())];
        assert_eq!(row.state, DayState::Complete, "{missed}");
        let listed =
            std::fs::read_to_string(support::shared_data().unwrap().join(format!("hf-daily/{missed}.json"))).unwrap();
        let entries = serde_json::from_str::<Value>(&listed).unwrap();
        let entries = entries
            .as_array()
            .map_or_else(|| entries["data"].as_array().unwrap().len(), Vec::len);
        assert_eq!(row.counts.new, entries as u64, "{missed}");
        assert!(!open(&pb).daily_list(day(missed)).unwrap().is_empty(), "{missed}");
    }
}

#[test]
fn arxiv_days_the_feed_no_longer_shows_are_estimated_from_oai_pmh_or_stay_missing() {
    let Some(sources) = Sources::start() else { return };
    let pb = Paperboy::new();
    sources.show(day("2026-01-05"));
    sources.sync(&pb, "2026-01-05T12:00:00Z", &["--source", "arxiv"], 0);
    // Down from Tuesday; back on Thursday, when the feed shows Thursday.
    sources.show(day("2026-01-08"));
    let reports = sources.sync(&pb, "2026-01-08T12:00:00Z", &["--source", "arxiv"], 1);
    let report = only(&reports);
    assert_eq!(
        report["days"],
        serde_json::json!(["2026-01-06", "2026-01-07", "2026-01-08"])
    );
    assert!(number(report, "inserted") > 0, "the day shown is stored");
    let errors: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("2026-01-07 is no longer in it, and OAI-PMH") && errors[0].contains("has no records"),
        "{errors:?}"
    );
    let held = ledger(&pb, "arxiv");
    let data = support::shared_data().unwrap();
    for category in CATEGORIES {
        let estimated = &held[&(day(OAI_DAY), category.to_string())];
        assert_eq!(estimated.state, DayState::Estimated, "{category}");
        assert_eq!(estimated.counts, oai_counts(&data, category), "{category}");
        assert_eq!(
            held[&(day("2026-01-07"), category.to_string())].state,
            DayState::Missing
        );
        assert_eq!(
            held[&(day("2026-01-08"), category.to_string())].state,
            DayState::Complete
        );
    }
    let estimated: u64 = CATEGORIES
        .iter()
        .map(|c| oai_counts(&data, c))
        .map(|c| c.new + c.cross)
        .sum();
    let announced = open(&pb)
        .announced_on(day(OAI_DAY), None, paperboy_store::Page { offset: 0, limit: 100 })
        .unwrap();
    assert!(
        !announced.is_empty(),
        "new papers read from OAI-PMH take the day as estimated announcement"
    );
    assert!(
        announced.len() as u64 <= estimated,
        "{} announced of {estimated}",
        announced.len()
    );
}

#[test]
fn usage_errors_exit_2_and_sources_can_be_switched_off() {
    let Some(sources) = Sources::start() else { return };
    let pb = Paperboy::new();
    assert_eq!(pb.run(&["sync", "--day", "yesterday"]).status.code(), Some(2));
    assert_eq!(pb.run(&["sync", "--source", "elsewhere"]).status.code(), Some(2));
    let off = pb
        .command(&["sync", "--json"])
        .env("PAPERBOY_SYNC", "0")
        .env(
            "PAPERBOY_ARXIV_LISTING_URL",
            format!("{}/rss/", sources.server.base_url),
        )
        .output()
        .unwrap();
    assert_eq!(off.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&off.stdout).trim(), "[]");
    assert_eq!(sources.requests(), 0);
}

/// `paperboy serve` with its schedule on, checking every second, fed by `sources`.
fn serve_syncing(pb: &Paperboy, sources: &Sources) -> support::Served {
    serve_syncing_with(pb, sources, &[])
}

/// As [`serve_syncing`], with more environment.
fn serve_syncing_with(pb: &Paperboy, sources: &Sources, env: &[(&str, String)]) -> support::Served {
    let config = pb.data_dir().join("serve.toml");
    std::fs::write(&config, "[search]\nsemantic = false\n\n[sources]\ndelay_seconds = 0\n").unwrap();
    let mut cmd = pb.command(&[
        "--config",
        support::path_str(&config),
        "serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    cmd.env("PAPERBOY_SYNC", "1")
        .env("PAPERBOY_SYNC_CHECK_SECONDS", "1")
        .env(
            "PAPERBOY_ARXIV_LISTING_URL",
            format!("{}/rss/", sources.server.base_url),
        )
        .env("PAPERBOY_ARXIV_CATEGORIES", CATEGORIES.join(","))
        .env("PAPERBOY_ARXIV_API", format!("{}/api/query", sources.server.base_url))
        .env_remove("PAPERBOY_HF_DAILY")
        .env_remove("PAPERBOY_BASE_URL");
    for (name, value) in env {
        cmd.env(name, value);
    }
    support::serve_with(cmd)
}

/// The day a running server finds due now, with the feed set to show `listing_day`'s papers
/// under that date (as arXiv's would). Waits out the moment the next day falls due, so that
/// the server and the test agree on it.
fn show_as_due(sources: &Sources, listing_day: NaiveDate) -> NaiveDate {
    paperboy_testkit::clear_of_midnight();
    let poll_after = paperboy_sync::SyncConfig::default().poll_after;
    let next_due = paperboy_sync::calendar::next_due_at(chrono::Utc::now(), poll_after);
    let until_next = next_due - chrono::Utc::now();
    if until_next < chrono::Duration::minutes(3) {
        std::thread::sleep((until_next + chrono::Duration::seconds(1)).to_std().unwrap_or_default());
    }
    let due = paperboy_sync::calendar::latest_due_day(chrono::Utc::now(), poll_after);
    let mut scenario = sources.scenario.lock().unwrap();
    scenario.feed_day = Some(listing_day);
    scenario.shown_as = Some(due);
    due
}

/// A page's body, read whole.
fn fetch_page(url: &str) -> String {
    ureq::get(url).call().unwrap().body_mut().read_to_string().unwrap()
}

/// Polls `/api/status` until `due` is complete in every followed category and the arXiv
/// source's run has finished (its days are written before its status).
fn wait_until_complete(base_url: &str, due: NaiveDate) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (code, status) = support::call("GET", &format!("{base_url}/api/status"), None);
        assert_eq!(code, 200, "{status}");
        let complete = status["days"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["source"] == "arxiv" && d["day"] == due.to_string() && d["state"] == "complete")
            .count();
        let finished = status["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["source"] == "arxiv" && s["last_success"].is_string());
        if complete == CATEGORIES.len() && finished {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "the day never arrived: {status}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn a_running_server_picks_up_the_due_day_by_itself_and_shows_it() {
    let Some(sources) = Sources::start() else { return };
    let listing_day = day("2026-01-07");
    let due = show_as_due(&sources, listing_day);
    let feed = sources.archive.feed(listing_day, &CATEGORIES);
    let pb = Paperboy::new();
    // An older curated list: the front page showed it until announcements counted there too.
    let curated = support::shared_data().unwrap().join("hf-daily/2026-05-01.json");
    pb.json(&["ingest", "--json", support::path_str(&curated)], 0);
    let served = serve_syncing(&pb, &sources);

    // Within a tick or two the day is on the ledger, complete, with arXiv's counts.
    let status = wait_until_complete(&served.base_url, due);
    let arxiv = status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "arxiv")
        .unwrap();
    assert_eq!(arxiv["enabled"], true);
    assert!(
        arxiv["last_success"].is_string() && arxiv["last_error"].is_null(),
        "{arxiv}"
    );
    for category in CATEGORIES {
        let row = status["days"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["day"] == due.to_string() && d["category"] == category)
            .unwrap();
        let expected = sources.counts(listing_day, category);
        assert_eq!(row["announced"]["new"], expected.new, "{category}: {row}");
        assert_eq!(row["announced"]["cross"], expected.cross, "{category}: {row}");
        assert_eq!(
            row["held"],
            expected.new + expected.cross,
            "{category}: the store holds what was announced as new: {row}"
        );
    }
    // The day's announcements are on its page, and /status says nothing is missing.
    // The first announced paper by id: on the page's first page.
    let new_one = feed
        .items
        .iter()
        .filter(|i| i.announce_type == "new" || i.announce_type == "cross")
        .min_by(|a, b| a.paper.id.cmp(&b.paper.id))
        .unwrap();
    let page = fetch_page(&format!("{}/date/{due}", served.base_url));
    assert!(
        page.contains(&format!("/papers/{}", new_one.paper.id)),
        "{} on /date/{due}",
        new_one.paper.id
    );
    // The front page shows the newest day, which is now this one.
    let front = fetch_page(&format!("{}/", served.base_url));
    assert!(
        front.contains(&format!("/papers/{}", new_one.paper.id)),
        "{} on /",
        new_one.paper.id
    );
    let status_page = fetch_page(&format!("{}/status", served.base_url));
    assert!(status_page.contains("No day is missing"), "{status_page}");
    let metrics = fetch_page(&format!("{}/metrics", served.base_url));
    assert!(
        metrics.contains("paperboy_sync_last_success_timestamp_seconds{source=\"arxiv\"}"),
        "{metrics}"
    );
}

#[test]
fn instances_on_one_database_fetch_a_day_once() {
    let Some(sources) = Sources::start() else { return };
    let Some(a) = Paperboy::on_postgres() else { return };
    let due = show_as_due(&sources, day("2026-01-07"));
    let b = a.another_instance();
    let (served_a, served_b) = (serve_syncing(&a, &sources), serve_syncing(&b, &sources));
    wait_until_complete(&served_a.base_url, due);
    // Both schedules keep looking (a lease decides who fetches, and nothing is due any more):
    // after each has looked twice more, the feed was still asked for once.
    let checks = |served: &support::Served| support::metric(&served.base_url, "paperboy_sync_checks_total");
    let (seen_a, seen_b) = (checks(&served_a), checks(&served_b));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while checks(&served_a) < seen_a + 2 || checks(&served_b) < seen_b + 2 {
        assert!(std::time::Instant::now() < deadline, "the schedules stopped looking");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let feed_requests = sources
        .server
        .requests()
        .iter()
        .filter(|r| r.starts_with("/rss/"))
        .count();
    assert_eq!(feed_requests, 1, "one instance fetched the day, once");
    let runs = |served: &support::Served| support::metric(&served.base_url, "paperboy_sync_runs_total");
    assert_eq!(runs(&served_a) + runs(&served_b), 1, "one run between them");
    // Both show it.
    wait_until_complete(&served_b.base_url, due);
}

#[test]
fn what_the_feed_leaves_out_is_completed_from_the_query_api() {
    let Some(sources) = Sources::start() else { return };
    let pb = Paperboy::new();
    let wednesday = day("2026-01-07");
    sources.show(wednesday);
    let feed = sources.archive.feed(wednesday, &CATEGORIES);
    let with_comment = feed
        .items
        .iter()
        .find(|i| i.paper.comment.as_deref().is_some_and(|c| !c.trim().is_empty()))
        .expect("a paper with a comment on a real day");
    let report = sources.sync(&pb, WEDNESDAY, &["--source", "arxiv"], 0);
    assert_eq!(only(&report)["errors"], serde_json::json!([]), "{report:?}");
    let api_requests = sources
        .server
        .requests()
        .iter()
        .filter(|r| r.starts_with("/api/query?"))
        .count();
    assert_eq!(
        api_requests,
        feed.items.len().div_ceil(100),
        "the day's papers, 100 a request"
    );
    let shown = pb.json(&["show", "--json", &with_comment.paper.id], 0);
    let expected: String = with_comment
        .paper
        .comment
        .as_deref()
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let stored: String = shown["comment"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(stored, expected, "the comment came from the API: {shown}");
}

#[test]
fn a_running_server_also_brings_in_hugging_faces_list_when_asked() {
    let Some(sources) = Sources::start() else { return };
    let due = show_as_due(&sources, day("2026-01-07"));
    sources.scenario.lock().unwrap().daily_list_as = Some(day("2026-05-01"));
    let curated: Value = serde_json::from_str(
        &std::fs::read_to_string(support::shared_data().unwrap().join("hf-daily/2026-05-01.json")).unwrap(),
    )
    .unwrap();
    let pb = Paperboy::new();
    let hf = vec![
        ("PAPERBOY_HF_DAILY", "1".to_string()),
        ("PAPERBOY_HF_API_URL", sources.server.base_url.clone()),
    ];
    let served = serve_syncing_with(&pb, &sources, &hf);
    let status = wait_until_complete(&served.base_url, due);
    // Hugging Face's list for its day (today's listing day) is there too, with its entries.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let listed = loop {
        let (_, status) = support::call("GET", &format!("{}/api/status", served.base_url), None);
        let row = status["days"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["source"] == "huggingface" && d["state"] == "complete")
            .cloned();
        if let Some(row) = row {
            break row;
        }
        assert!(std::time::Instant::now() < deadline, "no daily list arrived: {status}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let list_day = listed["day"].as_str().unwrap().to_string();
    assert_eq!(listed["announced"]["new"], curated.as_array().unwrap().len());
    assert_eq!(listed["held"], curated.as_array().unwrap().len());
    // Its day's page shows the curated list (and, on the announcement day, arXiv's column).
    let top = curated[0]["paper"]["id"].as_str().unwrap();
    let (_, api) = support::call(
        "GET",
        &format!("{}/api/daily_papers?date={list_day}", served.base_url),
        None,
    );
    assert!(api.to_string().contains(top), "{list_day}: {api}");
    let page = fetch_page(&format!("{}/date/{list_day}", served.base_url));
    assert!(page.contains(&format!("/papers/{top}")), "{top} on /date/{list_day}");
    if list_day == due.to_string() {
        let arxiv_new = status["days"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["source"] == "arxiv" && d["held"].as_u64() > Some(0));
        assert!(arxiv_new && page.contains("New on arXiv"), "both columns on {list_day}");
    }
}
