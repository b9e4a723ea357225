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
