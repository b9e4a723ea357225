//! `paperboy ingest`, `show`, `stats` and `export` on the real data in ../shared/data.

use crate::support;

use std::process::Stdio;

use support::{path_str, shared_data, Paperboy};

#[test]
fn listing_days_and_hf_lists_ingest_idempotently() {
    let Some(data) = shared_data() else { return };
    let pb = Paperboy::new();
    let listings = data.join("arxiv-listings/2026-01-0*.jsonl.gz");
    let hf = data.join("hf-daily/2026-01-0*.json");
    let args = ["ingest", "--json", path_str(&listings), path_str(&hf)];

    let first = pb.json(&args, 0);
    let read = first["read"].as_u64().unwrap();
    assert!(read > 1000, "{first}");
    assert_eq!(first["rejected"], 0, "{first}");
    assert_eq!(first["errors"].as_array().unwrap().len(), 0, "{first}");
    let stored = first["inserted"].as_u64().unwrap();
    assert_eq!(
        read,
        stored + first["updated"].as_u64().unwrap() + first["unchanged"].as_u64().unwrap()
    );

    let second = pb.json(&args, 0);
    assert_eq!(second["read"], first["read"]);
    assert_eq!(
        second["unchanged"], first["read"],
        "re-ingesting changes nothing: {second}"
    );
    assert_eq!(
        (second["inserted"].as_u64(), second["updated"].as_u64()),
        (Some(0), Some(0))
    );

    let stats = pb.json(&["stats", "--json"], 0);
    assert_eq!(stats["papers"].as_u64(), Some(stored));
    assert!(stats["daily_days"].as_u64().unwrap() >= 3, "{stats}");
    assert!(stats["first_day"].as_str().unwrap().starts_with("2026-01-0"), "{stats}");
    assert!(stats.get("last_day").is_some());
}

