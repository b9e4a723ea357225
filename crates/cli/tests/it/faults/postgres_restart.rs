//! PostgreSQL restarted under `serve`. While the database is away, requests that need it are
//! answered 503 at once — with `Retry-After`, as a page or as API JSON —; when it is back they
//! succeed again, and writes are stored, without restarting paperboy.
//!
//! The fault is a TCP proxy between `serve` and the test server ([`TcpProxy`]): a cut closes
//! every connection and refuses new ones, as a restart does, at a moment the test chooses, and
//! leaves the server that every other test uses alone. A throwaway PostgreSQL cluster restarted
//! with `pg_ctl` would be as real but slower (seconds to start and stop) and would need a port
//! of its own picked again at each start.

use std::time::{Duration, Instant};

use paperboy_testkit::{server_address, url_through, TcpProxy};

use crate::support::{create_user, path_str, serve_keyword_only, shared_data, token, Paperboy};

/// A generous bound for one request while the database is away, for a loaded machine: the
/// point is seconds, where a client without timeouts waits minutes.
const FAST: Duration = Duration::from_secs(10);

struct Answer {
    status: u16,
    content_type: String,
    retry_after: Option<String>,
    body: String,
    took: Duration,
}

fn fetch(method: &str, url: &str, token: Option<&str>) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let bearer = token.map(|t| format!("Bearer {t}"));
    let started = Instant::now();
    let mut response = match method {
        "GET" => {
            let request = agent.get(url);
            match &bearer {
                Some(bearer) => request.header("Authorization", bearer).call(),
                None => request.call(),
            }
        }
        "POST" => {
            let request = agent.post(url);
            match &bearer {
                Some(bearer) => request.header("Authorization", bearer).send_empty(),
                None => request.send_empty(),
            }
        }
        other => panic!("no {other} here"),
    }
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (content_type, retry_after) = (header("content-type").unwrap_or_default(), header("retry-after"));
    let body = response.body_mut().read_to_string().unwrap();
    Answer {
        status: response.status().as_u16(),
        content_type,
        retry_after,
        body,
        took: started.elapsed(),
    }
}

fn json(answer: &Answer) -> serde_json::Value {
    serde_json::from_str(&answer.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", answer.body))
}

/// Asserts a 503 in the app's format, answered within [`FAST`].
fn assert_unavailable(answer: &Answer, api: bool, what: &str) {
    assert_eq!(answer.status, 503, "{what}: {}", answer.body);
    assert!(answer.took < FAST, "{what} took {:?}", answer.took);
    assert!(
        answer.retry_after.as_deref().is_some_and(|s| s.parse::<u64>().is_ok()),
        "{what}: Retry-After {:?}",
        answer.retry_after
    );
    if api {
        let body = json(answer);
        assert_eq!(body["status"], 503, "{what}: {body}");
        assert!(body["error"].as_str().unwrap().contains("database"), "{what}: {body}");
    } else {
        assert!(
            answer.content_type.starts_with("text/html"),
            "{what}: {}",
            answer.content_type
        );
        assert!(
            answer.body.contains("database is not answering"),
            "{what}: {}",
            answer.body
        );
    }
}

#[test]
fn serve_answers_503_while_postgres_is_away_and_recovers_without_a_restart() {
    let Some(data) = shared_data() else { return };
    let Some(pb) = Paperboy::on_postgres() else { return };
    // Given a day of papers and an account with an API token in the database,
    let day = data.join("hf-daily/2026-05-01.json");
    pb.json(&["ingest", "--json", path_str(&day)], 0);
    let id = ids_in(&day).remove(0);
    create_user(&pb, &["ana", "--email", "ana@example.org"], "correct horse battery");
    let token = token(&pb, "ana");
    // and serve reaching the database through a proxy the test can cut.
    let url = pb.database_url().unwrap().to_string();
    let proxy = TcpProxy::to(server_address(&url));
    let instance = pb.another_instance_at(url_through(&url, proxy.address()));
    let server = serve_keyword_only(&instance);
    let base = server.base_url.clone();
    let (paper_api, paper_page) = (format!("{base}/api/papers/{id}"), format!("{base}/papers/{id}"));
    let (health, upvote) = (format!("{base}/healthz"), format!("{base}/api/papers/{id}/upvote"));
    for url in [&paper_api, &paper_page, &health] {
        assert_eq!(fetch("GET", url, None).status, 200, "{url}");
    }
    let upvotes = json(&fetch("GET", &paper_api, None))["upvotes"].as_i64().unwrap();

    // When the database goes away (a restart closes every connection and refuses new ones),
    proxy.cut();
    // then every request that needs it is refused at once, in its format, again and again.
    let mut slowest = Duration::ZERO;
    for _ in 0..3 {
        for (url, api) in [(&paper_api, true), (&health, true), (&paper_page, false)] {
            let answer = fetch("GET", url, None);
            assert_unavailable(&answer, api, url);
            slowest = slowest.max(answer.took);
        }
        // Signed in: looking the token up needs the database too.
        let answer = fetch("POST", &upvote, Some(&token));
        assert_unavailable(&answer, true, "an upvote");
        slowest = slowest.max(answer.took);
    }
    let mut server = server;
    assert!(server.child.try_wait().unwrap().is_none(), "serve kept running");

    // When the database is back,
    proxy.restore();
    let restored = Instant::now();
    // then requests succeed again, without restarting paperboy,
    let deadline = restored + Duration::from_secs(60);
    while fetch("GET", &paper_api, None).status != 200 {
        assert!(Instant::now() < deadline, "serve never recovered");
        std::thread::sleep(Duration::from_millis(100));
    }
    let recovered_in = restored.elapsed();
    eprintln!(
        "while PostgreSQL was away: slowest answer {slowest:?}; answering again {recovered_in:?} after it was back"
    );
    for url in [&paper_page, &health] {
        assert_eq!(fetch("GET", url, None).status, 200, "{url}");
    }
    // and writes made now are stored.
    let voted = fetch("POST", &upvote, Some(&token));
    assert_eq!(voted.status, 200, "{}", voted.body);
    assert_eq!(json(&voted)["upvotes"], upvotes + 1);
    assert_eq!(
        pb.json(&["show", "--json", &id], 0)["upvotes"],
        upvotes + 1,
        "in the database"
    );

    // The background work survived the outage: a paper ingested now reaches serve's search.
    let next_day = data.join("hf-daily/2026-05-04.json");
    let known = ids_in(&day);
    let new_id = ids_in(&next_day).into_iter().find(|id| !known.contains(id)).unwrap();
    pb.json(&["ingest", "--json", path_str(&next_day)], 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = json(&fetch("GET", &format!("{base}/api/papers/search?q={new_id}"), None));
        if found["results"][0]["id"] == new_id.as_str() {
            break;
        }
        assert!(Instant::now() < deadline, "the index follower stopped: {found}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The paper ids of a Hugging Face daily file, in its order.
fn ids_in(day: &std::path::Path) -> Vec<String> {
    let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(day).unwrap()).unwrap();
    raw.as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["paper"]["id"].as_str().unwrap().to_string())
        .collect()
}
