//! The community side over HTTP, on real data: accounts, votes, comments, submissions,
//! moderation, the JSON API — and the attacks each must withstand.

use crate::support;

use std::time::Duration;

use chrono::Utc;
use paperboy_accounts::{hash_password, new_token, Limits};
use paperboy_store::{CreateUserOutcome, NewToken, NewUser, TokenKind};
use paperboy_testkit::{ReplayServer, Reply};
use paperboy_web::CommunitySettings;
use serde_json::json;
use support::browser::Browser;
use support::{server, shared_data, top_paper, TestServer};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// A server over the shared data with the given limits and arXiv endpoint.
pub(crate) fn community_server(limits: Limits, arxiv_api: Option<&str>) -> Option<TestServer> {
    let data = shared_data()?;
    let arxiv_api = arxiv_api.map(str::to_string);
    let settings = CommunitySettings::default();
    Some(TestServer::with_data_and(
        &[
            data.join("hf-daily/2026-05-01.json"),
            data.join("arxiv-listings/2026-05-01.jsonl.gz"),
        ],
        move |state, _| {
            let state = state.with_community(settings, limits);
            match arxiv_api {
                Some(api) => state.with_paper_fetcher(support::arxiv_fetcher(&api)),
                None => state,
            }
        },
    ))
}

pub(crate) fn generous() -> Limits {
    Limits::all(10_000, Duration::from_secs(60))
}

/// A paper of the 1 May list and its upvotes there.
pub(crate) fn listed_paper(server: &TestServer) -> (String, i64) {
    let list = Browser::new(&server.base_url)
        .get("/api/daily_papers?date=2026-05-01")
        .json();
    let first = &list[0]["paper"];
    (
        first["id"].as_str().unwrap().to_string(),
        first["upvotes"].as_i64().unwrap(),
    )
}

fn upvotes(browser: &mut Browser, id: &str) -> i64 {
    browser.get(&format!("/api/papers/{id}")).json()["upvotes"]
        .as_i64()
        .unwrap()
}

/// Creates an account directly in the store (faster than the form; for bystanders).
pub(crate) fn account(server: &TestServer, name: &str, admin: bool) -> i64 {
    let hash = hash_password(PASSWORD).unwrap();
    let email = format!("{name}@example.org");
    match server
        .store
        .create_user(&NewUser {
            name,
            email: &email,
            password_hash: &hash,
            is_admin: admin,
            email_verified: true,
        })
        .unwrap()
    {
        CreateUserOutcome::Created(id) => id,
        other => panic!("{other:?}"),
    }
}

pub(crate) fn api_token(server: &TestServer, user_id: i64) -> String {
    let (token, hash) = new_token();
    server
        .store
        .insert_token(&NewToken {
            hash: &hash,
            user_id,
            kind: TokenKind::Api,
            label: Some("test"),
            expires_at: None,
        })
        .unwrap();
    token
}

pub(crate) fn bearer(server: &TestServer, token: &str) -> Browser {
    let mut client = Browser::new(&server.base_url);
    client.headers.push(("authorization".into(), format!("Bearer {token}")));
    client
}

#[test]
fn sign_up_sign_in_and_sign_out_with_safe_cookies() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let mut ana = Browser::new(&server.base_url);
    let signed_up = ana.sign_up("ana_l", "ana@example.org", PASSWORD);
    assert_eq!(signed_up.status, 303, "{}", signed_up.body);
    let cookie = signed_up
        .set_cookies
        .iter()
        .find(|c| c.starts_with("pb_session="))
        .expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP here: {cookie}");
    let home = ana.get("/");
    assert!(home.body.contains("href=\"/u/ana_l\""), "signed in");
    assert!(!home.body.contains("__PAPERBOY_CSRF__"), "placeholders filled");
    assert!(
        !home.body.contains(paperboy_web::auth::CSRF_PLACEHOLDER),
        "placeholders filled"
    );
    let csp = home.header("content-security-policy").expect("a CSP");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("object-src 'none'"),
        "{csp}"
    );
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));

    // The session is stored hashed: the cookie's value is not in the database.
    let token = ana.cookies["pb_session"].clone();
    assert!(
        !server.store_holds(&token),
        "the session token is not stored in the clear"
    );
    assert!(server.store_holds("ana_l"), "while the account is (the check can see)");

    let csrf = ana.page_csrf("/settings");
    let out = ana.post("/signout", &[("csrf", &csrf)]);
    assert_eq!(out.status, 303);
    assert!(!ana.cookies.contains_key("pb_session"));
    // The old cookie no longer works, even if replayed.
    let mut replay = Browser::new(&server.base_url);
    replay.cookies.insert("pb_session".into(), token);
    let settings = replay.get("/settings");
    assert_eq!(settings.status, 303, "signed out sessions are gone");
    assert!(settings.location.unwrap().starts_with("/signin"));

    let back = ana.sign_in("ANA_L", PASSWORD);
    assert_eq!(back.status, 303, "names are case-insensitive: {}", back.body);
    assert!(ana.get("/").body.contains("href=\"/u/ana_l\""));
    assert_eq!(ana.sign_in("ana@example.org", PASSWORD).status, 303, "or the email");
}

