//! Bad input gets a clear error naming the source and record, and never harms what is stored.

use crate::support;

use std::io::Write;

use support::{path_str, shared_data, Paperboy};

/// A store holding one known paper, and its exported state to compare against later.
fn seeded() -> (Paperboy, Vec<u8>) {
    let pb = Paperboy::new();
    let line = r#"{"id": "2601.00001", "categories": ["cs.LG"], "pdf": "https://arxiv.org/pdf/2601.00001", "abs": "https://arxiv.org/abs/2601.00001", "authors": ["Grace Hopper"], "title": "A stored paper", "comment": null, "summary": "Kept safe."}"#;
    let file = pb.data_dir().join("2026-01-05.jsonl");
    std::fs::write(&file, format!("{line}\n")).unwrap();
    pb.json(&["ingest", "--json", path_str(&file)], 0);
    let export = pb.run(&["export"]).stdout;
    (pb, export)
}

fn write(pb: &Paperboy, name: &str, bytes: &[u8]) -> String {
    let path = pb.data_dir().join(name);
    std::fs::File::create(&path).unwrap().write_all(bytes).unwrap();
    path.to_str().unwrap().to_string()
}

fn assert_untouched(pb: &Paperboy, before: &[u8]) {
    assert!(pb.run(&["export"]).stdout == before, "stored data changed");
}

#[test]
fn malformed_hugging_face_dump_is_rejected_clearly() {
    let Some(data) = shared_data() else { return };
    let (pb, before) = seeded();
    let sample = data.join("samples/hf-daily_papers-2025-01-10-malformed.json");
    let report = pb.json(&["ingest", "--json", path_str(&sample)], 1);
    assert_eq!(report["inserted"], 0);
    let errors = report["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    assert!(errors[0]["source"].as_str().unwrap().ends_with("malformed.json"));
    assert!(
        errors[0]["message"].as_str().unwrap().to_lowercase().contains("python"),
        "{}",
        errors[0]
    );
    assert_untouched(&pb, &before);
}

#[test]
fn one_bad_line_rejects_that_line_only() {
    let (pb, _) = seeded();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(br#"{"id": "2601.00002", "categories": ["cs.AI"], "authors": ["A B"], "title": "Good one", "summary": "Fine.", "abs": "x", "pdf": "y", "comment": null}"#);
    bytes.extend_from_slice(b"\n{\"id\": \"2601.00003\", \"title\": \"bad \xff\xfe utf8\", \"summary\": \"x\", \"abs\": \"x\", \"authors\": []}\n");
    bytes.extend_from_slice(
        b"{\"id\": \"not an id\", \"title\": \"x\", \"summary\": \"x\", \"abs\": \"x\", \"authors\": []}\n",
    );
    bytes.extend_from_slice(b"{\"id\": \"2601.00004\", \"title\": \n");
    let file = write(&pb, "2026-01-06.jsonl", &bytes);
    let report = pb.json(&["ingest", "--json", &file], 1);
    assert_eq!(
        (
            report["read"].as_u64(),
            report["inserted"].as_u64(),
            report["rejected"].as_u64()
        ),
        (Some(4), Some(1), Some(3)),
        "{report}"
    );
    let records: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["record"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(records, vec!["line 2", "line 3", "line 4"], "{report}");
    assert!(
        report["errors"][0]["message"].as_str().unwrap().contains("UTF-8"),
        "{report}"
    );
    assert_eq!(pb.json(&["stats", "--json"], 0)["papers"], 2);
}

#[test]
fn truncated_and_garbage_sources_keep_the_store_intact() {
    let Some(data) = shared_data() else { return };
    let (pb, _) = seeded();
    let gz = std::fs::read(data.join("arxiv-listings/2026-01-07.jsonl.gz")).unwrap();
    let truncated_gz = write(&pb, "truncated.jsonl.gz", &gz[..gz.len() / 2]);
    let xml = std::fs::read(data.join("samples/arxiv-oai-pmh-ListRecords-arXivRaw-2016-10-21.xml")).unwrap();
    let truncated_xml = write(&pb, "truncated.xml", &xml[..xml.len() / 2]);
    let garbage = write(&pb, "garbage.bin", &[0u8, 159, 146, 150, 1, 2, 3]);
    let empty = write(&pb, "empty.json", b"");

    for source in [&truncated_gz, &truncated_xml, &garbage, &empty] {
        let report = pb.json(&["ingest", "--json", source], 1);
        let errors = report["errors"].as_array().unwrap();
        assert!(!errors.is_empty(), "{source}: {report}");
        assert!(
            errors
                .iter()
                .all(|e| e["source"].as_str().unwrap().contains(source.as_str())),
            "{report}"
        );
    }
    // What was readable before the cut is stored; the seeded paper is as it was.
    let seeded_now = pb.json(&["show", "--json", "2601.00001"], 0);
    assert_eq!(seeded_now["title"], "A stored paper");
}

#[test]
fn missing_files_and_bad_flags_are_clear() {
    let (pb, before) = seeded();
    let report = pb.json(&["ingest", "--json", "/nonexistent/papers.jsonl"], 1);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/papers.jsonl"),
        "{report}"
    );
    let out = pb.run(&["ingest", "--format", "pdf", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'pdf'"));
    assert_untouched(&pb, &before);
}

#[test]
fn hostile_and_huge_fields_are_stored_as_text_and_capped() {
    let (pb, _) = seeded();
    let huge = "x".repeat(50_000);
    let line = serde_json::json!({
        "id": "2601.00009", "categories": ["cs.CR"], "authors": ["<img src=x onerror=alert(1)>"],
        "title": "<script>alert('t')</script> Title", "summary": huge, "abs": "a", "pdf": "p", "comment": null
    });
    let file = write(&pb, "2026-01-08.jsonl", format!("{line}\n").as_bytes());
    let report = pb.json(&["ingest", "--json", &file], 0);
    assert_eq!(report["inserted"], 1);
    assert!(
        report["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("abstract cut from 50000 to 10000"),
        "{report}"
    );
    let doc = pb.json(&["show", "--json", "2601.00009"], 0);
    assert_eq!(doc["title"], "<script>alert('t')</script> Title");
    assert_eq!(doc["abstract"].as_str().unwrap().len(), 10_000);
}
