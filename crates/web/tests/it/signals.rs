//! A reader's "For you" signals over the JSON API: follows, saved searches, "not interested"
//! marks, their export and deletion — each answering only about the caller's own rows.

use serde_json::{json, Value};
use support::browser::Browser;

use crate::community::{account, api_token, bearer, community_server, generous, listed_paper};
use crate::support;

fn ids(list: &Value, key: &str) -> Vec<i64> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn follows_are_created_once_listed_and_removed_only_by_their_owner() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let mut ana = bearer(&server, &api_token(&server, account(&server, "ana_l", false)));
    let mut bob = bearer(&server, &api_token(&server, account(&server, "bob_k", false)));

    let jane = ana.json("POST", "/api/follows", Some(json!({ "author": "Jane Doe" })));
    assert_eq!(jane.status, 201, "{}", jane.body);
    let jane = jane.json();
    assert_eq!(
        (jane["kind"].as_str(), jane["author"].as_str()),
        (Some("author"), Some("Jane Doe"))
    );
    let again = ana.json("POST", "/api/follows", Some(json!({ "author": "JANE DOE" })));
    assert_eq!(again.status, 200, "following again is no new follow: {}", again.body);
    assert_eq!(again.json()["id"], jane["id"]);
    let robotics = ana.json("POST", "/api/follows", Some(json!({ "category": "cs.RO" })));
    assert_eq!(robotics.status, 201, "{}", robotics.body);
    assert_eq!(robotics.json()["category"], "cs.RO");

    for bad in [
        json!({}),
        json!({ "author": "Jane", "category": "cs.RO" }),
        json!({ "author": "   " }),
        json!({ "category": "cs RO<script>" }),
        json!({ "author": "x".repeat(301) }),
        json!({ "author": "Jane", "colour": "red" }),
        json!({ "author": "Jane", "category": null }),
    ] {
        let refused = ana.json("POST", "/api/follows", Some(bad.clone()));
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
        assert!(
            refused.json()["error"].as_str().unwrap().len() > 10,
            "a message that says why"
        );
    }

    let listed = ana.get("/api/follows").json();
    assert_eq!(ids(&listed, "follows").len(), 2);
    assert!(
        ids(&bob.get("/api/follows").json(), "follows").is_empty(),
        "bob sees none of ana's"
    );
    let jane_id = jane["id"].as_i64().unwrap();
    let stolen = bob.json("DELETE", &format!("/api/follows/{jane_id}"), None);
    assert_eq!(stolen.status, 404, "bob cannot remove ana's follow: {}", stolen.body);
    assert_eq!(ids(&ana.get("/api/follows").json(), "follows").len(), 2);
    assert_eq!(ana.json("DELETE", &format!("/api/follows/{jane_id}"), None).status, 204);
    assert_eq!(ana.json("DELETE", &format!("/api/follows/{jane_id}"), None).status, 404);
    assert_eq!(ana.json("DELETE", "/api/follows/abc", None).status, 400);

    let anonymous = Browser::new(&server.base_url).get("/api/follows");
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
}

