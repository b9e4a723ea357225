//! Email digests end to end, against a real SMTP server (aiosmtpd, from `scripts/setup-tests`) and a
//! running `paperboy serve`: subscribe → confirm → digest run → mail received → manage →
//! unsubscribe; exactly-once across a kill -9; temporary and permanent SMTP failures; hostile
//! input.

use crate::support;

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use paperboy_testkit::{ReceivedMail, SmtpSink};
use support::{path_str, shared_data, Paperboy, Served};

const AT: &str = "2026-05-02T08:00:00Z"; // the daily digest of 1 May 2026

/// The mail settings every command of a test gets.
fn with_mail(mut cmd: Command, sink: &SmtpSink, base_url: &str) -> Command {
    cmd.env("PAPERBOY_SMTP_URL", sink.url())
        .env("PAPERBOY_MAIL_FROM", "paperboy <digest@paperboy.example>")
        .env("PAPERBOY_BASE_URL", base_url)
        .env("PAPERBOY_DIGEST_HOUR", "7")
        .env("PAPERBOY_DIGEST_CHECK_SECONDS", "3600")
        // A killed run's lease lapses quickly, so a re-run can take over within the test.
        .env("PAPERBOY_DIGEST_LEASE_SECONDS", LEASE_SECONDS.to_string());
    cmd
}

const LEASE_SECONDS: u64 = 5;

/// Links in mails sent by commands of tests without a server.
const NO_SERVER: &str = "http://127.0.0.1:9";

