//! Snapshots of the mails paperboy sends: a digest (its text and HTML parts and its headers),
//! the double opt-in confirmation and an account mail, for a fixed subscriber, papers and dates.
//!
//! A change to a template or to the headers fails these tests until the new snapshot is
//! accepted. To review one: run `INSTA_UPDATE=always cargo test -p paperboy-digest --test
//! snapshots`, read `git diff crates/digest/tests/snapshots/`, and commit the files if the
//! change is meant (or `git checkout` them if not). Without that variable a mismatch writes a
//! `.snap.new` file beside the snapshot (nothing at all under `CI=true`) and fails.
//!
//! What differs from one run to the next is replaced by a placeholder: the `Date` header and
//! the MIME boundaries (random). Everything else is built from fixed inputs, signed links too.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use paperboy_digest::compose::{compose, matched_terms, Digest, Entry, Trending};
use paperboy_digest::mail::{confirmation_message, digest_message, render_digest, SubscriberLinks, CONFIRM_LINK_HOURS};
use paperboy_digest::{account_message, MailSettings, Purpose, Schedule, Secret};
use paperboy_domain::{ArxivId, DailyEntry, Paper, PaperDocument};
use paperboy_store::Frequency;

const EMAIL: &str = "reader@example.com";
const SUBSCRIBER: i64 = 42;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn settings() -> MailSettings {
    MailSettings::new("paperboy <digest@papers.example.org>", "https://papers.example.org/").unwrap()
}

fn document(id: &str, title: &str, abstract_text: &str, authors: &[&str], upvotes: i64) -> PaperDocument {
    let mut paper = Paper::new(ArxivId::parse(id).unwrap());
    paper.title = title.into();
    paper.abstract_text = abstract_text.into();
    paper.authors = authors.iter().map(|a| a.to_string()).collect();
    paper.categories = vec!["cs.LG".into()];
    let daily = DailyEntry {
        day: "2026-05-01".parse().unwrap(),
        upvotes,
        comments: 0,
        submitted_by: None,
        source: "hf".into(),
    };
    PaperDocument::new(paper, vec![daily], upvotes)
}

/// The daily digest for 1 May 2026: two trending papers (from the day before's list), one topic
/// with a result, one without.
fn digest() -> Digest {
    let period = Schedule::default().latest_period(Frequency::Daily, at("2026-05-02T08:00:00Z"));
    let trending = [
        document(
            "2605.00001",
            "Scaling Laws for $\\alpha$-Divergence Training of Diffusion Models",
            "We study how the loss of diffusion models trained with $\\alpha$-divergences scales as \
             $O(n^{-1/2})$ with data and \\emph{compute}. Across 40 runs, the exponent stays within 5% of its mean; we explain why \
             with a simple model & test it on <video> data.",
            &["Ana Lima", "Björn Østergaard", "Chen Wei"],
            128,
        ),
        document(
            "2605.00002",
            "A Survey of Agents",
            "A long abstract. ".repeat(40).trim_end(),
            &[
                "A. One", "B. Two", "C. Three", "D. Four", "E. Five", "F. Six", "G. Seven", "H. Eight",
            ],
            1,
        ),
    ]
    .iter()
    .map(|doc| Entry::new(doc, Vec::new()))
    .collect::<Vec<_>>();
    // 1 May had no list of its own when the digest went out: the fallback says so.
    let trending = Trending {
        entries: trending,
        note: Some("No curated list for 1 May yet: trending from 30 April".into()),
    };
    let gnn = document(
        "2605.00003",
        "Message Passing \\emph{Graph Neural Networks} Are $\\epsilon$-Oversmoothing-Free",
        "We show that graph neural networks with residual message passing keep node features apart \
         ($\\|h_i - h_j\\| \\geq \\epsilon$), unlike $<script>alert(1)</script>$ or \\href{javascript:alert(1)}{this}.",
        &["Dana Smith"],
        7,
    );
    let terms = vec!["graph neural networks".to_string(), "transformers".to_string()];
    let by_topic = HashMap::from([(
        "graph neural networks".to_string(),
        vec![Entry::new(&gnn, matched_terms(&terms, &gnn))],
    )]);
    let topics = [
        "Graph Neural Networks".to_string(),
        "quantum error correction".to_string(),
    ];
    compose(&period, &trending, &by_topic, &topics)
}