#[test]
fn saved_searches_are_named_replaced_by_name_and_private() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let mut ana = bearer(&server, &api_token(&server, account(&server, "ana_l", false)));
    let mut bob = bearer(&server, &api_token(&server, account(&server, "bob_k", false)));
    let video = ana.json(
        "POST",
        "/api/saved-searches",
        Some(json!({ "name": "diffusion video", "q": "video diffusion", "mode": "hybrid" })),
    );
    assert_eq!(video.status, 201, "{}", video.body);
    let video = video.json();
    assert_eq!(
        (video["q"].as_str(), video["mode"].as_str()),
        (Some("video diffusion"), Some("hybrid"))
    );
    let replaced = ana.json(
        "POST",
        "/api/saved-searches",
        Some(json!({ "name": "diffusion video", "q": "text to video", "mode": "keyword" })),
    );
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.json()["id"], video["id"]);
    assert_eq!(replaced.json()["mode"], "lexical", "keyword is the lexical mode");
    let defaulted = ana.json(
        "POST",
        "/api/saved-searches",
        Some(json!({ "name": "robots", "q": "robot learning" })),
    );
    assert_eq!(defaulted.json()["mode"], "hybrid");
    for bad in [
        json!({ "name": "", "q": "x" }),
        json!({ "name": "n", "q": "  " }),
        json!({ "name": "n", "q": "x", "mode": "psychic" }),
        json!({ "q": "x" }),
        json!({ "name": "n", "q": "x".repeat(1001) }),
        json!({ "name": "n", "q": "x", "mode": null }),
    ] {
        let refused = ana.json("POST", "/api/saved-searches", Some(bad.clone()));
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
    }
    let listed = ana.get("/api/saved-searches").json();
    let names: Vec<&str> = listed["saved_searches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["diffusion video", "robots"]);
    assert!(ids(&bob.get("/api/saved-searches").json(), "saved_searches").is_empty());
    let id = video["id"].as_i64().unwrap();
    assert_eq!(
        bob.json("DELETE", &format!("/api/saved-searches/{id}"), None).status,
        404
    );
    assert_eq!(
        ana.json("DELETE", &format!("/api/saved-searches/{id}"), None).status,
        204
    );
    assert_eq!(ids(&ana.get("/api/saved-searches").json(), "saved_searches").len(), 1);
}

#[test]
fn not_interested_marks_export_and_deletion_belong_to_the_caller() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let ana_id = account(&server, "ana_l", false);
    let mut ana = bearer(&server, &api_token(&server, ana_id));
    let mut bob = bearer(&server, &api_token(&server, account(&server, "bob_k", false)));
    let (paper, _) = listed_paper(&server);
    let path = format!("/api/papers/{paper}/not-interested");

    let marked = ana.json("POST", &path, None);
    assert_eq!(marked.status, 200, "{}", marked.body);
    assert_eq!(
        marked.json(),
        json!({ "id": paper, "not_interested": true, "changed": true })
    );
    assert_eq!(ana.json("POST", &path, None).json()["changed"], false);
    assert_eq!(
        ana.json("POST", "/api/papers/2605.99999/not-interested", None).status,
        404
    );
    assert_eq!(Browser::new(&server.base_url).json("POST", &path, None).status, 401);
    ana.json("POST", "/api/follows", Some(json!({ "category": "cs.RO" })));
    ana.json(
        "POST",
        "/api/saved-searches",
        Some(json!({ "name": "robots", "q": "robot learning" })),
    );
    ana.json("POST", &format!("/api/papers/{paper}/upvote"), None);

    let export = ana.get("/api/signals").json();
    assert_eq!(export["user"], "ana_l");
    assert_eq!(export["not_interested"][0]["paper_id"], paper.as_str());
    assert_eq!(export["follows"][0]["category"], "cs.RO");
    assert_eq!(export["saved_searches"][0]["q"], "robot learning");
    assert_eq!(export["upvoted"], json!([paper]));
    let bobs = bob.get("/api/signals").json();
    assert!(bobs["not_interested"].as_array().unwrap().is_empty(), "{bobs}");
    assert!(bobs["follows"].as_array().unwrap().is_empty(), "{bobs}");

    // Undone one by one, or all at once.
    let undone = ana.json("DELETE", &path, None);
    assert_eq!(undone.json()["changed"], true, "{}", undone.body);
    ana.json("POST", &path, None);
    bob.json("POST", "/api/follows", Some(json!({ "author": "Jane Doe" })));
    let deleted = ana.json("DELETE", "/api/signals", None);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(
        deleted.json()["deleted"],
        json!({ "follows": 1, "saved_searches": 1, "not_interested": 1 })
    );
    let after = ana.get("/api/signals").json();
    assert!(after["follows"].as_array().unwrap().is_empty());
    assert_eq!(after["upvoted"], json!([paper]), "upvotes stay");
    assert_eq!(ids(&bob.get("/api/follows").json(), "follows").len(), 1, "bob's stay");
}

