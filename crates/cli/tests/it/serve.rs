//! `paperboy serve` as a process: it serves what is stored, and follows ingests made by other
//! processes into its search index.

use crate::support;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use support::{path_str, serve_with, shared_data, Paperboy, Served};

fn serve(pb: &Paperboy) -> Served {
    serve_with(pb.command(&["serve", "--listen", "127.0.0.1:0"]))
}

fn get_json(url: &str) -> serde_json::Value {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let body = agent.get(url).call().unwrap().body_mut().read_to_string().unwrap();
    serde_json::from_str(&body).unwrap()
}

#[test]
fn a_running_server_picks_up_papers_ingested_by_another_process() {
    let Some(data) = shared_data() else { return };
    let pb = Paperboy::new();
    pb.json(
        &[
            "ingest",
            "--json",
            path_str(&data.join("arxiv-listings/2026-01-07.jsonl.gz")),
        ],
        0,
    );
    let server = serve(&pb);
    assert_eq!(get_json(&format!("{}/healthz", server.base_url))["status"], "ok");

    pb.json(
        &[
            "ingest",
            "--json",
            path_str(&data.join("arxiv-listings/2026-01-08.jsonl.gz")),
        ],
        0,
    );
    let file = std::fs::File::open(data.join("arxiv-listings/2026-01-08.jsonl.gz")).unwrap();
    let mut first_line = String::new();
    BufReader::new(flate2::read::MultiGzDecoder::new(file))
        .read_line(&mut first_line)
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(&first_line).unwrap();
    let id = first["id"].as_str().unwrap();
    // Seconds on a quiet machine; generous for a loaded test machine.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = get_json(&format!("{}/api/papers/search?q={id}", server.base_url));
        if found["results"][0]["id"] == id {
            break;
        }
        assert!(Instant::now() < deadline, "the server's index never caught up: {found}");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(get_json(&format!("{}/api/papers/{id}", server.base_url))["id"], id);
}