#[test]
fn sign_up_refuses_bad_and_taken_names_with_clear_messages() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    account(&server, "taken", false);
    let mut visitor = Browser::new(&server.base_url);
    for (name, email, password, expected) in [
        ("a", "a@example.org", PASSWORD, "3 to 32 characters"),
        ("<script>", "s@example.org", PASSWORD, "3 to 32 characters"),
        ("fine_name", "not-an-email", PASSWORD, "address"),
        ("fine_name", "f@example.org", "short", "at least 10"),
        ("TAKEN", "t2@example.org", PASSWORD, "taken"),
        ("other", "taken@example.org", PASSWORD, "already has an account"),
    ] {
        let reply = visitor.sign_up(name, email, password);
        assert!(reply.status == 400 || reply.status == 409, "{name}: {}", reply.status);
        assert!(
            reply.body.contains(expected),
            "{name}: expected {expected:?} in the page"
        );
        assert!(!reply.body.contains("<script>\""), "echoed input is escaped");
    }
}

#[test]
fn state_changes_need_a_csrf_token_and_a_same_site_origin() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let (id, imported) = listed_paper(&server);
    let mut ana = Browser::new(&server.base_url);
    assert_eq!(ana.sign_up("ana_l", "ana@example.org", PASSWORD).status, 303);

    // No token, a wrong token, another session's token: refused, nothing changes.
    let mut bob = Browser::new(&server.base_url);
    bob.sign_up("bob_b", "bob@example.org", PASSWORD);
    let bobs_token = bob.page_csrf("/settings");
    for token in ["", "forged", bobs_token.as_str()] {
        let reply = ana.post(&format!("/papers/{id}/upvote"), &[("csrf", token), ("vote", "up")]);
        assert_eq!(reply.status, 403, "token {token:?}");
        let reply = ana.post(&format!("/papers/{id}/comments"), &[("csrf", token), ("body", "hi")]);
        assert_eq!(reply.status, 403);
    }
    assert_eq!(upvotes(&mut ana, &id), imported);
    // Cookie-authenticated API calls need the token in a header.
    assert_eq!(ana.json("POST", &format!("/api/papers/{id}/upvote"), None).status, 403);
    // A signed-out form (sign-in) without its double-submit token.
    assert_eq!(
        Browser::new(&server.base_url)
            .post("/signin", &[("login", "ana_l"), ("password", PASSWORD)])
            .status,
        403
    );
    // A cross-site POST with the right token is still refused.
    let csrf = ana.page_csrf("/settings");
    ana.headers.push(("origin".into(), "https://evil.example".into()));
    let reply = ana.post(&format!("/papers/{id}/upvote"), &[("csrf", &csrf), ("vote", "up")]);
    assert_eq!(reply.status, 403);
    ana.headers.clear();
    assert_eq!(upvotes(&mut ana, &id), imported);
    // GET never changes anything.
    ana.get(&format!("/papers/{id}/upvote"));
    assert_eq!(upvotes(&mut ana, &id), imported);
    // With the token it works.
    let reply = ana.post(&format!("/papers/{id}/upvote"), &[("csrf", &csrf), ("vote", "up")]);
    assert_eq!(reply.status, 303);
    assert_eq!(upvotes(&mut ana, &id), imported + 1);
}

#[test]
fn upvotes_count_once_per_account_by_form_and_by_api() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let (id, imported) = listed_paper(&server);
    let mut ana = Browser::new(&server.base_url);
    ana.sign_up("ana_l", "ana@example.org", PASSWORD);
    let csrf = ana.page_csrf(&format!("/papers/{id}"));
    for _ in 0..3 {
        ana.post(&format!("/papers/{id}/upvote"), &[("csrf", &csrf), ("vote", "up")]);
    }
    assert_eq!(upvotes(&mut ana, &id), imported + 1, "one vote per account");
    let page = ana.get(&format!("/papers/{id}"));
    assert!(page.body.contains("class=\"vote voted\""), "the page shows the vote");
    // Toggle without `vote` (the cards' form) removes it again.
    ana.post(&format!("/papers/{id}/upvote"), &[("csrf", &csrf)]);
    assert_eq!(upvotes(&mut ana, &id), imported);

    // The API, with tokens of several accounts, concurrently.
    let tokens: Vec<String> = (0..8)
        .map(|i| api_token(&server, account(&server, &format!("voter{i}"), false)))
        .collect();
    std::thread::scope(|scope| {
        for token in &tokens {
            let (server, id) = (&server, &id);
            scope.spawn(move || {
                let mut client = bearer(server, token);
                for _ in 0..3 {
                    let reply = client.json("POST", &format!("/api/papers/{id}/upvote"), None);
                    assert_eq!(reply.status, 200, "{}", reply.body);
                }
            });
        }
    });
    assert_eq!(upvotes(&mut ana, &id), imported + 8, "exact under concurrency");
    let mut client = bearer(&server, &tokens[0]);
    let reply = client.json("POST", &format!("/api/papers/{id}/upvote"), None).json();
    assert_eq!(
        (reply["changed"].as_bool(), reply["voted"].as_bool()),
        (Some(false), Some(true))
    );
    let reply = client.json("DELETE", &format!("/api/papers/{id}/upvote"), None).json();
    assert_eq!(reply["upvotes"].as_i64(), Some(imported + 7));
    assert_eq!(reply["voted"], false);

    // Unknown papers and missing or wrong tokens.
    assert_eq!(client.json("POST", "/api/papers/2605.99999/upvote", None).status, 404);
    assert_eq!(
        Browser::new(&server.base_url)
            .json("POST", &format!("/api/papers/{id}/upvote"), None)
            .status,
        401
    );
    assert_eq!(
        bearer(&server, "not-a-token")
            .json("POST", &format!("/api/papers/{id}/upvote"), None)
            .status,
        401
    );
}

