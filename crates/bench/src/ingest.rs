//! Ingest benchmark: papers per second and peak memory of `paperboy ingest` on the real data
//! in ../shared/data, and on synthetic corpora grown from it (new ids; same texts) to show that
//! memory stays flat as the input grows.
//!
//! Usage: `bench-ingest PAPERBOY_BINARY SHARED_DATA_DIR` (scripts/bench-ingest does this).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use flate2::read::MultiGzDecoder;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, binary, data] = args.as_slice() else {
        bail!("usage: bench-ingest PAPERBOY_BINARY SHARED_DATA_DIR");
    };
    let (binary, data) = (PathBuf::from(binary), PathBuf::from(data));
    let work = tempfile::tempdir()?;
    println!(
        "{:<52} {:>9} {:>9} {:>11} {:>10}",
        "scenario", "records", "seconds", "records/s", "peak RSS"
    );

    let listings = data.join("arxiv-listings");
    let store = work.path().join("real");
    run(&binary, &store, "listings: 151 gzipped days, empty store", &[&listings])?;
    run(&binary, &store, "listings: same again (all unchanged)", &[&listings])?;

    let lines = read_listing_lines(&listings)?;
    for copies in [2usize, 8] {
        let file = work.path().join(format!("grown-{copies}.jsonl"));
        let count = write_grown_jsonl(&lines, copies, &file)?;
        let label = format!("jsonl: {count} synthetic papers, plain file");
        run(&binary, &work.path().join(format!("grown-{copies}")), &label, &[&file])?;
    }

    let sample = std::fs::read_to_string(data.join("samples/arxiv-oai-pmh-ListRecords-arXivRaw-2016-10-21.xml"))?;
    for copies in [40usize, 160] {
        let file = work.path().join(format!("oai-{copies}.xml"));
        let count = write_grown_oai(&sample, copies, &file)?;
        let label = format!("oai-pmh arXivRaw: {count} records in one response");
        run(&binary, &work.path().join(format!("oai-{copies}")), &label, &[&file])?;
    }
    Ok(())
}

/// Runs one ingest, sampling the child's peak RSS (VmHWM) while it runs.
fn run(binary: &Path, store: &Path, label: &str, sources: &[&Path]) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .arg("--quiet")
        .arg("--data-dir")
        .arg(store)
        .arg("ingest")
        .arg("--json")
        .args(sources)
        .stdout(Stdio::piped())
        .spawn()
        .context("starting paperboy")?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    while child.try_wait()?.is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            peak_kb = peak_kb.max(vm_hwm_kb(&status));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let seconds = started.elapsed().as_secs_f64();
    let output = child.wait_with_output()?;
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).context("paperboy's report")?;
    let read = report["read"].as_u64().unwrap_or(0);
    println!(
        "{label:<52} {read:>9} {seconds:>9.2} {:>11.0} {:>7.0} MB",
        read as f64 / seconds,
        peak_kb as f64 / 1024.0
    );
    Ok(())
}

fn vm_hwm_kb(status: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn read_listing_lines(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let mut lines = Vec::new();
    for file in files {
        for line in BufReader::new(MultiGzDecoder::new(File::open(&file)?)).lines() {
            lines.push(line?);
        }
    }
    Ok(lines)
}

/// Writes `copies` copies of the listing lines, each copy under fresh ids (`YYMM` of the
/// id shifted back by the copy number, so ids stay valid and distinct).
fn write_grown_jsonl(lines: &[String], copies: usize, path: &Path) -> anyhow::Result<usize> {
    let mut out = BufWriter::new(File::create(path)?);
    let mut count = 0;
    for copy in 0..copies {
        for line in lines {
            let mut value: serde_json::Value = serde_json::from_str(line)?;
            let id = value["id"].as_str().unwrap_or_default();
            value["id"] = serde_json::Value::String(shift_id(id, copy));
            serde_json::to_writer(&mut out, &value)?;
            out.write_all(b"\n")?;
            count += 1;
        }
    }
    out.flush()?;
    Ok(count)
}

fn shift_id(id: &str, copy: usize) -> String {
    match id.split_once('.') {
        Some((yymm, number)) if yymm.len() == 4 => {
            let year: usize = yymm[..2].parse().unwrap_or(26);
            format!("{:02}{}.{number}", (year + 100 - copy % 20) % 100, &yymm[2..])
        }
        _ => id.to_string(),
    }
}

/// Repeats the sample's records `copies` times inside one ListRecords response, each record
/// under a fresh new-style id.
fn write_grown_oai(sample: &str, copies: usize, path: &Path) -> anyhow::Result<usize> {
    let start = sample.find("<record>").context("no <record> in sample")?;
    let end = sample.rfind("</record>").context("no </record> in sample")? + "</record>".len();
    let records: Vec<&str> = sample[start..end].split_inclusive("</record>").collect();
    let mut out = BufWriter::new(File::create(path)?);
    out.write_all(&sample.as_bytes()[..start])?;
    let mut count = 0;
    for _ in 0..copies {
        for record in &records {
            let id = format!(
                "{:02}{:02}.{:05}",
                10 + count / 1_200_000,
                1 + (count / 100_000) % 12,
                count % 100_000
            );
            out.write_all(with_id(record, &id).as_bytes())?;
            count += 1;
        }
    }
    out.write_all(&sample.as_bytes()[end..])?;
    out.flush()?;
    Ok(count)
}

/// Replaces the record's id in its OAI header and in its metadata.
fn with_id(record: &str, id: &str) -> String {
    let mut text = record.to_string();
    for (open, close) in [("<identifier>oai:arXiv.org:", "</identifier>"), ("<id>", "</id>")] {
        if let Some(from) = text.find(open).map(|i| i + open.len()) {
            if let Some(to) = text[from..].find(close).map(|i| i + from) {
                text.replace_range(from..to, id);
            }
        }
    }
    text
}
