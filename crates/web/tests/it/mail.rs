//! The mail outbox seen from outside: requests that mail answer at once whatever the mail
//! server does; mail queued while the server is down goes out once it is back, each exactly
//! once; `/status`, `/api/status` and `/metrics` show the queue.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use paperboy_digest::RetryPolicy;
use paperboy_testkit::{free_port, SmtpSink};

use crate::community::PASSWORD;
use crate::support::browser::Browser;
use crate::support::{metric, shared_data, wait_for_metric, TestServer};

/// Retries every fraction of a second, so that a test sees the server come back quickly.
fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        first: Duration::from_millis(100),
        max: Duration::from_millis(300),
        give_up_after: Duration::from_secs(3600),
    }
}

/// The outbox as `/api/status` shows it.
fn mail_status(server: &TestServer) -> serde_json::Value {
    let reply = Browser::new(&server.base_url).get("/api/status");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let status: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    status["mail"].clone()
}

/// Polls `/api/status` until `done` holds for its `mail` object; panics after a minute.
fn wait_for_mail_status(
    server: &TestServer,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mail = mail_status(server);
        if done(&mail) {
            return mail;
        }
        assert!(Instant::now() < deadline, "waited in vain for {what}: {mail}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn subscribe(visitor: &mut Browser, email: &str) -> u16 {
    let csrf = visitor.get("/").csrf();
    visitor
        .post(
            "/subscribe",
            &[("csrf", &csrf), ("email", email), ("frequency", "daily")],
        )
        .status
}

#[test]
fn mail_queued_while_the_mail_server_is_down_goes_out_once_it_is_back() {
    let Some(data) = shared_data() else { return };
    // Nothing listens on the port yet: every attempt is refused.
    let port = free_port();
    let server = TestServer::with_mail_retrying(
        &[data.join("hf-daily/2026-05-01.json")],
        &format!("smtp://127.0.0.1:{port}"),
        quick_retries(),
    );
    let mut ana = Browser::new(&server.base_url);
    assert_eq!(ana.sign_up("ana_l", "ana@example.org", PASSWORD).status, 303);
    let mut visitor = Browser::new(&server.base_url);
    let csrf = visitor.page_csrf("/reset");
    for email in ["ana@example.org", "nobody@example.org"] {
        let reply = visitor.post("/reset", &[("csrf", &csrf), ("email", email)]);
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    // A subscription used to fail with a 500 (after holding a thread) when the server was away.
    assert_eq!(subscribe(&mut visitor, "reader@example.org"), 200);

    // Three mails wait (the unknown address needs none), each tried and refused already.
    let waiting = wait_for_mail_status(&server, "three mails tried", |m| m["queued"] == 3 && m["retrying"] == 3);
    assert_eq!(waiting["configured"], true);
    assert_eq!(waiting["sent"], 0);
    assert!(
        waiting["last_error"].as_str().unwrap_or_default().contains("onnect"),
        "the refusal is shown: {waiting}"
    );
    assert_eq!(metric(&server, "paperboy_mail_queued"), 3);
    // The worker counts its attempts once its pass over the queue ends, a moment after the
    // store shows each row's outcome: wait for the count, as for the status.
    wait_for_metric(&server, "paperboy_mail_failed_attempts_total", |n| n >= 3);
    let page = Browser::new(&server.base_url).get("/status").body;
    assert!(page.contains("id=\"mail-heading\""), "{page}");

    // The server comes back: each mail arrives, once.
    let sink = SmtpSink::start_on(port);
    let done = wait_for_mail_status(&server, "the queue emptied", |m| m["queued"] == 0 && m["sent"] == 3);
    assert_eq!(done["failed"], 0, "{done}");
    let digests: Vec<&str> = done["digests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["frequency"].as_str().unwrap())
        .collect();
    assert_eq!(digests, ["daily", "weekly"], "digests' own ledgers beside: {done}");
    let mails = sink.messages();
    assert_eq!(mails.len(), 3, "exactly once each");
    let mut recipients: Vec<String> = mails.iter().map(|m| m.to()).collect();
    recipients.sort();
    assert_eq!(recipients, ["ana@example.org", "ana@example.org", "reader@example.org"]);
    let ids: HashSet<String> = mails.iter().filter_map(|m| m.header("Message-ID")).collect();
    assert_eq!(ids.len(), 3, "distinct messages");
    for path in ["/verify?token=", "/reset/confirm?token=", "/subscribe/confirm?token="] {
        assert_eq!(
            mails.iter().filter(|m| !m.links_containing(path).is_empty()).count(),
            1,
            "one mail with {path}"
        );
    }
    wait_for_metric(&server, "paperboy_mail_sent_total", |n| n >= 3);
    assert_eq!(metric(&server, "paperboy_mail_sent_total"), 3, "each mail counted once");
    assert_eq!(metric(&server, "paperboy_mail_queued"), 0);

    // The reset link that waited in the queue works.
    let reset = mails
        .iter()
        .find_map(|m| m.links_containing("/reset/confirm?token=").first().cloned())
        .unwrap();
    let path = reset.trim_start_matches("http://papers.example.org");
    let token = path.split("token=").nth(1).unwrap().to_string();
    let csrf = visitor.get(path).csrf();
    let changed = visitor.post(
        "/reset/confirm",
        &[
            ("csrf", &csrf),
            ("token", &token),
            ("password", "a brand new passphrase"),
        ],
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        Browser::new(&server.base_url)
            .sign_in("ana_l", "a brand new passphrase")
            .status,
        303
    );
}

#[test]
fn a_request_that_mails_never_waits_for_the_mail_server() {
    let Some(data) = shared_data() else { return };
    // The sink holds mail to a "hold" address without answering (until the client gives up,
    // after lettre's 30 s): a request that sent its mail itself would hang that long.
    let sink = SmtpSink::start();
    let server = TestServer::with_data_and_mail(&[data.join("hf-daily/2026-05-01.json")], &sink.url());
    crate::community::account(&server, "hold_me", false);
    let mut visitor = Browser::with_timeout(&server.base_url, Some(Duration::from_secs(20)));
    let csrf = visitor.page_csrf("/reset");
    let known = visitor.post("/reset", &[("csrf", &csrf), ("email", "hold_me@example.org")]);
    let unknown = visitor.post("/reset", &[("csrf", &csrf), ("email", "hold-nobody@example.org")]);
    assert_eq!((known.status, unknown.status), (200, 200));
    assert_eq!(known.body, unknown.body, "the same answer whatever the address");
    assert_eq!(subscribe(&mut visitor, "hold-reader@example.org"), 200);
    // The worker is meanwhile in the middle of sending (held by the sink), not the requests.
    assert!(sink.wait_until_holding("hold_me@example.org", Duration::from_secs(60)));
    // Stopping the sink ends the held exchange, so that the server stops without waiting it out.
    drop(sink);
    drop(server);
}