#[test]
fn comments_thread_render_safely_and_only_authors_change_them() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let (id, _) = listed_paper(&server);
    let ana_id = account(&server, "ana_l", false);
    let bob_id = account(&server, "bob_b", false);
    let (mut ana, mut bob) = (
        bearer(&server, &api_token(&server, ana_id)),
        bearer(&server, &api_token(&server, bob_id)),
    );

    let payloads = [
        "<script>alert('xss')</script>",
        "<img src=x onerror=alert(1)>",
        "[click me](javascript:alert(document.cookie))",
        "<svg/onload=alert(1)>",
        "\"><iframe src=https://evil.example>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "**bold** and $x^2$",
    ];
    let comments_before = Browser::new(&server.base_url).get(&format!("/api/papers/{id}")).json()["comments"]
        .as_i64()
        .unwrap();
    let mut ids = Vec::new();
    for payload in payloads {
        let reply = ana.json(
            "POST",
            &format!("/api/papers/{id}/comments"),
            Some(json!({ "body": payload })),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        ids.push(reply.json()["id"].as_i64().unwrap());
    }
    let reply = bob.json(
        "POST",
        &format!("/api/papers/{id}/comments"),
        Some(json!({ "body": "A reply", "parent_id": ids[0] })),
    );
    assert_eq!(reply.status, 201);
    let reply_id = reply.json()["id"].as_i64().unwrap();

    let page = Browser::new(&server.base_url).get(&format!("/papers/{id}"));
    assert_eq!(page.status, 200);
    let lower = page.body.to_lowercase();
    for bad in [
        "<script>alert",
        "<img src=x",
        "<svg/onload",
        "<iframe",
        "<a href=\"javascript:",
    ] {
        assert!(!lower.contains(bad), "{bad} reached the page");
    }
    assert!(page.body.contains("&lt;script&gt;"), "hostile HTML is shown as text");
    assert!(page.body.contains("<strong>bold</strong>") && page.body.contains("<math"));
    let reply_at = page.body.find(&format!("id=\"c{reply_id}\"")).unwrap();
    assert!(
        page.body[..reply_at].contains(&format!("id=\"c{}\"", ids[0])),
        "a reply follows its parent"
    );
    assert!(page.body.contains("class=\"comment depth-1\""), "and is indented");
    // The count in the paper JSON and on cards.
    let count = comments_before + payloads.len() as i64 + 1;
    let paper = Browser::new(&server.base_url).get(&format!("/api/papers/{id}")).json();
    assert_eq!(paper["comments"].as_i64(), Some(count));
    let day = Browser::new(&server.base_url).get("/date/2026-05-01");
    assert!(
        day.body.contains(&format!("{count} comments")),
        "{count} comments on the card"
    );

    // Bob can neither delete nor edit Ana's comment; Ana can.
    assert_eq!(
        bob.json("DELETE", &format!("/api/comments/{}", ids[1]), None).status,
        403
    );
    let mut bob_web = Browser::new(&server.base_url);
    bob_web.sign_in("bob_b", PASSWORD);
    let csrf = bob_web.page_csrf("/settings");
    assert_eq!(
        bob_web
            .post(
                &format!("/comments/{}/edit", ids[1]),
                &[("csrf", &csrf), ("body", "pwned")]
            )
            .status,
        403
    );
    assert_eq!(
        bob_web
            .post(&format!("/comments/{}/delete", ids[1]), &[("csrf", &csrf)])
            .status,
        403
    );
    assert_eq!(bob_web.get(&format!("/comments/{}/edit", ids[1])).status, 403);
    assert_eq!(
        ana.json("DELETE", &format!("/api/comments/{}", ids[1]), None).status,
        204
    );
    let comments = Browser::new(&server.base_url)
        .get(&format!("/api/papers/{id}/comments"))
        .json();
    let deleted = comments.as_array().unwrap().iter().find(|c| c["id"] == ids[1]).unwrap();
    assert_eq!(
        (deleted["deleted"].as_bool(), deleted["body"].is_null()),
        (Some(true), true)
    );

    // Ana edits through the form.
    let mut ana_web = Browser::new(&server.base_url);
    ana_web.sign_in("ana_l", PASSWORD);
    let csrf = ana_web.page_csrf("/settings");
    let edited = ana_web.post(
        &format!("/comments/{}/edit", ids[6]),
        &[("csrf", &csrf), ("body", "Edited *text*")],
    );
    assert_eq!(edited.status, 303);
    assert!(ana_web.get(&format!("/papers/{id}")).body.contains("<em>text</em>"));

    // Bad input.
    let empty = ana.json(
        "POST",
        &format!("/api/papers/{id}/comments"),
        Some(json!({ "body": "   " })),
    );
    assert_eq!(empty.status, 400);
    let huge = ana.json(
        "POST",
        &format!("/api/papers/{id}/comments"),
        Some(json!({ "body": "x".repeat(10_001) })),
    );
    assert_eq!(huge.status, 400);
    assert!(huge.json()["error"].as_str().unwrap().contains("10000"));
    let other = server.store.comment(ids[0]).unwrap().unwrap();
    let wrong_parent = ana.json(
        "POST",
        "/api/papers/2605.00001/comments",
        Some(json!({ "body": "x", "parent_id": other.id })),
    );
    assert!(wrong_parent.status == 400 || wrong_parent.status == 404);
    assert_eq!(
        ana.json("POST", &format!("/api/papers/{id}/comments"), Some(json!({"nope": 1})))
            .status,
        400
    );
}