fn run(pb: &Paperboy, sink: &SmtpSink, base_url: &str, args: &[&str]) -> (i32, String, String) {
    let out = with_mail(pb.command(args), sink, base_url).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run_json(pb: &Paperboy, sink: &SmtpSink, base_url: &str, args: &[&str]) -> serde_json::Value {
    let (code, stdout, stderr) = run(pb, sink, base_url, args);
    assert_eq!(code, 0, "paperboy {args:?}\n{stdout}\n{stderr}");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// A store with the Hugging Face daily lists of 1, 4 and 5 May 2026 and arXiv's 1 May.
fn given_papers() -> Option<Paperboy> {
    let data = shared_data()?;
    let pb = Paperboy::new();
    for file in [
        "hf-daily/2026-05-01.json",
        "hf-daily/2026-05-04.json",
        "hf-daily/2026-05-05.json",
        "arxiv-listings/2026-05-01.jsonl.gz",
    ] {
        pb.json(&["ingest", "--json", path_str(&data.join(file))], 0);
    }
    Some(pb)
}

fn serve(pb: &Paperboy, sink: &SmtpSink) -> Served {
    support::serve_on_free_port(|port| {
        with_mail(
            pb.command(&["serve", "--listen", &format!("127.0.0.1:{port}")]),
            sink,
            &format!("http://127.0.0.1:{port}"),
        )
    })
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn get(url: &str) -> (u16, String) {
    let mut response = agent().get(url).call().unwrap();
    (
        response.status().as_u16(),
        response.body_mut().read_to_string().unwrap(),
    )
}

fn post_form(url: &str, form: &[(&str, &str)]) -> (u16, String) {
    let mut response = agent().post(url).send_form(form.iter().copied()).unwrap();
    (
        response.status().as_u16(),
        response.body_mut().read_to_string().unwrap(),
    )
}

/// Posts the footer's subscribe form as a browser would: with the CSRF cookie and token that a
/// page gave.
pub(crate) fn post_subscribe(base: &str, form: &[(&str, &str)]) -> (u16, String) {
    let mut page = agent().get(&format!("{base}/")).call().unwrap();
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pb_csrf="))
        .expect("a CSRF cookie for a signed-out visitor")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body = page.body_mut().read_to_string().unwrap();
    let form_at = body.find("action=\"/subscribe\"").unwrap();
    let token = body[form_at..]
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let mut fields = form.to_vec();
    fields.push(("csrf", &token));
    let mut response = agent()
        .post(&format!("{base}/subscribe"))
        .header("cookie", &cookie)
        .send_form(fields.iter().copied())
        .unwrap();
    (
        response.status().as_u16(),
        response.body_mut().read_to_string().unwrap(),
    )
}

fn one_link(mail: &ReceivedMail, path: &str) -> String {
    let links = mail.links_containing(path);
    assert!(!links.is_empty(), "no {path} link in\n{}", mail.raw);
    links[0].clone()
}

#[test]
fn subscribe_confirm_receive_manage_and_unsubscribe() {
    let Some(pb) = given_papers() else { return };
    let sink = SmtpSink::start();
    let server = serve(&pb, &sink);

    // Every page carries the subscribe form.
    let (status, home) = get(&format!("{}/", server.base_url));
    assert_eq!(status, 200);
    assert!(home.contains(r#"action="/subscribe" method="post""#), "{home}");

    // Without the page's CSRF token (a form on another site), nothing happens.
    let (status, _) = post_form(
        &format!("{}/subscribe", server.base_url),
        &[("email", "victim@example.org"), ("frequency", "daily")],
    );
    assert_eq!(status, 403);

    // Hostile addresses are refused with a clear message, and nothing is sent.
    let (status, page) = post_subscribe(
        &server.base_url,
        &[
            ("email", "reader@example.org\r\nBcc: victim@example.org"),
            ("frequency", "daily"),
        ],
    );
    assert_eq!(status, 400);
    assert!(page.contains("line break"), "{page}");
    let long_topic = "x".repeat(201);
    let (status, page) = post_subscribe(
        &server.base_url,
        &[("email", "reader@example.org"), ("topics", long_topic.as_str())],
    );
    assert_eq!(status, 400);
    assert!(page.contains("at most 200"), "{page}");

    // Subscribe: a confirmation mail, and nothing else until it is followed.
    let (status, page) = post_subscribe(
        &server.base_url,
        &[
            ("email", "reader@example.org"),
            ("frequency", "daily"),
            ("topics", "language models\nreinforcement learning"),
        ],
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Check your inbox"), "{page}");
    let mails = sink.wait_for(1, Duration::from_secs(10));
    assert_eq!(mails.len(), 1);
    let confirmation = &mails[0];
    assert_eq!(confirmation.to(), "reader@example.org");
    assert!(confirmation.header("Subject").unwrap().contains("Confirm"));
    let report = run_json(
        &pb,
        &sink,
        &server.base_url,
        &["digest", "run", "--frequency", "daily", "--at", AT, "--json"],
    );
    assert_eq!(report["sent"], 0, "pending subscribers get nothing: {report}");
    assert_eq!(sink.messages().len(), 1);

    // A forged or tampered confirmation link is refused; the real one confirms.
    let confirm = one_link(confirmation, "/subscribe/confirm?token=");
    assert!(confirm.starts_with(&server.base_url), "{confirm}");
    let forged = confirm.replace("token=", "token=9");
    assert_eq!(get(&forged).0, 400);
    // On PostgreSQL, the link works on any instance (one signing key, in the database): follow
    // it on a second one, behind the same "load balancer".
    let other_instance = pb.database_url().map(|_| pb.another_instance());
    let second = other_instance.as_ref().map(|other| serve(other, &sink));
    let confirm_here = match &second {
        Some(other) => confirm.replace(&server.base_url, &other.base_url),
        None => confirm.clone(),
    };
    let (status, page) = get(&confirm_here);
    assert_eq!(status, 200);
    assert!(page.contains("Digests will be sent to reader@example.org"), "{page}");

    // The digest run sends one multipart mail with list headers; a re-run sends nothing.
    let report = run_json(
        &pb,
        &sink,
        &server.base_url,
        &["digest", "run", "--frequency", "daily", "--at", AT, "--json"],
    );
    assert_eq!(
        (report["sent"].as_u64(), report["period"].as_str()),
        (Some(1), Some("2026-05-01")),
        "{report}"
    );
    let mails = sink.wait_for(2, Duration::from_secs(10));
    let digest = &mails[1];
    assert_eq!(digest.to(), "reader@example.org");
    assert_eq!(digest.header("From").unwrap(), "paperboy <digest@paperboy.example>");
    assert_eq!(digest.header("To").unwrap(), "reader@example.org");
    assert_eq!(digest.header("Subject").unwrap(), "paperboy daily digest: 1 May 2026");
    assert!(digest.header("Date").is_some());
    assert_eq!(
        digest.header("Message-ID").unwrap(),
        "<digest.daily-2026-05-01.1@paperboy.example>"
    );
    let list_unsubscribe = digest.header("List-Unsubscribe").unwrap();
    assert!(
        list_unsubscribe.starts_with(&format!("<{}/unsubscribe?token=", server.base_url)),
        "{list_unsubscribe}"
    );
    assert_eq!(
        digest.header("List-Unsubscribe-Post").unwrap(),
        "List-Unsubscribe=One-Click"
    );
    let text = digest.part("text/plain").expect("a text/plain part");
    let html = digest.part("text/html").expect("a text/html part");
    for body in [&text, &html] {
        assert!(body.contains("Trending") || body.contains("TRENDING"), "{body}");
        assert!(body.contains("https://arxiv.org/abs/"), "{body}");
    }
    assert!(
        text.contains("FOR YOUR TOPICS") && text.contains("## language models"),
        "{text}"
    );
    assert!(
        text.contains("Matched: "),
        "each topic result says why it matched: {text}"
    );
    let report = run_json(
        &pb,
        &sink,
        &server.base_url,
        &["digest", "run", "--frequency", "daily", "--at", AT, "--json"],
    );
    assert_eq!(
        (report["sent"].as_u64(), report["already_sent"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );
    assert_eq!(sink.messages().len(), 2);

    // `digest preview` prints what the subscriber gets.
    let (code, preview, _) = run(
        &pb,
        &sink,
        &server.base_url,
        &["digest", "preview", "reader@example.org", "--at", AT],
    );
    assert_eq!(code, 0);
    assert!(
        preview.starts_with("Subject: paperboy daily digest: 1 May 2026"),
        "{preview}"
    );

    // Manage from the mail's link: weekly, one topic.
    let manage = one_link(digest, "/subscribe/manage?token=");
    let (status, page) = get(&manage);
    assert_eq!(status, 200, "{manage}\n{page}");
    assert!(page.contains("language models"), "{page}");
    let (status, page) = post_form(&manage, &[("frequency", "weekly"), ("topics", "diffusion")]);
    assert_eq!(status, 200, "{page}");
    let list = run_json(&pb, &sink, &server.base_url, &["subscribers", "list", "--json"]);
    assert_eq!(list[0]["frequency"], "weekly");
    assert_eq!(list[0]["topics"], serde_json::json!(["diffusion"]));

    // Tokens are bound to their purpose: the confirm or manage token cannot unsubscribe.
    let unsubscribe = one_link(digest, "/unsubscribe?token=");
    let confirm_token = confirm.split("token=").nth(1).unwrap();
    let replayed = format!("{}/unsubscribe?token={confirm_token}", server.base_url);
    assert_eq!(post_form(&replayed, &[("List-Unsubscribe", "One-Click")]).0, 400);

    // GET shows a one-button page; the RFC 8058 one-click POST unsubscribes at once.
    let (status, page) = get(&unsubscribe);
    assert_eq!(status, 200);
    assert!(page.contains("<button"), "{page}");
    assert_eq!(
        run_json(&pb, &sink, &server.base_url, &["subscribers", "list", "--json"])[0]["status"],
        "active"
    );
    let (status, page) = post_form(&unsubscribe, &[("List-Unsubscribe", "One-Click")]);
    assert_eq!(status, 200);
    assert!(
        page.contains("No more digests will be sent to reader@example.org"),
        "{page}"
    );
    assert_eq!(
        run_json(&pb, &sink, &server.base_url, &["subscribers", "list", "--json"])[0]["status"],
        "unsubscribed"
    );
    let report = run_json(
        &pb,
        &sink,
        &server.base_url,
        &[
            "digest",
            "run",
            "--at",
            "2026-05-05T08:00:00Z",
            "--frequency",
            "daily",
            "--json",
        ],
    );
    assert_eq!(report["sent"], 0);
    assert_eq!(sink.messages().len(), 2);
}

#[test]
fn a_killed_run_then_a_rerun_sends_every_subscriber_exactly_one_mail() {
    let Some(pb) = given_papers() else { return };
    let sink = SmtpSink::start();
    let count = 12;
    // The sink holds the first message to this reader unanswered, so the run is killed with
    // that one mail in flight (never accepted) and the ones before it accepted and recorded.
    let held = "reader6-hold@example.org";
    for i in 0..count {
        let email = if i == 6 {
            held.to_string()
        } else {
            format!("reader{i}@example.org")
        };
        let (code, out, err) = run(
            &pb,
            &sink,
            NO_SERVER,
            &["subscribers", "add", &email, "--topic", "agents", "--confirmed"],
        );
        assert_eq!(code, 0, "{out}{err}");
    }
    let mut child = with_mail(
        pb.command(&["digest", "run", "--frequency", "daily", "--at", AT]),
        &sink,
        NO_SERVER,
    )
    .spawn()
    .unwrap();
    assert!(
        sink.wait_until_holding(held, Duration::from_secs(60)),
        "the run reached the held reader"
    );
    child.kill().unwrap(); // SIGKILL, mid-run
    child.wait().unwrap();
    let killed = Instant::now();
    let after_kill = sink.messages().len();
    assert!(
        after_kill < count,
        "the run was interrupted: {after_kill} of {count} sent"
    );

    // The dead run's lease still holds for a moment: a re-run at once leaves the period alone…
    let report = run_json(
        &pb,
        &sink,
        NO_SERVER,
        &["digest", "run", "--frequency", "daily", "--at", AT, "--json"],
    );
    // (The dead run renewed it up to a third of its length before the kill; a machine too
    // slow to start the re-run within the rest may find it lapsed already.)
    if killed.elapsed() < Duration::from_secs(LEASE_SECONDS * 2 / 3) {
        assert_eq!(report["held_elsewhere"], true, "{report}");
        assert_eq!(report["sent"], 0, "{report}");
    }
    // …and takes it over once the lease lapsed.
    std::thread::sleep(Duration::from_millis(LEASE_SECONDS * 1000 + 500));
    let report = run_json(
        &pb,
        &sink,
        NO_SERVER,
        &["digest", "run", "--frequency", "daily", "--at", AT, "--json"],
    );
    assert_eq!(report["held_elsewhere"], false, "{report}");
    assert_eq!(report["deferred"], 0, "{report}");
    let mails = sink.wait_for(count, Duration::from_secs(30));
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for mail in &mails {
        *per_recipient.entry(mail.to()).or_default() += 1;
    }
    assert_eq!(per_recipient.len(), count, "{per_recipient:?}");
    assert!(
        per_recipient.values().all(|n| *n == 1),
        "no duplicates: {per_recipient:?}"
    );
    // And nothing more on yet another run.
    run_json(
        &pb,
        &sink,
        NO_SERVER,
        &["digest", "run", "--frequency", "daily", "--at", AT, "--json"],
    );
    assert_eq!(sink.messages().len(), count);
}

#[test]
fn temporary_failures_are_retried_and_repeated_bounces_pause_the_subscriber() {
    let Some(pb) = given_papers() else { return };
    let sink = SmtpSink::start();
    for email in ["tempfail@example.org", "bounce@example.org", "fine@example.org"] {
        let (code, out, err) = run(&pb, &sink, NO_SERVER, &["subscribers", "add", email, "--confirmed"]);
        assert_eq!(code, 0, "{out}{err}");
    }
    // The first try to tempfail@ gets 451 and is retried; bounce@ gets 550, recorded.
    let report = run_json(
        &pb,
        &sink,
        NO_SERVER,
        &["digest", "run", "--frequency", "daily", "--at", AT, "--json"],
    );
    assert_eq!(
        (report["sent"].as_u64(), report["bounced"].as_u64()),
        (Some(2), Some(1)),
        "{report}"
    );
    let mut recipients: Vec<String> = sink.messages().iter().map(ReceivedMail::to).collect();
    recipients.sort();
    assert_eq!(recipients, ["fine@example.org", "tempfail@example.org"]);
    // A re-run does not hammer a refused address within the same period.
    let report = run_json(
        &pb,
        &sink,
        NO_SERVER,
        &["digest", "run", "--frequency", "daily", "--at", AT, "--json"],
    );
    assert_eq!(
        (report["sent"].as_u64(), report["bounced"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );

    // Three periods in a row of 550: paused, and no longer tried.
    for at in ["2026-05-05T08:00:00Z", "2026-05-06T08:00:00Z"] {
        run_json(
            &pb,
            &sink,
            NO_SERVER,
            &["digest", "run", "--frequency", "daily", "--at", at, "--json"],
        );
    }
    let list = run_json(&pb, &sink, NO_SERVER, &["subscribers", "list", "--json"]);
    let bounce = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == "bounce@example.org")
        .unwrap();
    assert_eq!(
        (bounce["status"].as_str(), bounce["hard_bounces"].as_u64()),
        (Some("paused"), Some(3)),
        "{bounce}"
    );
    let fine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == "fine@example.org")
        .unwrap();
    assert_eq!(fine["status"], "active");
}

#[test]
fn operators_manage_subscribers_and_hostile_input_is_refused() {
    let pb = Paperboy::new();
    let sink = SmtpSink::start();
    for (hostile, expected) in [
        ("a@example.org\r\nBcc: x@example.org", "line break"),
        ("\u{430}dmin@example.org", "non-ASCII"),
        (&format!("{}@example.org", "a".repeat(300)) as &str, "at most 254"),
        ("a@example.org, b@example.org", "not allowed"),
    ] {
        let (code, _, err) = run(&pb, &sink, NO_SERVER, &["subscribers", "add", hostile]);
        assert_eq!(code, 2, "{hostile:?}");
        assert!(err.contains(expected), "{hostile:?}: {err}");
    }
    let (code, _, err) = run(
        &pb,
        &sink,
        NO_SERVER,
        &["subscribers", "add", "a@example.org", "--topic", &"t".repeat(201)],
    );
    assert_eq!(code, 2);
    assert!(err.contains("at most 200"), "{err}");

    // Without --confirmed: pending, and a confirmation mail is sent.
    let (code, out, err) = run(
        &pb,
        &sink,
        NO_SERVER,
        &[
            "subscribers",
            "add",
            "ops@example.org",
            "--frequency",
            "weekly",
            "--topic",
            "llm",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(sink.wait_for(1, Duration::from_secs(10)).len(), 1);

    let csv = pb.data_dir().join("subscribers.csv");
    std::fs::write(
        &csv,
        "email,frequency,topics\nx@example.org,weekly,llm;\"graph, neural\"\nnot-an-address,daily,\ny@example.org,,\n",
    )
    .unwrap();
    let (code, out, err) = run(
        &pb,
        &sink,
        NO_SERVER,
        &["subscribers", "import", path_str(&csv), "--confirmed"],
    );
    assert_eq!(code, 1, "one line is refused: {out}{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(out.contains("2 added"), "{out}");
    let list = run_json(&pb, &sink, NO_SERVER, &["subscribers", "list", "--json"]);
    let emails: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["ops@example.org", "x@example.org", "y@example.org"]);
    assert_eq!(list[1]["topics"], serde_json::json!(["llm", "graph, neural"]));
    assert_eq!(list[0]["status"], "pending");

    let (code, out, _) = run(&pb, &sink, NO_SERVER, &["subscribers", "remove", "x@example.org"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        run_json(&pb, &sink, NO_SERVER, &["subscribers", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        run(&pb, &sink, NO_SERVER, &["subscribers", "remove", "x@example.org"]).0,
        1
    );
}

#[test]
fn digests_are_dkim_signed_and_verify_with_an_independent_implementation() {
    let Some(pb) = given_papers() else { return };
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("dkim.pem");
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl is installed");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    openssl(&["genrsa", "-traditional", "-out", path_str(&key), "2048"]);
    let public_der = openssl(&["rsa", "-in", path_str(&key), "-pubout", "-outform", "DER"]);
    let public_b64 = base64(&public_der);

    let sink = SmtpSink::start();
    let (code, out, err) = run(
        &pb,
        &sink,
        NO_SERVER,
        &[
            "subscribers",
            "add",
            "reader@example.org",
            "--topic",
            "agents",
            "--confirmed",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let out = with_mail(
        pb.command(&["digest", "run", "--frequency", "daily", "--at", AT, "--json"]),
        &sink,
        NO_SERVER,
    )
    .env("PAPERBOY_DKIM_KEY", &key)
    .env("PAPERBOY_DKIM_SELECTOR", "mail2026")
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mails = sink.wait_for(1, Duration::from_secs(10));
    assert_eq!(mails.len(), 1);
    let signature = mails[0].header("DKIM-Signature").expect("a DKIM-Signature header");
    assert!(
        signature.contains("d=paperboy.example") && signature.contains("s=mail2026"),
        "{signature}"
    );
    assert!(
        signature
            .to_ascii_lowercase()
            .contains("list-unsubscribe:list-unsubscribe-post"),
        "RFC 8058: the unsubscribe headers are signed: {signature}"
    );

    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/venv/bin/python");
    let verifier = concat!(env!("CARGO_MANIFEST_DIR"), "/../testkit/dkim_verify.py");
    let verify = |file: &std::path::Path| {
        Command::new(python)
            .args([verifier, path_str(file), &public_b64])
            .output()
            .expect("run dkimpy (scripts/setup-tests installs it)")
    };
    let file = sink.files()[0].clone();
    let checked = verify(&file);
    if !checked.status.success() {
        let _ = std::fs::copy(&file, std::env::temp_dir().join("paperboy-dkim-failed.eml"));
        let _ = std::fs::write(std::env::temp_dir().join("paperboy-dkim-failed.pub"), &public_b64);
    }
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    // A tampered copy fails: the check can fail.
    let tampered = keys.path().join("tampered.eml");
    let raw = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&tampered, raw.replacen("Subject: ", "Subject: [changed] ", 1)).unwrap();
    assert!(
        !verify(&tampered).status.success(),
        "a changed subject breaks the signature"
    );
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn serve_sends_due_digests_on_its_own_once() {
    let Some(pb) = given_papers() else { return };
    // Yesterday needs a daily list for today's digest to carry anything: relist a few papers.
    support::relist_yesterday(&pb, 5);

    let sink = SmtpSink::start();
    let (code, out, err) = run(
        &pb,
        &sink,
        NO_SERVER,
        &["subscribers", "add", "early@example.org", "--confirmed"],
    );
    assert_eq!(code, 0, "{out}{err}");
    // Due at 00:00 UTC: today's daily digest (of yesterday) is due now; checked every second.
    let served = support::serve_on_free_port(|port| {
        let mut cmd = with_mail(
            pb.command(&["serve", "--listen", &format!("127.0.0.1:{port}")]),
            &sink,
            NO_SERVER,
        );
        cmd.env("PAPERBOY_DIGEST_HOUR", "0")
            .env("PAPERBOY_DIGEST_UTC_OFFSET", "+00:00")
            .env("PAPERBOY_DIGEST_CHECK_SECONDS", "1");
        cmd
    });
    let mails = sink.wait_for(1, Duration::from_secs(60));
    assert_eq!(mails.len(), 1, "the scheduler sent the due digest");
    assert_eq!(mails[0].to(), "early@example.org");
    // Three more passes of the scheduler (it counts them in /metrics), each finding the digest
    // already sent.
    let name = "paperboy_digest_schedule_checks_total";
    let passes = support::metric(&served.base_url, name);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while support::metric(&served.base_url, name) < passes + 3 {
        assert!(std::time::Instant::now() < deadline, "the scheduler stopped checking");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(sink.messages().len(), 1, "and only once, though it checks every second");
    // A cron run alongside, on the same schedule, finds nothing left to send. (With the default
    // hour of 7, a run between 00:00 and 07:00 UTC would be due yesterday's period instead.)
    let mut cron = with_mail(
        pb.command(&["digest", "run", "--frequency", "daily", "--json"]),
        &sink,
        NO_SERVER,
    );
    cron.env("PAPERBOY_DIGEST_HOUR", "0")
        .env("PAPERBOY_DIGEST_UTC_OFFSET", "+00:00");
    let out = cron.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        (report["sent"].as_u64(), report["already_sent"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );
    drop(served);
}

/// The "For you" section of a digest's plain text, if it has one.
fn for_you_section(text: &str) -> Option<String> {
    let start = text.find("\nFOR YOU\n")?;
    let rest = &text[start + "\nFOR YOU\n".len()..];
    let end = ["\nFOR YOUR TOPICS", "\n--\n"]
        .iter()
        .filter_map(|marker| rest.find(marker))
        .min()
        .unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

#[test]
fn opted_in_readers_get_a_for_you_section_with_its_reasons_and_no_paper_twice() {
    let Some(pb) = given_papers() else { return };
    let data = shared_data().unwrap();
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("hf-daily/2026-05-01.json")).unwrap()).unwrap();
    let listed: Vec<(String, String)> = raw
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["paper"]["id"].as_str().unwrap().to_string(),
                e["paper"]["authors"][0]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // 1 May's list: two upvoted, one by a followed author, two that saved searches match (one of
    // them marked "not interested").
    let (liked, followed, dismissed, searched) = (&listed[..2], &listed[3], &listed[2], &listed[5]);
    for (name, email) in [("ana", "ana@example.org"), ("ben", "ben@example.org")] {
        support::create_user(&pb, &[name, "--email", email], "correct horse battery");
    }
    let server = support::serve_keyword_only(&pb);
    let api = |method: &str, path: &str, token: &str, body: Option<serde_json::Value>| {
        let (status, answer) = support::call_with_body(
            method,
            &format!("{}{path}", server.base_url),
            Some(token),
            body.as_ref(),
        );
        assert!((200..300).contains(&status), "{method} {path}: {status} {answer}");
    };
    for name in ["ana", "ben"] {
        let token = support::token(&pb, name);
        for (id, _) in liked {
            api("POST", &format!("/api/papers/{id}/upvote"), &token, None);
        }
        api(
            "POST",
            "/api/follows",
            &token,
            Some(serde_json::json!({ "author": followed.1 })),
        );
        for (search, words) in [
            ("exo", "ExoActor"),
            ("verifier", "\"Verifier-Based Reinforcement Learning\""),
        ] {
            api(
                "POST",
                "/api/saved-searches",
                &token,
                Some(serde_json::json!({ "name": search, "q": words, "mode": "keyword" })),
            );
        }
        api(
            "POST",
            &format!("/api/papers/{}/not-interested", dismissed.0),
            &token,
            None,
        );
    }
    drop(server);
    let sink = SmtpSink::start();
    for (email, opt_in) in [
        ("ana@example.org", true),
        ("ben@example.org", false),
        ("nobody@example.org", true),
    ] {
        let mut args = vec!["subscribers", "add", email, "--confirmed"];
        if opt_in {
            args.push("--like-upvoted");
        }
        let (code, out, err) = run(&pb, &sink, NO_SERVER, &args);
        assert_eq!(code, 0, "{out}{err}");
    }
    let preview = |email: &str| {
        let (code, out, err) = run(&pb, &sink, NO_SERVER, &["digest", "preview", email, "--at", AT]);
        assert_eq!(code, 0, "{out}{err}");
        out
    };
    let ana = preview("ana@example.org");
    let section = for_you_section(&ana).unwrap_or_else(|| panic!("ana opted in:\n{ana}"));
    for (id, reason) in [
        (&followed.0, format!("by {}, whom you follow", followed.1)),
        (&searched.0, "matches your saved search 'verifier'".to_string()),
    ] {
        let entry = section
            .split("\n* ")
            .find(|entry| entry.contains(&format!("arxiv.org/abs/{id}")))
            .unwrap_or_else(|| panic!("{id} is in the section:\n{section}"));
        assert!(entry.contains(&reason), "{id} says why ({reason}):\n{entry}");
    }
    assert!(
        !section.contains(&format!("arxiv.org/abs/{}", dismissed.0)),
        "a paper marked not interested never appears, though a saved search matches it:\n{section}"
    );
    for (id, _) in liked {
        assert!(
            !section.contains(&format!("arxiv.org/abs/{id}")),
            "not the upvoted {id} itself"
        );
    }
    let ben = preview("ben@example.org");
    assert!(for_you_section(&ben).is_none(), "ben did not opt in:\n{ben}");
    let nobody = preview("nobody@example.org");
    assert!(for_you_section(&nobody).is_none(), "no account, no section:\n{nobody}");

    // Sent: the mail carries the section; the papers it presented are not presented again.
    let report = run_json(
        &pb,
        &sink,
        NO_SERVER,
        &["digest", "run", "--frequency", "daily", "--at", AT, "--json"],
    );
    assert_eq!(report["sent"], 3, "{report}");
    let mails = sink.wait_for(3, Duration::from_secs(30));
    let mail = mails
        .iter()
        .find(|m| m.to().contains("ana@example.org"))
        .expect("ana's digest");
    let sent = for_you_section(&mail.text()).unwrap_or_else(|| panic!("in the mail:\n{}", mail.text()));
    assert!(sent.contains(&format!("by {}, whom you follow", followed.1)), "{sent}");
    let again = preview("ana@example.org");
    let later = for_you_section(&again).unwrap_or_default();
    for id in [&followed.0, &searched.0] {
        assert!(
            !later.contains(&format!("arxiv.org/abs/{id}")),
            "{id} was sent already, so it is not presented as new:\n{later}"
        );
    }
}

#[test]
fn a_saved_search_is_its_own_digest_once_per_period_until_stopped() {
    let Some(pb) = given_papers() else { return };
    let sink = SmtpSink::start();
    support::create_user(&pb, &["ana", "--email", "ana@example.org"], "correct horse battery");
    let token = support::token(&pb, "ana");
    let server = serve(&pb, &sink);
    let (status, saved) = support::call_with_body(
        "POST",
        &format!("{}/api/saved-searches", server.base_url),
        Some(&token),
        Some(&serde_json::json!({ "name": "agents", "q": "agents", "mode": "keyword", "digest": "daily" })),
    );
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["digest"], "daily", "{saved}");
    // Ana also gets the main digest: the two are distinct mails of the same period.
    let (code, out, err) = run(
        &pb,
        &sink,
        &server.base_url,
        &[
            "subscribers",
            "add",
            "ana@example.org",
            "--topic",
            "agents",
            "--confirmed",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let daily = ["digest", "run", "--frequency", "daily", "--at", AT, "--json"];

    let report = run_json(&pb, &sink, &server.base_url, &daily);
    assert_eq!(report["sent"], 1, "the main digest: {report}");
    assert_eq!(report["saved_searches"]["sent"], 1, "the saved search's: {report}");
    let mails = sink.wait_for(2, Duration::from_secs(30));
    let search_mail = mails
        .iter()
        .find(|m| m.header("Subject").is_some_and(|s| s.contains("saved search")))
        .unwrap_or_else(|| panic!("a saved-search digest among {} mails", mails.len()));
    assert_eq!(search_mail.to(), "ana@example.org");
    assert!(search_mail.text().contains("agents"), "{}", search_mail.text());
    let stop = one_link(search_mail, "/unsubscribe/search?token=");
    assert!(
        search_mail
            .header("List-Unsubscribe")
            .is_some_and(|h| h.contains("/unsubscribe/search?token=")),
        "one-click unsubscribe for this saved search: {:?}",
        search_mail.header("List-Unsubscribe")
    );

    // Once per period: a second run sends nothing.
    let again = run_json(&pb, &sink, &server.base_url, &daily);
    assert_eq!(again["saved_searches"]["sent"], 0, "{again}");
    assert_eq!(again["saved_searches"]["already_sent"], 1, "{again}");
    assert_eq!(sink.messages().len(), 2);

    // One-click unsubscribe (RFC 8058: a POST to the link) stops it; the main digest goes on.
    let (status, body) = post_form(&stop, &[("List-Unsubscribe", "One-Click")]);
    assert_eq!(status, 200, "{body}");
    let next_day = [
        "digest",
        "run",
        "--frequency",
        "daily",
        "--at",
        "2026-05-05T08:00:00Z",
        "--json",
    ];
    let later = run_json(&pb, &sink, &server.base_url, &next_day);
    assert_eq!(later["saved_searches"]["subscribers"], 0, "stopped: {later}");
    assert_eq!(later["saved_searches"]["sent"], 0, "{later}");
    let (status, listed) = support::call("GET", &format!("{}/api/saved-searches", server.base_url), Some(&token));
    assert_eq!(status, 200);
    assert_eq!(
        listed["saved_searches"][0]["digest"], "off",
        "still saved, no longer sent: {listed}"
    );
}