#[test]
fn show_prints_the_public_json_keys() {
    let Some(data) = shared_data() else { return };
    let pb = Paperboy::new();
    pb.json(
        &[
            "ingest",
            "--json",
            path_str(&data.join("arxiv-listings/2026-01-06.jsonl.gz")),
        ],
        0,
    );
    let doc = pb.json(&["show", "--json", "arXiv:2601.00329v2"], 0);
    assert_eq!(doc["id"], "2601.00329");
    assert!(doc["title"]
        .as_str()
        .unwrap()
        .contains("Sparse Probabilistic Coalition Structure Generation"));
    assert!(
        doc["abstract"].as_str().unwrap().contains(r"\(Y_t\)"),
        "TeX kept as written"
    );
    assert_eq!(doc["authors"][0], "Angshul Majumdar");
    assert_eq!(doc["categories"][0], "cs.GT");
    assert_eq!(doc["announced"], "2026-01-06");
    assert!(doc["daily"].as_array().unwrap().is_empty());
    assert_eq!(doc["upvotes"], 0);
    assert_eq!(doc["links"]["pdf"], "https://arxiv.org/pdf/2601.00329");

    let human = pb.run(&["show", "2601.00329"]);
    assert!(human.status.success());
    assert!(String::from_utf8_lossy(&human.stdout).contains("Angshul Majumdar"));
    let missing = pb.run(&["show", "2601.99999"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no paper 2601.99999"));
    let invalid = pb.run(&["show", "not-an-id"]);
    assert!(String::from_utf8_lossy(&invalid.stderr).contains("is not an arXiv id"));
}

#[test]
fn export_round_trips_through_ingest() {
    let Some(data) = shared_data() else { return };
    let original = Paperboy::new();
    original.json(
        &[
            "ingest",
            "--json",
            path_str(&data.join("arxiv-listings/2026-03-0*.jsonl.gz")),
            path_str(&data.join("hf-daily/2026-03-0*.json")),
            path_str(&data.join("samples/arxiv-oai-pmh-ListRecords-arXivRaw-2016-10-21.xml")),
        ],
        0,
    );
    let export = original.run(&["export"]);
    assert!(export.status.success());
    assert!(export.stdout.len() > 100_000);

    let copy = Paperboy::new();
    let mut child = copy
        .command(&["ingest", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    support::write_input(&mut child, &export.stdout);
    let out = child.wait_with_output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["rejected"], 0, "{report}");

    let again = copy.run(&["export"]);
    assert!(
        again.stdout == export.stdout,
        "export → ingest → export is the identity"
    );
    let counts = |pb: &Paperboy| {
        let mut stats = pb.json(&["stats", "--json"], 0);
        stats.as_object_mut().unwrap().remove("change_seq"); // a history counter, not content
        stats
    };
    assert_eq!(counts(&original), counts(&copy));
}

#[test]
fn oai_pmh_and_atom_samples_ingest() {
    let Some(data) = shared_data() else { return };
    let pb = Paperboy::new();
    let oai = pb.json(
        &[
            "ingest",
            "--json",
            path_str(&data.join("samples/arxiv-oai-pmh-ListRecords-arXivRaw-2016-10-21.xml")),
        ],
        0,
    );
    assert_eq!(oai["inserted"], 387, "{oai}");
    let doc = pb.json(&["show", "--json", "0803.4354"], 0);
    assert_eq!(doc["version"], 6);
    assert_eq!(
        doc["title"],
        "A O(n^8) X O(n^7) Linear Programming Model of the Traveling Salesman Problem"
    );
    let atom = pb.json(
        &[
            "ingest",
            "--json",
            "--format",
            "arxiv-atom",
            path_str(&data.join("samples/arxiv-api-atom-2019-08-10-all_science.xml")),
        ],
        0,
    );
    assert_eq!(atom["inserted"], 10, "{atom}");
}

#[test]
fn export_writes_citations_of_a_day_or_a_search() {
    let Some(data) = shared_data() else { return };
    let pb = Paperboy::new();
    let list = data.join("hf-daily/2026-05-01.json");
    pb.json(&["ingest", "--json", path_str(&list)], 0);
    let listed = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&list).unwrap()).unwrap();
    let listed = listed.as_array().unwrap().len();
    let text = |args: &[&str]| {
        let out = pb.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };

    let bibtex = text(&["export", "--format", "bibtex", "--day", "2026-05-01"]);
    assert_eq!(
        bibtex.matches("archivePrefix = {arXiv}").count(),
        listed,
        "one entry per listed paper"
    );
    assert_eq!(
        bibtex.matches("@misc{arxiv:").count() + bibtex.matches("@article{arxiv:").count(),
        listed
    );
    let ris = text(&["export", "--format", "ris", "--day", "2026-05-01"]);
    assert_eq!(
        ris.matches("\nER  - ").count() + usize::from(ris.starts_with("ER  - ")),
        listed
    );
    let csl: serde_json::Value =
        serde_json::from_str(&text(&["export", "--format", "csl-json", "--day", "2026-05-01"])).unwrap();
    assert_eq!(csl.as_array().unwrap().len(), listed);
    assert!(csl[0]["author"].as_array().is_some_and(|a| !a.is_empty()), "{}", csl[0]);

    // A search: keyword search only (no model to load), at most --limit papers.
    let config = pb.data_dir().join("paperboy.toml");
    std::fs::write(&config, "[search]\nsemantic = false\n").unwrap();
    let found = text(&[
        "--config",
        path_str(&config),
        "export",
        "--format",
        "csl-json",
        "--search",
        "language model",
        "--limit",
        "3",
    ]);
    let found: serde_json::Value = serde_json::from_str(&found).unwrap();
    assert!((1..=3).contains(&found.as_array().unwrap().len()), "{found}");

    let both = pb.run(&["export", "--format", "ris", "--day", "2026-05-01", "--search", "x"]);
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be combined"));
}