#[test]
fn submissions_list_a_paper_today_refuse_duplicates_and_respect_the_limit() {
    let Some(data) = shared_data() else { return };
    let atom = std::fs::read(data.join("samples/arxiv-api-atom-2013-02-02-id-1301.7746.xml")).unwrap();
    let arxiv = ReplayServer::start(move |_, _| Reply::ok(atom.clone()));
    let api = format!("{}/api/query", arxiv.base_url);
    let settings = CommunitySettings {
        daily_submission_limit: 2,
        ..CommunitySettings::default()
    };
    let server = TestServer::with_data_and(
        &[
            data.join("hf-daily/2026-05-01.json"),
            data.join("arxiv-listings/2026-05-01.jsonl.gz"),
        ],
        move |state, _| {
            state
                .with_community(settings, generous())
                .with_paper_fetcher(support::arxiv_fetcher(&api))
        },
    );
    paperboy_testkit::clear_of_midnight();
    let today = Utc::now().date_naive();
    let ana = account(&server, "ana_l", false);
    let mut client = bearer(&server, &api_token(&server, ana));
    let path = format!("/api/daily/{today}/submissions");

    // A paper arXiv announced but nobody listed yet: goes on today's list.
    let announced = Browser::new(&server.base_url).get("/date/2026-05-01").body;
    let daily_ids: Vec<String> = Browser::new(&server.base_url)
        .get("/api/daily_papers?date=2026-05-01")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["paper"]["id"].as_str().unwrap().to_string())
        .collect();
    let unlisted = announced
        .split("href=\"/papers/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .find(|i| !daily_ids.contains(i))
        .expect("an announced paper not in the daily list");
    let reply = client.json(
        "POST",
        &path,
        Some(json!({ "id": format!("https://arxiv.org/abs/{unlisted}") })),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["submitter"], "ana_l");
    let list = Browser::new(&server.base_url).get(&format!("/date/{today}"));
    assert!(list.body.contains(&format!("href=\"/papers/{unlisted}\"")));
    assert!(list.body.contains("submitted by ana_l"));
    // Hugging Face's client sees the local account as the submitter.
    let submitted = crate::hf_client::run_client(
        &server,
        "import json, sys\nfrom huggingface_hub import HfApi\n\
         print(json.dumps([[p.id, p.submitted_by.name, p.submitted_by.username] \
         for p in HfApi().list_daily_papers(date=sys.argv[1], submitter='ana_l', token=False)]))",
        &[&today.to_string()],
    );
    assert_eq!(submitted, json!([[unlisted, "ana_l", "ana_l"]]));

    // Already listed (on 1 May): refused with a pointer to that list.
    let reply = client.json("POST", &path, Some(json!({ "id": daily_ids[0] })));
    assert_eq!(reply.status, 409);
    assert_eq!(reply.json()["existing"]["url"], "/date/2026-05-01");

    // Not stored yet: fetched from arXiv.
    let reply = client.json("POST", &path, Some(json!({ "id": "1301.7746" })));
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(
        arxiv.requests().iter().any(|r| r.contains("id_list=1301.7746")),
        "{:?}",
        arxiv.requests()
    );
    assert_eq!(Browser::new(&server.base_url).get("/api/papers/1301.7746").status, 200);

    // The third today is over the limit of two.
    let third = announced
        .split("href=\"/papers/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .find(|i| !daily_ids.contains(i) && *i != unlisted)
        .unwrap();
    let reply = client.json("POST", &path, Some(json!({ "id": third })));
    assert_eq!(reply.status, 429);
    assert!(reply.header("retry-after").is_some());

    // Other days' lists take no submissions; garbage ids are bad input.
    assert_eq!(
        client
            .json("POST", "/api/daily/2026-05-01/submissions", Some(json!({"id": third})))
            .status,
        409
    );
    assert_eq!(client.json("POST", &path, Some(json!({"id": "<script>"}))).status, 400);
    assert_eq!(client.json("POST", &path, Some(json!({"id": 5}))).status, 400);
}

#[test]
fn admins_hide_comments_remove_submissions_and_ban_with_an_audit_log() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let (id, _) = listed_paper(&server);
    account(&server, "moderator1", true);
    let troll = account(&server, "troll", false);
    let troll_token = api_token(&server, troll);
    let mut troll_api = bearer(&server, &troll_token);
    let comment = troll_api
        .json(
            "POST",
            &format!("/api/papers/{id}/comments"),
            Some(json!({"body": "spam spam"})),
        )
        .json()["id"]
        .as_i64()
        .unwrap();

    // A non-admin cannot moderate.
    let mut user = Browser::new(&server.base_url);
    user.sign_up("regular", "r@example.org", PASSWORD);
    let csrf = user.page_csrf("/settings");
    assert_eq!(
        user.post(&format!("/admin/comments/{comment}/hide"), &[("csrf", &csrf)])
            .status,
        403
    );
    assert_eq!(user.post("/admin/users/troll/ban", &[("csrf", &csrf)]).status, 403);
    assert_eq!(user.get("/admin").status, 403);

    let mut admin = Browser::new(&server.base_url);
    assert_eq!(admin.sign_in("moderator1", PASSWORD).status, 303);
    let csrf = admin.page_csrf("/admin");
    let hide = admin.post(
        &format!("/admin/comments/{comment}/hide"),
        &[("csrf", &csrf), ("reason", "spam")],
    );
    assert_eq!(hide.status, 303);
    let page = Browser::new(&server.base_url).get(&format!("/papers/{id}"));
    assert!(!page.body.contains("spam spam") && page.body.contains("[hidden by a moderator]"));

    let ban = admin.post(
        "/admin/users/troll/ban",
        &[("csrf", &csrf), ("reason", "repeated spam")],
    );
    assert_eq!(ban.status, 303);
    assert_eq!(
        troll_api.json("POST", &format!("/api/papers/{id}/upvote"), None).status,
        401,
        "a ban ends the troll's tokens"
    );
    let log = admin.get("/admin").body;
    for expected in [
        "hide_comment",
        "comment:",
        "ban",
        "user:troll",
        "repeated spam",
        "moderator1",
    ] {
        assert!(log.contains(expected), "{expected} in the audit log");
    }
}

