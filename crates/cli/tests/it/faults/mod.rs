//! Faults a running paperboy survives, each made real: the database server restarted under
//! `serve`, the disk full in the middle of an ingest, a search index damaged on disk.

mod damaged_index;
mod disk_full;
mod postgres_restart;

use crate::support::{keyword_only_config, path_str, Paperboy};

/// What `paperboy search --json --mode lexical` answered, without a model to load.
struct KeywordSearch {
    /// The ranked paper ids.
    ids: Vec<String>,
    answer: serde_json::Value,
    /// What the command logged.
    log: String,
}

fn keyword_search(pb: &Paperboy, query: &str) -> KeywordSearch {
    let config = keyword_only_config(pb);
    let args = [
        "--config",
        path_str(&config),
        "search",
        "--json",
        "--mode",
        "lexical",
        query,
    ];
    let out = pb.command(&args).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{log}");
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    KeywordSearch {
        ids: ids(&answer),
        answer,
        log,
    }
}

/// The ids of a search's results, in rank order.
fn ids(answer: &serde_json::Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {answer}"))
        .iter()
        .map(|hit| hit["id"].as_str().unwrap().to_string())
        .collect()
}