#[test]
fn settings_forms_manage_every_signal_without_script_and_feed_links_can_be_revoked() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let mut ana = Browser::new(&server.base_url);
    assert_eq!(
        ana.sign_up("ana_l", "ana@example.org", crate::community::PASSWORD)
            .status,
        303
    );
    let (paper, _) = listed_paper(&server);

    // Follow from an author's page, and come back to it.
    let author = Browser::new(&server.base_url)
        .get(&format!("/api/papers/{paper}"))
        .json()["authors"][0]
        .as_str()
        .unwrap()
        .to_string();
    let author_path = format!("/authors/{}", author.replace(' ', "%20"));
    let author_page = ana.get(&author_path);
    let csrf = author_page.csrf();
    assert!(
        author_page.body.contains(&format!("Follow {author}")),
        "{}",
        author_page.body
    );
    let followed = ana.post(
        "/settings/for-you/follow",
        &[
            ("csrf", &csrf),
            ("kind", "author"),
            ("value", &author),
            ("next", &author_path),
        ],
    );
    assert_eq!(followed.status, 303, "{}", followed.body);
    assert_eq!(followed.location.as_deref(), Some(author_path.as_str()));
    let offsite = ana.post(
        "/settings/for-you/follow",
        &[
            ("csrf", &csrf),
            ("kind", "category"),
            ("value", "cs.RO"),
            ("next", "https://evil.example/"),
        ],
    );
    assert_eq!(
        offsite.location.as_deref(),
        Some("/settings/for-you"),
        "no open redirect"
    );
    // Save a search from the results page.
    let results = ana.get("/search?q=robot+learning");
    assert!(results.body.contains("Save this search"));
    let saved = ana.post(
        "/settings/for-you/search",
        &[
            ("csrf", &results.csrf()),
            ("name", "robots"),
            ("q", "robot learning"),
            ("next", "/for-you"),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = ana.get("/settings/for-you");
    assert_eq!(page.status, 200);
    for shown in [author.as_str(), "cs.RO", "robot learning"] {
        assert!(page.body.contains(shown), "{shown} on the settings page");
    }
    let csrf = page.csrf();
    let marked = ana.post("/for-you/not-interested", &[("csrf", &csrf), ("id", &paper)]);
    assert_eq!(marked.status, 303);
    assert!(ana
        .get("/settings/for-you")
        .body
        .contains(&format!("href=\"/papers/{paper}\"")));
    let undone = ana.post(
        "/for-you/not-interested",
        &[("csrf", &csrf), ("id", &paper), ("undo", "1")],
    );
    assert_eq!(undone.status, 303);
    assert!(!ana
        .get("/settings/for-you")
        .body
        .contains(&format!("href=\"/papers/{paper}\"")));

    // A private feed link: shown once, reads the list without a session, revoked at once.
    let made = ana.post("/settings/for-you/feed", &[("csrf", &csrf), ("label", "my reader")]);
    assert_eq!(made.status, 200, "{}", made.body);
    let link = made
        .body
        .split("id=\"new-feed-link\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let path = link.split_once("://").unwrap().1.split_once('/').unwrap().1;
    let feed = Browser::new(&server.base_url).get(&format!("/{path}"));
    assert_eq!(feed.status, 200, "{}", feed.body);
    assert!(feed
        .header("content-type")
        .unwrap_or_default()
        .starts_with("application/atom+xml"));
    assert!(feed.body.contains("<entry>"), "the list has papers");
    let searches = bearer(
        &server,
        &api_token(&server, server.store.user_by_name("ana_l").unwrap().unwrap().id),
    )
    .get("/api/saved-searches")
    .json();
    let search_id = searches["saved_searches"][0]["id"].as_i64().unwrap();
    let search_feed = Browser::new(&server.base_url).get(&format!("/{path}&search={search_id}"));
    assert_eq!(search_feed.status, 200, "{}", search_feed.body);
    assert!(
        search_feed.body.contains("Saved search “robots”"),
        "{}",
        search_feed.body
    );
    let json_feed = Browser::new(&server.base_url).get(&format!("/{}", path.replace(".atom", ".json")));
    assert_eq!(json_feed.json()["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(
        Browser::new(&server.base_url)
            .get("/feeds/for-you.atom?token=nope")
            .status,
        404
    );
    assert_eq!(Browser::new(&server.base_url).get("/feeds/for-you.atom").status, 404);
    let settings = ana.get("/settings/for-you");
    let id = settings
        .body
        .split("action=\"/settings/for-you/feed/revoke\">")
        .nth(1)
        .unwrap();
    let id = id
        .split("name=\"id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let revoked = ana.post(
        "/settings/for-you/feed/revoke",
        &[("csrf", &settings.csrf()), ("id", &id)],
    );
    assert_eq!(revoked.status, 303);
    assert_eq!(
        Browser::new(&server.base_url).get(&format!("/{path}")).status,
        404,
        "revoked at once"
    );

    // Forget everything.
    let forgot = ana.post("/settings/for-you/forget", &[("csrf", &settings.csrf())]);
    assert_eq!(forgot.status, 303);
    let empty = ana.get("/settings/for-you");
    assert!(empty.body.contains("You follow no author or category yet"));
    assert!(empty.body.contains("No saved searches yet"));
    assert_eq!(
        Browser::new(&server.base_url).get("/settings/for-you").status,
        303,
        "signed out: to sign-in"
    );
}

/// The first author of a paper of the 1 May list, and their page's path.
fn listed_author(server: &support::TestServer) -> (String, String) {
    let (paper, _) = listed_paper(server);
    let author = Browser::new(&server.base_url)
        .get(&format!("/api/papers/{paper}"))
        .json()["authors"][0]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/authors/{}", paperboy_domain::text::percent_encode(&author));
    (author, path)
}

#[test]
fn follow_and_save_search_are_a_sign_in_link_for_visitors_and_a_form_for_readers() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let (author, author_path) = listed_author(&server);
    let encoded = paperboy_domain::text::percent_encode;
    let mut visitor = Browser::new(&server.base_url);

    // A visitor: a link to sign in that comes back to the author's page; no form to fail.
    let page = visitor.get(&author_path);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!(
            "<a href=\"/signin?next={}\">Sign in to follow {author}</a>",
            encoded(&author_path)
        )),
        "{}",
        page.body
    );
    assert!(!page.body.contains("action=\"/settings/for-you/follow\""));
    let sign_in = visitor.get(&format!("/signin?next={}", encoded(&author_path)));
    assert!(
        sign_in.body.contains(&format!("name=\"next\" value=\"{author_path}\"")),
        "the sign-in form comes back to the author's page"
    );
    // A form posted anyway (a page kept open since signing out) is sent to sign in, and the
    // API says what to do.
    let posted = visitor.post(
        "/settings/for-you/follow",
        &[("kind", "author"), ("value", &author), ("next", &author_path)],
    );
    assert_eq!(posted.status, 303, "{}", posted.body);
    assert_eq!(posted.location, Some(format!("/signin?next={}", encoded(&author_path))));
    let api = visitor.json("POST", "/api/follows", Some(json!({ "author": author })));
    assert_eq!(api.status, 401);
    assert_eq!(api.json()["error"], "Please sign in first.");

    // A reader: the working form; once followed, "Following" and a way back.
    let mut ana = Browser::new(&server.base_url);
    assert_eq!(
        ana.sign_up("ana_l", "ana@example.org", crate::community::PASSWORD)
            .status,
        303
    );
    let page = ana.get(&author_path);
    assert!(
        page.body.contains("action=\"/settings/for-you/follow\""),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!(">Follow {author}</button>")));
    assert!(!page.body.contains("Sign in to follow"));
    let followed = ana.post(
        "/settings/for-you/follow",
        &[
            ("csrf", &page.csrf()),
            ("kind", "author"),
            ("value", &author),
            ("next", &author_path),
        ],
    );
    assert_eq!(followed.status, 303, "{}", followed.body);
    assert_eq!(followed.location.as_deref(), Some(author_path.as_str()));
    let page = ana.get(&author_path);
    assert!(page.body.contains(&format!("Following {author}")), "{}", page.body);
    assert!(page.body.contains(">Unfollow</button>"));
    assert!(!page.body.contains(&format!(">Follow {author}</button>")));
    // The page is cached for everyone, but the visitor still gets only the link.
    let again = visitor.get(&author_path);
    assert!(again.body.contains("Sign in to follow") && !again.body.contains("Following"));
    let id = page
        .body
        .split("action=\"/settings/for-you/unfollow\">")
        .nth(1)
        .unwrap()
        .split("name=\"id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let unfollowed = ana.post(
        "/settings/for-you/unfollow",
        &[("csrf", &page.csrf()), ("id", &id), ("next", &author_path)],
    );
    assert_eq!(unfollowed.status, 303, "{}", unfollowed.body);
    assert_eq!(unfollowed.location.as_deref(), Some(author_path.as_str()));
    assert!(ana
        .get(&author_path)
        .body
        .contains(&format!(">Follow {author}</button>")));

    // "Save this search": the same for a search's results.
    let search = "/search?q=robot&mode=keyword";
    let comes_back = "/search?q=robot&mode=lexical";
    let results = visitor.get(search);
    assert!(
        results.body.contains(&format!(
            "<a href=\"/signin?next={}\">Sign in to save this search</a>",
            encoded(comes_back)
        )),
        "{}",
        results.body
    );
    assert!(!results.body.contains("action=\"/settings/for-you/search\""));
    let posted = visitor.post("/settings/for-you/search", &[("name", "r"), ("q", "robot")]);
    assert_eq!(posted.status, 303, "{}", posted.body);
    assert_eq!(posted.location.as_deref(), Some("/signin?next=%2Ffor-you"));
    let api = visitor.json(
        "POST",
        "/api/saved-searches",
        Some(json!({ "name": "r", "q": "robot" })),
    );
    assert_eq!(api.status, 401);
    assert_eq!(api.json()["error"], "Please sign in first.");

    let results = ana.get(search);
    assert!(results.body.contains(">Save this search</button>"), "{}", results.body);
    assert!(results.body.contains("name=\"mode\" value=\"lexical\""));
    let saved = ana.post(
        "/settings/for-you/search",
        &[
            ("csrf", &results.csrf()),
            ("name", "robot"),
            ("q", "robot"),
            ("mode", "lexical"),
            ("next", "/for-you"),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/for-you"));
    let results = ana.get(search);
    assert!(results
        .body
        .contains("Saved as <a href=\"/settings/for-you#searches\">robot</a>"));
    assert!(!results.body.contains(">Save this search</button>"));
    assert!(
        ana.get("/search?q=robot").body.contains(">Save this search</button>"),
        "the same words in another mode are another search"
    );
    assert!(visitor.get(search).body.contains("Sign in to save this search"));
}

#[test]
fn follows_and_upvotes_show_on_the_profile_only_when_the_reader_makes_them_public() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let mut ana = Browser::new(&server.base_url);
    assert_eq!(
        ana.sign_up("ana_l", "ana@example.org", crate::community::PASSWORD)
            .status,
        303
    );
    let ana_id = server.store.user_by_name("ana_l").unwrap().unwrap().id;
    let mut api = bearer(&server, &api_token(&server, ana_id));
    let mut bob = bearer(&server, &api_token(&server, account(&server, "bob_k", false)));
    let mut visitor = Browser::new(&server.base_url);
    let (paper, _) = listed_paper(&server);
    api.json("POST", "/api/follows", Some(json!({ "author": "Jane Q. Doe" })));
    api.json("POST", "/api/follows", Some(json!({ "category": "cs.RO" })));
    api.json(
        "POST",
        "/api/saved-searches",
        Some(json!({ "name": "secret words", "q": "robot hands" })),
    );
    assert_eq!(
        api.json("POST", &format!("/api/papers/{paper}/upvote"), None).status,
        200
    );
    let shows_signals = |body: &str| {
        let follows = body.contains("Jane Q. Doe") && body.contains("cs.RO") && body.contains("<h2>Follows</h2>");
        let upvotes = body.contains("<h2>Upvoted</h2>") && body.contains(&format!("href=\"/papers/{paper}\""));
        assert_eq!(follows, upvotes, "follows and upvotes go together: {body}");
        assert!(
            !body.contains("secret words") && !body.contains("robot hands"),
            "saved searches never show"
        );
        follows
    };

    // Private by default: only Ana sees them, and is told so.
    assert_eq!(api.get("/api/signals").json()["private"], true);
    assert_eq!(api.get("/api/signals/privacy").json(), json!({ "private": true }));
    for (who, client) in [("bob", &mut bob), ("a visitor", &mut visitor)] {
        let profile = client.get("/u/ana_l");
        assert_eq!(profile.status, 200);
        assert!(!shows_signals(&profile.body), "{who} sees Ana's private signals");
    }
    let own = ana.get("/u/ana_l");
    assert!(shows_signals(&own.body), "Ana sees her own");
    assert!(own.body.contains("only you see them"), "{}", own.body);
    let settings = ana.get("/settings/for-you");
    assert!(settings
        .body
        .contains("name=\"private\" value=\"1\" aria-describedby=\"signals-privacy-help\" checked"));

    // Made public from the For you settings: everyone sees both, and the export says so.
    let made_public = ana.post(
        "/settings/privacy",
        &[("csrf", &settings.csrf()), ("next", "/settings/for-you#privacy")],
    );
    assert_eq!(made_public.status, 303, "{}", made_public.body);
    assert_eq!(made_public.location.as_deref(), Some("/settings/for-you#privacy"));
    assert_eq!(api.get("/api/signals").json()["private"], false);
    for client in [&mut bob, &mut visitor] {
        assert!(shows_signals(&client.get("/u/ana_l").body));
    }
    assert!(!ana.get("/u/ana_l").body.contains("only you see them"));
    assert!(ana
        .get("/settings")
        .body
        .contains("name=\"private\" value=\"1\" aria-describedby=\"privacy-help\" >"));

    // Private again from /settings, then public and private over the API.
    let csrf = ana.page_csrf("/settings");
    let made_private = ana.post("/settings/privacy", &[("csrf", &csrf), ("private", "1")]);
    assert_eq!(made_private.location.as_deref(), Some("/settings"));
    assert!(!shows_signals(&visitor.get("/u/ana_l").body));
    let put = api.json("PUT", "/api/signals/privacy", Some(json!({ "private": false })));
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(put.json(), json!({ "private": false }));
    assert!(shows_signals(&bob.get("/u/ana_l").body));
    assert_eq!(
        api.json("PUT", "/api/signals/privacy", Some(json!({ "private": true })))
            .json(),
        json!({ "private": true })
    );
    assert!(!shows_signals(&bob.get("/u/ana_l").body));
    assert_eq!(api.get("/api/signals").json()["private"], true);

    for bad in [
        json!({}),
        json!({ "private": "yes" }),
        json!({ "private": null }),
        json!({ "private": false, "everything": true }),
    ] {
        let refused = api.json("PUT", "/api/signals/privacy", Some(bad.clone()));
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
    }
    assert!(
        !shows_signals(&bob.get("/u/ana_l").body),
        "a refused change changes nothing"
    );
    let anonymous = visitor.json("PUT", "/api/signals/privacy", Some(json!({ "private": false })));
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    let unchecked = ana.json("PUT", "/api/signals/privacy", Some(json!({ "private": false })));
    assert_eq!(
        unchecked.status, 403,
        "a session without the CSRF header: {}",
        unchecked.body
    );
    assert!(!shows_signals(&bob.get("/u/ana_l").body));
}

