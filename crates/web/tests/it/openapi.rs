//! The API says what it does, checked by Schemathesis (`st`, pinned in the project's venv by
//! `scripts/setup-tests`): from the description a served instance publishes at
//! `/api/openapi.json`, it generates valid and invalid requests, unsupported methods, requests
//! without credentials and chains of calls, and holds every answer to the description with all
//! of its checks (`--checks all`: status codes, content types, headers, response schemas, valid
//! data accepted, invalid data refused, auth not ignored, `Allow` on 405). The description is
//! read from the server, so a route added to it is tested without touching this file.
//!
//! Bounded and repeatable: a few examples per operation, a fixed seed, one worker (Python
//! 3.11's `ast` is not safe from several threads, which Hypothesis uses to describe
//! strategies), and no example database (nothing is written outside a temporary folder).

use std::path::PathBuf;
use std::process::Command;

use crate::community::{account, api_token, community_server, generous};

/// Examples per operation and phase (the coverage phase adds its own, from the schema).
const MAX_EXAMPLES: &str = "5";
const SEED: &str = "20260501";

fn schemathesis() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/venv/bin/st"))
}

#[test]
fn schemathesis_finds_the_api_as_its_description_says() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    assert!(
        schemathesis().exists(),
        "the API description test needs Schemathesis in .cache/venv: run scripts/setup-tests"
    );
    let token = api_token(&server, account(&server, "schema_sam", false));
    let scratch = tempfile::tempdir().unwrap();
    let out = Command::new(schemathesis())
        .current_dir(scratch.path())
        .args(["run", &format!("{}/api/openapi.json", server.base_url)])
        .args(["--checks", "all", "--max-examples", MAX_EXAMPLES, "--seed", SEED])
        .args(["--workers", "1", "--generation-database", "none", "--no-color"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .env("HOME", scratch.path())
        .env("XDG_CACHE_HOME", scratch.path())
        .env("XDG_CONFIG_HOME", scratch.path())
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Schemathesis found the API and openapi.json disagreeing:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // It ran (an error inside Schemathesis is not a pass).
    assert!(report.contains("Tested:"), "{report}");
    assert!(!report.contains("Runtime Error"), "{report}");
}