#[test]
fn rate_limits_answer_429_and_sign_in_does_not_reveal_accounts() {
    let Some(server) = community_server(Limits::all(3, Duration::from_secs(600)), None) else {
        return;
    };
    account(&server, "ana_l", false);
    let mut visitor = Browser::new(&server.base_url);
    let known = visitor.sign_in("ana_l", "wrong password!");
    let mut other = Browser::new(&server.base_url);
    let unknown = other.sign_in("nobody_here", "wrong password!");
    assert_eq!((known.status, unknown.status), (401, 401));
    let message = |body: &str| {
        body.split("role=\"alert\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        message(&known.body),
        message(&unknown.body),
        "the same answer either way"
    );

    // Reset requests: the same answer for addresses with and without accounts.
    let csrf = visitor.page_csrf("/reset");
    let a = visitor.post("/reset", &[("csrf", &csrf), ("email", "ana_l@example.org")]);
    let b = visitor.post("/reset", &[("csrf", &csrf), ("email", "nobody@example.org")]);
    assert_eq!(a.status, b.status);
    let notice = |body: &str| {
        body.split("role=\"status\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(notice(&a.body), notice(&b.body));

    // The fourth sign-in attempt for one account within the window is refused.
    let mut last = None;
    for _ in 0..3 {
        last = Some(Browser::new(&server.base_url).sign_in("ana_l", "still wrong!!"));
    }
    let refused = last.unwrap();
    assert_eq!(refused.status, 429, "{}", refused.body);
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 600);
    // Even the right password waits: this address has used its attempts.
    assert_eq!(Browser::new(&server.base_url).sign_in("ana_l", PASSWORD).status, 429);

    // Commenting is limited per account.
    let bob = account(&server, "bob_b", false);
    let mut api = bearer(&server, &api_token(&server, bob));
    let (id, _) = listed_paper(&server);
    let statuses: Vec<u16> = (0..4)
        .map(|i| {
            api.json(
                "POST",
                &format!("/api/papers/{id}/comments"),
                Some(json!({"body": format!("c{i}")})),
            )
            .status
        })
        .collect();
    assert_eq!(statuses, vec![201, 201, 201, 429]);
}

#[test]
fn passwords_change_and_reset_and_both_end_old_sessions() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let mut laptop = Browser::new(&server.base_url);
    laptop.sign_up("ana_l", "ana@example.org", PASSWORD);
    let mut phone = Browser::new(&server.base_url);
    assert_eq!(phone.sign_in("ana_l", PASSWORD).status, 303);

    let csrf = laptop.page_csrf("/settings");
    let wrong = laptop.post(
        "/settings/password",
        &[
            ("csrf", &csrf),
            ("current", "nope nope nope"),
            ("password", "another long one"),
        ],
    );
    assert_eq!(wrong.status, 403);
    let changed = laptop.post(
        "/settings/password",
        &[("csrf", &csrf), ("current", PASSWORD), ("password", "another long one")],
    );
    assert_eq!(changed.status, 303);
    assert_eq!(laptop.get("/settings").status, 200, "this browser stays signed in");
    assert_eq!(phone.get("/settings").status, 303, "the other session ended");

    // A reset link (issued as the mail would carry it) sets a new password once.
    let user = server.store.user_by_name("ana_l").unwrap().unwrap();
    let (token, hash) = new_token();
    server
        .store
        .insert_token(&NewToken {
            hash: &hash,
            user_id: user.id,
            kind: TokenKind::PasswordReset,
            label: None,
            expires_at: Some(Utc::now() + chrono::Duration::hours(1)),
        })
        .unwrap();
    let mut visitor = Browser::new(&server.base_url);
    let form = visitor.get(&format!("/reset/confirm?token={token}"));
    let csrf = form.csrf();
    let short = visitor.post(
        "/reset/confirm",
        &[("csrf", &csrf), ("token", &token), ("password", "short")],
    );
    assert_eq!(short.status, 400, "a bad password does not spend the link");
    let done = visitor.post(
        "/reset/confirm",
        &[("csrf", &csrf), ("token", &token), ("password", "a third password")],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(laptop.get("/settings").status, 303, "a reset ends every session");
    let again = visitor.post(
        "/reset/confirm",
        &[("csrf", &csrf), ("token", &token), ("password", "a fourth password")],
    );
    assert_eq!(again.status, 400, "the link works once");
    assert_eq!(
        Browser::new(&server.base_url)
            .sign_in("ana_l", "a third password")
            .status,
        303
    );
}

#[test]
fn api_tokens_are_shown_once_work_and_can_be_revoked() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let (id, imported) = listed_paper(&server);
    let mut ana = Browser::new(&server.base_url);
    ana.sign_up("ana_l", "ana@example.org", PASSWORD);
    let csrf = ana.page_csrf("/settings");
    let created = ana.post("/settings/tokens", &[("csrf", &csrf), ("label", "my <script> bot")]);
    assert_eq!(created.status, 200);
    let token = created
        .body
        .split("id=\"new-token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(created.body.contains("my &lt;script&gt; bot") || created.body.contains("my &#60;script&#62; bot"));
    assert!(!ana.get("/settings").body.contains(&token), "shown once");
    let mut script = bearer(&server, &token);
    assert_eq!(
        script.json("POST", &format!("/api/papers/{id}/upvote"), None).status,
        200
    );
    assert_eq!(upvotes(&mut ana, &id), imported + 1);
    let token_id = server
        .store
        .tokens(server.store.user_by_name("ana_l").unwrap().unwrap().id, TokenKind::Api)
        .unwrap()[0]
        .id;
    // Another account cannot revoke it.
    let mut bob = Browser::new(&server.base_url);
    bob.sign_up("bob_b", "bob@example.org", PASSWORD);
    let bob_csrf = bob.page_csrf("/settings");
    assert_eq!(
        bob.post(&format!("/settings/tokens/{token_id}/revoke"), &[("csrf", &bob_csrf)])
            .status,
        404
    );
    assert_eq!(
        ana.post(&format!("/settings/tokens/{token_id}/revoke"), &[("csrf", &csrf)])
            .status,
        303
    );
    assert_eq!(
        script.json("DELETE", &format!("/api/papers/{id}/upvote"), None).status,
        401
    );
}

#[test]
fn profiles_show_submissions_comments_and_only_public_upvotes() {
    let Some((server, raw)) = server() else { return };
    let (id, title) = top_paper(&raw);
    let ana = account(&server, "ana_l", false);
    let mut api = bearer(&server, &api_token(&server, ana));
    api.json("POST", &format!("/api/papers/{id}/upvote"), None);
    api.json(
        "POST",
        &format!("/api/papers/{id}/comments"),
        Some(json!({"body": "Great _paper_"})),
    );
    let profile = Browser::new(&server.base_url).get("/u/ana_l");
    assert_eq!(profile.status, 200);
    assert!(profile.body.contains("<em>paper</em>"));
    assert!(!profile.body.contains("Upvoted"), "upvotes are private by default");
    server.store.set_votes_public(ana, true).unwrap();
    let profile = Browser::new(&server.base_url).get("/u/ana_l");
    assert!(profile.body.contains("Upvoted"));
    let shown_title: String = title.chars().take(20).collect();
    assert!(
        profile.body.contains(&format!("href=\"/papers/{id}\"")),
        "{shown_title}"
    );
    assert_eq!(Browser::new(&server.base_url).get("/u/nobody").status, 404);
    assert_eq!(Browser::new(&server.base_url).get("/u/%3Cscript%3E").status, 404);
}

#[test]
fn reset_and_verification_links_arrive_by_mail_and_work_once() {
    use paperboy_testkit::SmtpSink;
    let Some(data) = shared_data() else { return };
    let sink = SmtpSink::start();
    let server = TestServer::with_data_and_mail(&[data.join("hf-daily/2026-05-01.json")], &sink.url());
    // Signing up sends a verification link.
    let mut ana = Browser::new(&server.base_url);
    assert_eq!(ana.sign_up("ana_l", "ana@example.org", PASSWORD).status, 303);
    let mails = sink.wait_for(1, Duration::from_secs(10));
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to(), "ana@example.org");
    let verify = mails[0]
        .text()
        .split_whitespace()
        .find(|w| w.contains("/verify?token="))
        .unwrap()
        .to_string();
    let path = verify.trim_start_matches("http://papers.example.org");
    assert!(!server.store.user_by_name("ana_l").unwrap().unwrap().email_verified);
    let form = ana.get(path);
    assert_eq!(
        form.status, 200,
        "following the link only shows a button (GET changes nothing)"
    );
    assert!(!server.store.user_by_name("ana_l").unwrap().unwrap().email_verified);
    let token = path.split("token=").nth(1).unwrap();
    let csrf = form.csrf();
    let verified = ana.post("/verify", &[("csrf", &csrf), ("token", token)]);
    assert_eq!(verified.status, 200, "{token} {}", verified.body);
    assert!(server.store.user_by_name("ana_l").unwrap().unwrap().email_verified);
    assert_eq!(
        ana.post("/verify", &[("csrf", &csrf), ("token", token)]).status,
        400,
        "once"
    );

    // A reset request mails a link; an unknown address gets the same page and no mail.
    let mut visitor = Browser::new(&server.base_url);
    let csrf = visitor.page_csrf("/reset");
    visitor.post("/reset", &[("csrf", &csrf), ("email", "nobody@example.org")]);
    visitor.post("/reset", &[("csrf", &csrf), ("email", "ANA@example.org")]);
    let mails = sink.wait_for(2, Duration::from_secs(10));
    // Both requests handled by the outbox's worker: whatever was to be sent has been.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while server.store.outbox_counts().unwrap().queued > 0 {
        assert!(std::time::Instant::now() < deadline, "the outbox did not empty");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sink.messages().len(), 2, "no mail for an unknown address");
    let reset = mails[1]
        .text()
        .split_whitespace()
        .find(|w| w.contains("/reset/confirm?token="))
        .unwrap()
        .to_string();
    let token = reset.split("token=").nth(1).unwrap().to_string();
    let csrf = visitor
        .get(reset.trim_start_matches("http://papers.example.org"))
        .csrf();
    let done = visitor.post(
        "/reset/confirm",
        &[("csrf", &csrf), ("token", &token), ("password", "brand new password")],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(ana.get("/settings").status, 303, "the reset ended the old session");
    assert_eq!(
        Browser::new(&server.base_url)
            .sign_in("ana_l", "brand new password")
            .status,
        303
    );
}

#[test]
fn the_api_says_which_papers_the_caller_upvoted() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let (id, _) = listed_paper(&server);
    let ana = account(&server, "ana_l", false);
    let mut api = bearer(&server, &api_token(&server, ana));
    let other = "2605.00658";
    let ask = format!("/api/votes?ids={id},{other}");
    assert_eq!(api.json("GET", &ask, None).json()["voted"], serde_json::json!([]));
    assert_eq!(api.json("POST", &format!("/api/papers/{id}/upvote"), None).status, 200);
    assert_eq!(api.json("GET", &ask, None).json()["voted"], serde_json::json!([id]));
    let anonymous = Browser::new(&server.base_url).json("GET", &ask, None);
    assert_eq!(anonymous.status, 401);
    let bad = api.json("GET", "/api/votes?ids=not-an-id", None);
    assert_eq!(bad.status, 400, "{}", bad.body);
    let many: Vec<String> = (0..201).map(|i| format!("2605.{i:05}")).collect();
    let too_many = api.json("GET", &format!("/api/votes?ids={}", many.join(",")), None);
    assert_eq!(too_many.status, 400);
    assert_eq!(api.json("GET", "/api/votes", None).status, 400);
}

