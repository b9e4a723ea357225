//! Long commands say how far they got: plain lines on stderr when it is not a terminal (here a
//! pipe), none with `--quiet`. `--progress-every 0` writes a line at every step, so the test
//! sees several lines without waiting for the clock.

use crate::support;

use support::{path_str, shared_data, Paperboy};

/// Runs paperboy without the kit's `--quiet`; returns stderr's lines.
fn stderr_lines(pb: &Paperboy, args: &[&str]) -> Vec<String> {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_paperboy"));
    cmd.arg("--data-dir").arg(pb.data_dir());
    if let Some(url) = pb.database_url() {
        cmd.arg("--database-url").arg(url);
    }
    cmd.args(args)
        .env_remove("RUST_LOG")
        .env_remove("PAPERBOY_CONFIG")
        .stdin(std::process::Stdio::null());
    let out = cmd.output().expect("run paperboy");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    stderr.lines().map(str::to_string).collect()
}

/// The running counts of lines like "STAGE: 300 so far, …" or "STAGE: 32 of 64 (50%), …".
fn counts(lines: &[String], stage: &str) -> Vec<u64> {
    lines
        .iter()
        .filter_map(|line| line.strip_prefix(&format!("{stage}: ")))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect()
}

#[test]
fn long_commands_print_progress_lines_off_a_terminal_and_none_when_quiet() {
    let data = shared_data().expect("../shared/data is needed");
    let pb = Paperboy::new();
    let days = data.join("arxiv-listings/2026-01-0*.jsonl.gz");
    let lines = stderr_lines(
        &pb,
        &[
            "--progress-every",
            "0",
            "ingest",
            "--batch-size",
            "200",
            path_str(&days),
        ],
    );
    let seen = counts(&lines, "ingesting records");
    assert!(seen.len() >= 5, "a line per batch: {lines:#?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "counts grow: {seen:?}");
    assert!(
        lines.iter().any(|l| l.contains(" so far, ") && l.contains("/s, ")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("ingesting records: done, ")),
        "the end is said: {lines:#?}"
    );

    // A known total: the share done and the time left.
    let lines = stderr_lines(&pb, &["--progress-every", "0", "index", "embed", "--limit", "64"]);
    assert_eq!(counts(&lines, "embedding papers"), [32, 64], "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("embedding papers: 64 of 64 (100%), ") && l.ends_with(" left")),
        "{lines:#?}"
    );

    // --quiet silences progress, whatever the interval.
    let hf = data.join("hf-daily/2026-01-0*.json");
    let lines = stderr_lines(
        &pb,
        &[
            "--quiet",
            "--progress-every",
            "0",
            "ingest",
            "--batch-size",
            "10",
            path_str(&hf),
        ],
    );
    assert!(lines.is_empty(), "{lines:#?}");
}
