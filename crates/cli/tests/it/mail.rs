//! The mail outbox across a restart: mail queued while the mail server is away waits in the
//! store through a kill -9 of `serve`, and the next `serve` sends it — once.

use crate::support;

use std::process::Command;
use std::time::{Duration, Instant};

use paperboy_testkit::{free_port, SmtpSink};
use support::{path_str, Paperboy, Served};

/// `serve`, keyword search only, mailing through `smtp_port` and retrying every second.
fn serve(pb: &Paperboy, smtp_port: u16) -> Served {
    let config = pb.data_dir().join("paperboy.toml");
    std::fs::write(&config, "[search]\nsemantic = false\n").unwrap();
    support::serve_on_free_port(|port| {
        let mut cmd: Command = pb.command(&[
            "--config",
            path_str(&config),
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ]);
        cmd.env("PAPERBOY_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
            .env("PAPERBOY_MAIL_FROM", "paperboy <noreply@paperboy.example>")
            .env("PAPERBOY_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("PAPERBOY_MAIL_RETRY_SECONDS", "1")
            .env("PAPERBOY_MAIL_MAX_RETRY_SECONDS", "1");
        cmd
    })
}

/// Polls `/api/status` until its `mail` object satisfies `done`; panics after two minutes.
fn wait_for_mail(server: &Served, what: &str, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, body) = support::call("GET", &format!("{}/api/status", server.base_url), None);
        assert_eq!(status, 200, "{body}");
        if done(&body["mail"]) {
            return body["mail"].clone();
        }
        assert!(Instant::now() < deadline, "waited in vain for {what}: {}", body["mail"]);
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn mail_queued_before_a_kill_is_sent_once_by_the_next_serve() {
    let pb = Paperboy::new();
    let smtp_port = free_port();
    let server = serve(&pb, smtp_port);
    let (status, page) = crate::digest::post_subscribe(
        &server.base_url,
        &[("email", "reader@example.org"), ("frequency", "weekly")],
    );
    assert_eq!(status, 200, "{page}");
    wait_for_mail(&server, "the confirmation tried and refused", |m| {
        m["queued"] == 1 && m["retrying"] == 1
    });
    drop(server); // kill -9

    let sink = SmtpSink::start_on(smtp_port);
    let server = serve(&pb, smtp_port);
    let mail = wait_for_mail(&server, "the queue emptied", |m| m["queued"] == 0 && m["sent"] == 1);
    assert_eq!(mail["failed"], 0, "{mail}");
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "sent once");
    assert_eq!(mails[0].to(), "reader@example.org");
    assert_eq!(mails[0].links_containing("/subscribe/confirm?token=").len(), 1);
}