#[test]
fn search_pages_are_cached_until_something_changes() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let (id, _) = listed_paper(&server);
    let mut reader = Browser::new(&server.base_url);
    let title = reader.get(&format!("/api/papers/{id}")).json()["title"]
        .as_str()
        .unwrap()
        .to_string();
    let query: String = title
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join("+")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+')
        .collect();
    let path = format!("/search?q={query}");
    let counts = |reader: &mut Browser| {
        let metrics = reader.get("/metrics").body;
        let value = |name: &str| -> u64 {
            let line = metrics.lines().find(|l| l.starts_with(name)).unwrap();
            line.rsplit(' ').next().unwrap().parse().unwrap()
        };
        (
            value("paperboy_search_cache_hits_total"),
            value("paperboy_search_cache_misses_total"),
        )
    };
    let first = reader.get(&path).body;
    assert!(first.contains(&format!("href=\"/papers/{id}\"")), "the paper is found");
    assert_eq!(reader.get(&path).body, first, "the same page again");
    assert_eq!(counts(&mut reader), (1, 1), "rendered once, then served from the cache");
    // A vote changes what pages show: searches are rendered afresh.
    let ana = account(&server, "ana_l", false);
    let mut api = bearer(&server, &api_token(&server, ana));
    assert_eq!(api.json("POST", &format!("/api/papers/{id}/upvote"), None).status, 200);
    reader.get(&path);
    assert_eq!(counts(&mut reader), (1, 2));
    // Another query is a page of its own.
    reader.get("/search?q=transformers");
    assert_eq!(counts(&mut reader), (1, 3));
}

