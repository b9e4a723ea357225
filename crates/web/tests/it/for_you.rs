//! "For you" over HTTP with the real embedding model, on real papers of one announcement day:
//! signals change the ranking as documented, every card says why it is there, and nobody sees
//! another reader's list.

use std::path::PathBuf;

use serde_json::{json, Value};
use support::browser::Browser;

use crate::community::{account, api_token, bearer};
use crate::support::{self, metric, shared_data, wait_for_metric, TestServer};

/// The day the papers are announced on (the test's window).
const DAY: &str = "2026-05-05";

/// Papers of arXiv's 5 May 2026 listing: every robotics paper (cs.RO among its categories) and
/// the first 30 computational-linguistics papers that are not robotics, as a paperboy JSON lines
/// file announced that day.
fn papers(dir: &std::path::Path) -> Option<(PathBuf, Vec<String>)> {
    let data = shared_data()?;
    let raw = std::fs::read(data.join("arxiv-listings/2026-05-05.jsonl.gz")).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(raw.as_slice()), &mut text).unwrap();
    let rows: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let has = |r: &Value, c: &str| r["categories"].as_array().unwrap().iter().any(|x| x == c);
    // A listing names a paper once per category it is announced in: each id once.
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<&Value> = rows.iter().filter(|r| seen.insert(r["id"].clone())).collect();
    let robotics: Vec<&Value> = rows.iter().copied().filter(|r| has(r, "cs.RO")).collect();
    let language: Vec<&Value> = rows
        .iter()
        .copied()
        .filter(|r| has(r, "cs.CL") && !has(r, "cs.RO"))
        .take(30)
        .collect();
    assert!(robotics.len() >= 6, "{}", robotics.len());
    let mut lines = String::new();
    for row in robotics.iter().chain(&language) {
        let paper = json!({
            "id": row["id"], "version": 1, "title": row["title"], "abstract": row["summary"],
            "authors": row["authors"], "categories": row["categories"],
            "published": format!("{DAY}T00:00:00Z"), "announced": DAY, "upvotes": 0,
        });
        lines.push_str(&format!("{paper}\n"));
    }
    let file = dir.join("papers.jsonl");
    std::fs::write(&file, lines).unwrap();
    let robotics_ids = robotics.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    Some((file, robotics_ids))
}

fn ranked(client: &mut Browser) -> Vec<Value> {
    let reply = client.get("/api/for-you?days=1&limit=100");
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["results"].as_array().unwrap().clone()
}