fn links() -> SubscriberLinks {
    let secret = Secret::from_bytes([7; 32]);
    let expires = at("2026-07-31T08:00:00Z");
    let settings = settings();
    SubscriberLinks {
        manage: settings.link(&format!(
            "/subscribe/manage?token={}",
            secret.sign(SUBSCRIBER, Purpose::Manage, expires)
        )),
        unsubscribe: settings.link(&format!(
            "/unsubscribe?token={}",
            secret.sign(SUBSCRIBER, Purpose::Unsubscribe, expires)
        )),
    }
}

/// The message as sent, with CRLF as LF and the run-dependent parts replaced.
fn redacted(message: &lettre::Message) -> String {
    let mut text = String::from_utf8(message.formatted()).unwrap().replace("\r\n", "\n");
    let mut boundaries = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("boundary=\"") {
        rest = &rest[at + "boundary=\"".len()..];
        let end = rest.find('"').unwrap();
        boundaries.push(rest[..end].to_string());
        rest = &rest[end..];
    }
    for (n, boundary) in boundaries.iter().enumerate() {
        text = text.replace(boundary.as_str(), &format!("[boundary {}]", n + 1));
    }
    text.lines()
        .map(|line| {
            if line.starts_with("Date: ") {
                "Date: [date]"
            } else if line.starts_with("Message-ID: <account.") {
                "Message-ID: <account.[random]@papers.example.org>"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The header block of a message.
fn headers(message: &lettre::Message) -> String {
    let text = redacted(message);
    text[..text.find("\n\n").unwrap()].to_string()
}

#[test]
fn digest_mail() {
    let settings = settings();
    let digest = digest();
    let rendered = render_digest(&settings, &digest, EMAIL, &links());
    // TeX reads as text in both parts (mail clients run no scripts, and most strip MathML);
    // hostile TeX stays inert text.
    for part in [&rendered.text, &rendered.html] {
        assert!(
            part.contains("α-Divergence") && part.contains("‖h_i - h_j‖ ≥ ε"),
            "{part}"
        );
        assert!(!part.contains('$') && !part.contains("\\emph"), "no raw TeX: {part}");
    }
    assert!(!rendered.html.contains("<script") && !rendered.html.contains("href=\"javascript"));
    assert!(rendered.html.contains("&lt;script&gt;") || rendered.html.contains("&#60;script&#62;"));
    insta::assert_snapshot!("digest_subject", rendered.subject);
    insta::assert_snapshot!("digest_text", rendered.text);
    insta::assert_snapshot!("digest_html", rendered.html);

    let message_id = settings.message_id("digest", SUBSCRIBER, &digest.period.key());
    let message = digest_message(&settings, &rendered, EMAIL, message_id).unwrap();
    insta::assert_snapshot!("digest_headers", headers(&message));
}

#[test]
fn confirmation_mail() {
    let settings = settings();
    let secret = Secret::from_bytes([7; 32]);
    let sent = at("2026-05-01T08:00:00Z");
    let confirm_url = settings.link(&format!(
        "/subscribe/confirm?token={}",
        secret.sign(
            SUBSCRIBER,
            Purpose::Confirm,
            sent + chrono::Duration::hours(CONFIRM_LINK_HOURS)
        )
    ));
    let message_id = settings.message_id("confirm", SUBSCRIBER, &sent.timestamp().to_string());
    let message = confirmation_message(&settings, EMAIL, "weekly", &confirm_url, message_id).unwrap();
    insta::assert_snapshot!("confirmation", redacted(&message));
}

#[test]
fn account_mail() {
    let text = "Hello ana,\n\nOpen this link to choose a new password (it works for 2 hours):\n\n\
                https://papers.example.org/reset?token=abc\n\nIf you did not ask for this, ignore this mail.\n\n— paperboy\n";
    let message = account_message(&settings(), EMAIL, "Reset your paperboy password", text.into()).unwrap();
    insta::assert_snapshot!("account", redacted(&message));
}