#[test]
fn cached_pages_show_new_votes_and_comments_at_once() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let (id, imported) = listed_paper(&server);
    let card_votes = |body: &str| -> i64 {
        let card = body.find(&format!("action=\"/papers/{id}/upvote\"")).unwrap();
        let count = body[card..].find("class=\"count\">").unwrap() + card + 14;
        body[count..].split('<').next().unwrap().parse().unwrap()
    };
    let mut reader = Browser::new(&server.base_url);
    for _ in 0..2 {
        assert_eq!(card_votes(&reader.get("/date/2026-05-01").body), imported);
    }
    let metrics = reader.get("/metrics").body;
    assert!(
        !metrics.contains("paperboy_page_cache_hits_total 0\n"),
        "the second load was a hit"
    );
    let ana = account(&server, "ana_l", false);
    let mut api = bearer(&server, &api_token(&server, ana));
    assert_eq!(api.json("POST", &format!("/api/papers/{id}/upvote"), None).status, 200);
    assert_eq!(
        card_votes(&reader.get("/date/2026-05-01").body),
        imported + 1,
        "not stale"
    );
    // A personalised copy never leaks into the cache: the reader still sees sign-in links.
    let mut ana_web = Browser::new(&server.base_url);
    ana_web.sign_in("ana_l", PASSWORD);
    assert!(ana_web.get("/date/2026-05-01").body.contains("href=\"/u/ana_l\""));
    let anonymous = reader.get("/date/2026-05-01").body;
    assert!(!anonymous.contains("href=\"/u/ana_l\"") && anonymous.contains("href=\"/signin\""));
}

