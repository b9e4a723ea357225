//! Semantic search end to end with the real model (all-MiniLM-L6-v2 on ONNX Runtime, made
//! available by scripts/setup): ingest does not wait for embeddings, search says how far behind
//! they are, `index embed` catches up, and then meaning finds papers that words alone rank lower.

use crate::support;

use support::{path_str, shared_data, Paperboy};

#[test]
fn embeddings_catch_up_then_semantic_search_and_similar_use_them() {
    let data = shared_data().expect("../shared/data is needed");
    let pb = Paperboy::new();
    let days = data.join("hf-daily").join("2026-05-0*.json");
    pb.json(&["ingest", "--json", path_str(&days)], 0);
    let papers = pb.json(&["stats", "--json"], 0)["papers"].as_u64().unwrap();
    assert!(papers > 10);

    // Ingest did not embed: semantic search says what is missing rather than pretending.
    let before = pb.json(&["search", "--json", "--mode", "semantic", "video generation"], 0);
    assert_eq!(before["embedding_lag"].as_u64(), Some(papers), "{before}");

    let out = pb.run(&["index", "embed"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("embedded {papers} papers")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A description in other words than the title finds the paper by meaning.
    let found = pb.json(
        &[
            "search",
            "--json",
            "--mode",
            "semantic",
            "one model that creates and edits many kinds of videos using pretrained diffusion",
        ],
        0,
    );
    assert_eq!(found["mode"], "semantic");
    assert_eq!(found["embedding_lag"].as_u64(), Some(0));
    let top: Vec<&str> = found["results"].as_array().unwrap()[..3]
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(top.contains(&"2605.00658"), "UniVidX should be in the top 3: {found}");

    // Loading the model is a detail for --verbose, not a line every search prints.
    let quiet_about_it = |args: &[&str]| {
        // Not the kit's command: it passes --quiet.
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"));
        cmd.arg("--data-dir").arg(pb.data_dir());
        if let Some(url) = pb.database_url() {
            cmd.arg("--database-url").arg(url);
        }
        cmd.args(args).env_remove("RUST_LOG").env_remove("PAPERBOY_CONFIG");
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let plain = quiet_about_it(&["search", "video diffusion"]);
    assert!(!plain.contains("embedding model loaded"), "{plain}");
    // No log line at all at the default level, the model's or the indexes' (a search on an
    // up-to-date data folder has nothing to report).
    assert!(!plain.contains("INFO") && !plain.contains("DEBUG"), "{plain}");
    let verbose = quiet_about_it(&["search", "-v", "video diffusion"]);
    assert!(verbose.contains("embedding model loaded"), "{verbose}");

    let hybrid = pb.json(&["search", "--json", "video diffusion"], 0);
    assert_eq!(hybrid["mode"], "hybrid");
    assert!(!hybrid["results"].as_array().unwrap().is_empty());

    let similar = pb.json(&["similar", "--json", "--limit", "5", "2605.00658"], 0);
    assert_eq!(
        similar["model"], "all-MiniLM-L6-v2-int8@256",
        "int8 by default, named apart from fp32"
    );
    let ids: Vec<&str> = similar["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5);
    assert!(!ids.contains(&"2605.00658"), "a paper is not similar to itself");

    // Running again embeds nothing: the work is stored.
    let again = pb.run(&["index", "embed"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("embedded 0 papers"));
}
