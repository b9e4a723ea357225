//! Digest benchmark: a daily digest for 10,000 subscribers with 3 topics each, over a day of
//! 500 new papers in a corpus of 100,000 (grown from the real listings, see `corpus`).
//! Reports the time to compose every digest (trending, one search per distinct topic, render;
//! SMTP excluded) and the send rate through a local SMTP server.
//!
//! Usage: `bench-digest PAPERBOY_BINARY SHARED_DATA_DIR SMTP_URL [SUBSCRIBERS]`
//! (scripts/bench-digest starts aiosmtpd and passes its URL).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use paperboy_digest::{Digests, MailSettings, Retry, Schedule, Secret, SmtpSender};
use paperboy_search::Searcher;
use paperboy_store::{DigestStore, Frequency, SqliteStore, SubscriberStatus};

mod corpus;

use corpus::{distinct_listing_papers, grow};

const CORPUS: usize = 100_000;
const NEW_PAPERS: usize = 500;
const NEW_DAY: &str = "2026-06-15";
const TOPICS_EACH: usize = 3;
const DISTINCT_TOPICS: usize = 300;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        bail!("usage: bench-digest PAPERBOY_BINARY SHARED_DATA_DIR SMTP_URL [SUBSCRIBERS]");
    }
    let (binary, data, smtp_url) = (PathBuf::from(&args[1]), PathBuf::from(&args[2]), &args[3]);
    let subscribers: usize = args
        .get(4)
        .map_or(Ok(10_000), |n| n.parse())
        .context("SUBSCRIBERS must be a number")?;
    let papers = distinct_listing_papers(&data.join("arxiv-listings"))?;
    let work = tempfile::tempdir()?;
    let all = work.path().join("all.jsonl");
    grow(&papers, CORPUS, &all)?;
    // The last 500 become the day's new papers (the file's name is their announcement day).
    let (old, new) = (
        work.path().join("corpus.jsonl"),
        work.path().join(format!("{NEW_DAY}.jsonl")),
    );
    {
        let mut old_out = BufWriter::new(std::fs::File::create(&old)?);
        let mut new_out = BufWriter::new(std::fs::File::create(&new)?);
        for (i, line) in BufReader::new(std::fs::File::open(&all)?).lines().enumerate() {
            let out = if i >= CORPUS - NEW_PAPERS {
                &mut new_out
            } else {
                &mut old_out
            };
            writeln!(out, "{}", line?)?;
        }
    }
    let store_dir = work.path().join("store");
    let started = Instant::now();
    let status = Command::new(&binary)
        .arg("--quiet")
        .arg("--data-dir")
        .arg(&store_dir)
        .arg("ingest")
        .arg(&old)
        .arg(&new)
        .status()?;
    if !status.success() {
        bail!("ingest failed");
    }
    println!(
        "corpus: {CORPUS} papers ({NEW_PAPERS} announced on {NEW_DAY}) loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let store = SqliteStore::open(&store_dir)?;
    let searcher = Searcher::open(&store_dir)?;
    searcher.lexical.catch_up(&store)?;
    // Topics: three-word queries from real titles, as readers would type them.
    let pool: Vec<String> = papers
        .iter()
        .step_by((papers.len() / DISTINCT_TOPICS).max(1))
        .map(|p| {
            p.title
                .split_whitespace()
                .filter(|w| w.len() > 4)
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|t| !t.is_empty())
        .take(DISTINCT_TOPICS)
        .collect();
    let started = Instant::now();
    for i in 0..subscribers {
        let topics: Vec<String> = (0..TOPICS_EACH)
            .map(|k| pool[(i * 7 + k * 131) % pool.len()].clone())
            .collect();
        store.add_subscriber(
            &format!("reader{i}@example.org"),
            Frequency::Daily,
            &topics,
            SubscriberStatus::Active,
        )?;
    }
    println!(
        "{subscribers} subscribers × {TOPICS_EACH} topics ({} distinct) added in {:.1} s",
        pool.len(),
        started.elapsed().as_secs_f64()
    );

    let settings = MailSettings::new("paperboy <digest@bench.example>", "https://papers.bench.example")?;
    let secret = Secret::from_bytes([1; 32]);
    let digests = Digests {
        papers: &store,
        subscribers: &store,
        searcher: &searcher,
        settings: &settings,
        secret: &secret,
        schedule: Schedule::default(),
    };
    let now: DateTime<Utc> = "2026-06-16T08:00:00Z".parse()?;
    let dry = digests.run(Frequency::Daily, now, None, Retry::default())?;
    println!(
        "compose (dry run): {} digests in {:.2} s ({:.0} per second), {} with nothing to send",
        dry.would_send,
        dry.compose_seconds,
        dry.would_send as f64 / dry.compose_seconds,
        dry.empty
    );
    let sender = SmtpSender::from_url(smtp_url)?;
    let started = Instant::now();
    let report = digests.run(Frequency::Daily, now, Some(&sender), Retry::default())?;
    let total = started.elapsed().as_secs_f64();
    let sending = total - report.compose_seconds;
    println!(
        "send: {} sent, {} deferred, {} bounced; compose {:.2} s + SMTP and ledger {:.1} s = {:.1} s; {:.0} mails per second",
        report.sent,
        report.deferred,
        report.bounced,
        report.compose_seconds,
        sending,
        total,
        report.sent as f64 / sending
    );
    Ok(())
}