#[test]
fn search_results_show_votes_and_a_vote_button_that_works_signed_in() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let (id, imported) = listed_paper(&server);
    let title = Browser::new(&server.base_url).get(&format!("/api/papers/{id}")).json()["title"]
        .as_str()
        .unwrap()
        .to_string();
    let q: String = title
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join("+")
        .replace(['"', '&', '#', '?', '$', '\\'], "");
    let path = format!("/search?q={q}");
    let button = |body: &str| {
        let at = body
            .find(&format!("action=\"/papers/{id}/upvote\""))
            .unwrap_or_else(|| panic!("{id} is found with a vote button: {body}"));
        let end = at + body[at..].find("</form>").unwrap();
        body[at..end].to_string()
    };

    let mut reader = Browser::new(&server.base_url);
    let shown = button(&reader.get(&path).body);
    assert!(
        shown.contains(&format!("<span class=\"count\">{imported}</span>")),
        "{shown}"
    );

    let mut ana = Browser::new(&server.base_url);
    ana.sign_up("ana_s", "ana_s@example.org", PASSWORD);
    let shown = button(&ana.get(&path).body);
    let at = shown
        .find("name=\"csrf\" value=\"")
        .expect("the viewer's token is filled in")
        + 19;
    let csrf = shown[at..].split('"').next().unwrap().to_string();
    let reply = ana.post(&format!("/papers/{id}/upvote"), &[("csrf", &csrf)]);
    assert!(reply.status < 400, "{}", reply.status);
    assert_eq!(upvotes(&mut ana, &id), imported + 1);
    let after = button(&ana.get(&path).body);
    assert!(
        after.contains(&format!("<span class=\"count\">{}</span>", imported + 1)),
        "{after}"
    );

    // The same cached page serves the next visitor with their own token, never ana's.
    let other = reader.get(&path).body;
    assert!(!other.contains(&csrf), "one viewer's token never reaches another");
    assert!(button(&other).contains(&format!("<span class=\"count\">{}</span>", imported + 1)));
}
