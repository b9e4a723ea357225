//! Digest benchmark: a daily digest for 10,000 subscribers with 3 topics each, over a day of
//! 500 new papers in a corpus of 100,000 (grown from the real listings, see `corpus`). Every
//! subscriber has an account with signals (3 upvotes, a followed author, a saved search, a
//! "not interested") and the "For you" section on.
//! Reports the time to compose every digest (trending, one search per distinct topic, each
//! subscriber's For you ranking, render; SMTP excluded) and the send rate through a local SMTP
//! server.
//!
//! Usage: `bench-digest PAPERBOY_BINARY SHARED_DATA_DIR SMTP_URL [SUBSCRIBERS]`
//! (scripts/bench-digest starts aiosmtpd and passes its URL).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use paperboy_digest::{Digests, MailSettings, Retry, Schedule, Secret, SmtpSender};
use paperboy_domain::ArxivId;
use paperboy_search::semantic::TextEmbedder;
use paperboy_search::Searcher;
use paperboy_store::{
    AccountStore, CreateUserOutcome, DigestStore, FollowKind, Frequency, NewSavedSearch, NewUser, ParticipationStore,
    SignalStore, SqliteStore, SubscriberStatus,
};

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
    // Ids of older papers (to upvote) and the new papers' ids and first authors (to follow and
    // dismiss), for the readers' signals.
    let (mut old_ids, mut new_papers) = (Vec::new(), Vec::new());
    {
        let mut old_out = BufWriter::new(std::fs::File::create(&old)?);
        let mut new_out = BufWriter::new(std::fs::File::create(&new)?);
        for (i, line) in BufReader::new(std::fs::File::open(&all)?).lines().enumerate() {
            let line = line?;
            let value: serde_json::Value = serde_json::from_str(&line)?;
            let id = value["id"].as_str().unwrap_or_default().to_string();
            let out = if i >= CORPUS - NEW_PAPERS {
                let author = value["authors"][0].as_str().unwrap_or_default().to_string();
                new_papers.push((id, author));
                &mut new_out
            } else {
                if i % 97 == 0 {
                    old_ids.push(id);
                }
                &mut old_out
            };
            writeln!(out, "{line}")?;
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
    // Vectors for every paper, so that For you ranks as it does with a model (nearest liked
    // papers, dismissed neighbours) and topics search hybrid; hashed words stand in for the
    // model, whose cost is the embedding benchmark's, not this one's.
    let started = Instant::now();
    let searcher = Searcher::open_with(&store_dir, Ok(Arc::new(HashedWords) as Arc<dyn TextEmbedder>), &store)?;
    searcher.lexical.catch_up(&store)?;
    searcher.embed_pending(&store, None, &AtomicBool::new(false), true)?;
    searcher.catch_up_vectors(&store, true)?;
    println!(
        "keyword index and {HASHED_DIM}-dimension hashed-word vectors of every paper in {:.1} s",
        started.elapsed().as_secs_f64()
    );
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
        let email = format!("reader{i}@example.org");
        let (subscriber, _) = store.add_subscriber(&email, Frequency::Daily, &topics, SubscriberStatus::Active)?;
        store.set_like_upvoted(subscriber.id, true)?;
        give_signals(&store, i, &email, &topics[0], &old_ids, &new_papers)?;
    }
    println!(
        "{subscribers} subscribers × {TOPICS_EACH} topics ({} distinct), each with an account \
         (3 upvotes, a followed author, a saved search, a not-interested mark) and For you on, \
         added in {:.1} s",
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
        readers: &store,
    };
    let now: DateTime<Utc> = "2026-06-16T08:00:00Z".parse()?;
    let dry = digests.run(Frequency::Daily, now, None, Retry::default())?;
    println!(
        "compose (dry run): {} digests ({} with a For you section) in {:.2} s ({:.0} per second), {} with nothing to send",
        dry.would_send,
        dry.for_you,
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

/// Reader `i`'s account (the subscriber's address, verified) and what it told paperboy.
fn give_signals(
    store: &SqliteStore,
    i: usize,
    email: &str,
    topic: &str,
    old_ids: &[String],
    new_papers: &[(String, String)],
) -> anyhow::Result<()> {
    let user = match store.create_user(&NewUser {
        name: &format!("reader{i}"),
        email,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        is_admin: false,
        email_verified: true,
    })? {
        CreateUserOutcome::Created(id) => id,
        other => bail!("reader{i} could not be created: {other:?}"),
    };
    for k in 0..3 {
        let id = &old_ids[(i * 13 + k * 977) % old_ids.len()];
        store.vote(user, &ArxivId::parse(id)?, true)?;
    }
    let followed = &new_papers[(i * 7) % new_papers.len()].1;
    if !followed.is_empty() {
        store.follow(user, FollowKind::Author, followed)?;
    }
    store.save_search(
        user,
        &NewSavedSearch {
            name: "mine".into(),
            query: topic.to_string(),
            mode: "keyword".into(),
        },
    )?;
    let dismissed = &new_papers[(i * 11 + 3) % new_papers.len()].0;
    store.set_not_interested(user, &ArxivId::parse(dismissed)?, true)?;
    Ok(())
}

/// The model's dimension.
const HASHED_DIM: usize = 384;

/// Words hashed into buckets, unit length: papers sharing words are near each other.
struct HashedWords;

impl TextEmbedder for HashedWords {
    fn model_id(&self) -> &str {
        "hashed-words-bench"
    }

    fn dim(&self) -> usize {
        HASHED_DIM
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        Ok(texts
            .iter()
            .map(|text| {
                let mut v = vec![0f32; HASHED_DIM];
                for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 3) {
                    let h = paperboy_store::embeddings::text_hash(&word.to_lowercase());
                    v[(h % HASHED_DIM as u64) as usize] += 1.0;
                }
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                v.iter_mut().for_each(|x| *x /= norm);
                v
            })
            .collect())
    }
}