#[test]
fn each_revoke_button_revokes_only_its_own_kind_of_token() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let mut ana = Browser::new(&server.base_url);
    assert_eq!(
        ana.sign_up("ana_l", "ana@example.org", crate::community::PASSWORD)
            .status,
        303
    );
    let csrf = ana.page_csrf("/settings");
    let made = ana.post("/settings/tokens", &[("csrf", &csrf), ("label", "script")]);
    let token = made
        .body
        .split("id=\"new-token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let made = ana.post("/settings/for-you/feed", &[("csrf", &csrf), ("label", "reader")]);
    let link = made
        .body
        .split("id=\"new-feed-link\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let feed = format!("/{}", link.split_once("://").unwrap().1.split_once('/').unwrap().1);
    let ana_id = server.store.user_by_name("ana_l").unwrap().unwrap().id;
    let id_of = |kind| server.store.tokens(ana_id, kind).unwrap()[0].id.to_string();
    let (api_id, feed_id, session_id) = (
        id_of(paperboy_store::TokenKind::Api),
        id_of(paperboy_store::TokenKind::Feed),
        id_of(paperboy_store::TokenKind::Session),
    );
    let works = |path: &str, with_token: bool| {
        let mut client = if with_token {
            bearer(&server, &token)
        } else {
            Browser::new(&server.base_url)
        };
        client.get(path).status == 200
    };
    assert!(works("/api/follows", true) && works(&feed, false));

    // The feed links' button, given the API token's or the session's id: nothing happens.
    for id in [&api_id, &session_id] {
        let wrong = ana.post("/settings/for-you/feed/revoke", &[("csrf", &csrf), ("id", id)]);
        assert_eq!(wrong.status, 404, "{}", wrong.body);
    }
    // The API tokens' button, given the feed link's or the session's id: nothing either.
    for id in [&feed_id, &session_id] {
        let wrong = ana.post(&format!("/settings/tokens/{id}/revoke"), &[("csrf", &csrf)]);
        assert_eq!(wrong.status, 404, "{}", wrong.body);
    }
    assert!(works("/api/follows", true) && works(&feed, false), "both still work");
    assert_eq!(ana.get("/settings").status, 200, "still signed in");

    // Each revoked by its own button.
    let revoked = ana.post("/settings/for-you/feed/revoke", &[("csrf", &csrf), ("id", &feed_id)]);
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    assert!(!works(&feed, false) && works("/api/follows", true));
    let revoked = ana.post(&format!("/settings/tokens/{api_id}/revoke"), &[("csrf", &csrf)]);
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    assert!(!works("/api/follows", true));
}

#[test]
fn a_saved_search_digest_is_set_by_its_owner_only() {
    let Some(server) = community_server(generous(), None) else {
        return;
    };
    let mut ana = bearer(&server, &api_token(&server, account(&server, "ana_l", false)));
    let mut bob = bearer(&server, &api_token(&server, account(&server, "bob_k", false)));
    let robots = json!({ "name": "robots", "q": "robot learning", "digest": "daily" });
    let saved = ana.json("POST", "/api/saved-searches", Some(robots));
    assert_eq!(saved.status, 201, "{}", saved.body);
    let saved = saved.json();
    assert_eq!(saved["digest"], "daily");
    let ana_search = saved["id"].as_i64().unwrap();
    let plain = ana.json(
        "POST",
        "/api/saved-searches",
        Some(json!({ "name": "plain", "q": "x" })),
    );
    assert_eq!(plain.json()["digest"], "off", "no digest unless asked");
    for bad in [
        json!({ "name": "robots", "q": "robot learning", "digest": null }),
        json!({ "name": "robots", "q": "robot learning", "digest": "hourly" }),
    ] {
        let refused = ana.json("POST", "/api/saved-searches", Some(bad.clone()));
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
    }
    let digest_of = |reader: &mut support::browser::Browser, id: i64| -> Option<String> {
        reader.get("/api/saved-searches").json()["saved_searches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"].as_i64() == Some(id))
            .map(|s| s["digest"].as_str().unwrap().to_string())
    };
    assert_eq!(
        digest_of(&mut ana, ana_search).as_deref(),
        Some("daily"),
        "refused input changed nothing"
    );

    // Bob's search of the same name is his own; ana's keeps its digest.
    let his = bob.json(
        "POST",
        "/api/saved-searches",
        Some(json!({ "name": "robots", "q": "robot learning", "digest": "weekly" })),
    );
    assert_eq!(his.status, 201, "{}", his.body);
    assert_ne!(his.json()["id"].as_i64(), Some(ana_search));
    assert_eq!(digest_of(&mut ana, ana_search).as_deref(), Some("daily"));

    // Nor can bob's session set ana's through the settings form.
    let mut bob_page = Browser::new(&server.base_url);
    assert_eq!(
        bob_page
            .sign_up("bob_m", "bob@example.org", crate::community::PASSWORD)
            .status,
        303
    );
    let csrf = bob_page.get("/settings/for-you").csrf();
    let id = ana_search.to_string();
    let stolen = bob_page.post(
        "/settings/for-you/search/digest",
        &[("csrf", &csrf), ("id", &id), ("digest", "off")],
    );
    assert_eq!(stolen.status, 404, "{}", stolen.body);
    assert_eq!(digest_of(&mut ana, ana_search).as_deref(), Some("daily"));
}