fn ids(results: &[Value]) -> Vec<String> {
    results.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

/// How many of the first `n` results are robotics papers.
fn robotics_in_top(results: &[Value], robotics: &[String], n: usize) -> usize {
    ids(results).iter().take(n).filter(|id| robotics.contains(id)).count()
}

/// The mean place (from 0) of the robotics papers other than `liked`.
fn mean_rank(results: &[Value], robotics: &[String], liked: &str) -> f64 {
    let places: Vec<usize> = ids(results)
        .iter()
        .enumerate()
        .filter(|(_, id)| robotics.contains(id) && id.as_str() != liked)
        .map(|(i, _)| i)
        .collect();
    places.iter().sum::<usize>() as f64 / places.len().max(1) as f64
}

pub(crate) fn server() -> Option<(TestServer, Vec<String>, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let (file, robotics) = papers(dir.path())?;
    Some((TestServer::with_semantic_data(&[file]), robotics, dir))
}

#[test]
fn an_upvote_moves_similar_papers_up_and_not_interested_removes_a_paper_and_lowers_its_neighbours() {
    let Some((server, robotics, _dir)) = server() else {
        return;
    };
    let mut ana = bearer(&server, &api_token(&server, account(&server, "ana_l", false)));
    let cold = ana.get("/api/for-you?days=1&limit=100").json();
    assert_eq!(cold["cold_start"], true, "{cold}");
    assert_eq!(cold["semantic"], true);
    assert_eq!(cold["total"], robotics.len() + 30);
    let before = robotics_in_top(cold["results"].as_array().unwrap(), &robotics, 5);

    let liked = &robotics[0];
    let voted = ana.json("POST", &format!("/api/papers/{liked}/upvote"), None);
    assert_eq!(voted.status, 200, "{}", voted.body);
    let after = ranked(&mut ana);
    assert!(!ids(&after).contains(liked), "a liked paper is not recommended back");
    let moved = robotics_in_top(&after, &robotics, 5);
    assert!(
        moved >= 3 && moved > before,
        "robotics in the top 5: {before} before the upvote, {moved} after"
    );
    let (was, is) = (
        mean_rank(cold["results"].as_array().unwrap(), &robotics, liked),
        mean_rank(&after, &robotics, liked),
    );
    assert!(
        is < was / 2.0,
        "the robotics papers' mean place: {was} before the upvote, {is} after"
    );
    let reasons = after[0]["reasons"].as_array().unwrap();
    assert!(
        reasons.contains(&json!(format!("like {liked} you upvoted"))),
        "the first card says why: {reasons:?}"
    );
    for field in ["id", "title", "score", "reasons", "authors", "abstract"] {
        assert!(after[0].get(field).is_some(), "{field} in {}", after[0]);
    }

    // "Not interested" in the first: gone, and the robotics papers after it score lower.
    let dismissed = after[0]["id"].as_str().unwrap().to_string();
    let neighbour = after[1]["id"].as_str().unwrap().to_string();
    let neighbour_score = after[1]["score"].as_f64().unwrap();
    let marked = ana.json("POST", &format!("/api/papers/{dismissed}/not-interested"), None);
    assert_eq!(marked.status, 200, "{}", marked.body);
    let later = ranked(&mut ana);
    assert!(!ids(&later).contains(&dismissed));
    let now = later.iter().find(|r| r["id"] == neighbour.as_str()).unwrap()["score"]
        .as_f64()
        .unwrap();
    assert!(
        now < neighbour_score,
        "{neighbour}: {neighbour_score} before, {now} after"
    );
    // Undone, it is back.
    ana.json("DELETE", &format!("/api/papers/{dismissed}/not-interested"), None);
    assert!(ids(&ranked(&mut ana)).contains(&dismissed));
}

#[test]
fn followed_authors_and_saved_searches_surface_and_say_so_for_their_reader_only() {
    let Some((server, robotics, _dir)) = server() else {
        return;
    };
    let mut ana = bearer(&server, &api_token(&server, account(&server, "ana_l", false)));
    let mut bob = bearer(&server, &api_token(&server, account(&server, "bob_k", false)));
    let cold = ranked(&mut ana);
    // The last paper of the cold list, by its first author, followed: first now.
    let last = cold.last().unwrap();
    let author = last["authors"][0].as_str().unwrap().to_string();
    let followed = ana.json("POST", "/api/follows", Some(json!({ "author": author })));
    assert_eq!(followed.status, 201, "{}", followed.body);
    let saved = ana.json(
        "POST",
        "/api/saved-searches",
        Some(json!({ "name": "robots", "q": "robot", "mode": "keyword" })),
    );
    assert_eq!(saved.status, 201, "{}", saved.body);
    let after = ranked(&mut ana);
    let by_author = after.iter().position(|r| r["id"] == last["id"]).unwrap();
    let surfaced = after.iter().take_while(|r| r["surfaced"] == true).count();
    assert!(
        by_author < surfaced,
        "the followed author's paper is among the surfaced ({by_author} of {surfaced})"
    );
    assert!(after[by_author]["reasons"]
        .as_array()
        .unwrap()
        .contains(&json!(format!("by {author}, whom you follow"))));
    let matching: Vec<&Value> = after
        .iter()
        .filter(|r| {
            r["reasons"]
                .as_array()
                .unwrap()
                .contains(&json!("matches your saved search 'robots'"))
        })
        .collect();
    assert!(!matching.is_empty(), "papers that say 'robot' match the saved search");
    for paper in &matching {
        let text = format!("{} {}", paper["title"], paper["abstract"]).to_lowercase();
        assert!(text.contains("robot"), "{}", paper["id"]);
        assert_eq!(paper["surfaced"], true);
    }
    assert!(robotics_in_top(&after, &robotics, 3) >= 1);

    // Bob told paperboy nothing: his list is the cold one, with no reasons of Ana's.
    let bobs = bob.get("/api/for-you?days=1&limit=100").json();
    assert_eq!(bobs["cold_start"], true);
    assert!(
        bobs["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["reasons"] == json!([])),
        "{bobs}"
    );
    assert_eq!(Browser::new(&server.base_url).get("/api/for-you").status, 401);
    assert_eq!(ana.get("/api/for-you?days=0").status, 400);
    assert_eq!(ana.get("/api/for-you?p=x").status, 400);
}

#[test]
fn the_page_lists_reasons_and_its_not_interested_button_works_without_script() {
    let Some((server, robotics, _dir)) = server() else {
        return;
    };
    let anonymous = Browser::new(&server.base_url).get("/for-you");
    assert_eq!(anonymous.status, 303, "signed out, the page sends to sign-in");
    let mut ana = Browser::new(&server.base_url);
    assert_eq!(
        ana.sign_up("ana_l", "ana@example.org", crate::community::PASSWORD)
            .status,
        303
    );
    let liked = &robotics[0];
    let mut api = bearer(
        &server,
        &api_token(&server, server.store.user_by_name("ana_l").unwrap().unwrap().id),
    );
    api.json("POST", &format!("/api/papers/{liked}/upvote"), None);
    let page = ana.get("/for-you?days=1");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!("like {liked} you upvoted")),
        "reasons on the cards"
    );
    let first = ranked(&mut api)[0]["id"].as_str().unwrap().to_string();
    assert!(page.body.contains(&format!("name=\"id\" value=\"{first}\"")));
    let csrf = page.csrf();
    let dismissed = ana.post("/for-you/not-interested", &[("csrf", &csrf), ("id", &first)]);
    assert_eq!(dismissed.status, 303, "{}", dismissed.body);
    let again = ana.get("/for-you?days=1");
    assert!(
        !again.body.contains(&format!("href=\"/papers/{first}\"")),
        "the dismissed paper is gone"
    );
    let signed_out = Browser::new(&server.base_url).post("/for-you/not-interested", &[("id", &first)]);
    assert_eq!(signed_out.status, 401, "{}", signed_out.body);
    let forged = ana.post("/for-you/not-interested", &[("csrf", "forged"), ("id", &first)]);
    assert_eq!(forged.status, 403, "{}", forged.body);
}

#[test]
fn the_default_window_is_made_before_its_first_reader_asks() {
    let dir = tempfile::tempdir().unwrap();
    let Some((file, robotics)) = papers(dir.path()) else {
        return;
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let warmer_stop = std::sync::Arc::clone(&stop);
    let server = TestServer::with_searcher_and(
        &[file],
        |dir, _| paperboy_search::Searcher::open(dir).unwrap(),
        move |state, _| {
            paperboy_web::keep_for_you_warm(&state, std::time::Duration::from_millis(100), warmer_stop);
            state
        },
    );
    const ANALYSED: &str = "paperboy_for_you_windows_analysed_total";
    wait_for_metric(&server, ANALYSED, |made| made >= 1);
    let made = metric(&server, ANALYSED);
    // The first reader's request (the default window) finds it ready: nothing is analysed again.
    let mut ana = bearer(&server, &api_token(&server, account(&server, "ana_w", false)));
    let reply = ana.get("/api/for-you");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["total"], robotics.len() + 30, "{}", reply.body);
    assert_eq!(metric(&server, ANALYSED), made, "the request analysed the window again");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
}
