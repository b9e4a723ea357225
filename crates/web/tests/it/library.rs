//! Readers' libraries over HTTP, on real data: the save API and the no-JavaScript form, the
//! library's privacy (its owner sees it; nobody else, signed in or not), its exports read by
//! independent parsers, and importing a reference manager's file through `/settings` — with
//! arXiv's API played by a local server serving a real answer from ../shared/data.

use std::path::PathBuf;

use paperboy_store::Page;
use paperboy_testkit::{ReplayServer, Reply};
use serde_json::json;

use crate::cite::{parse_with, BIBTEX, RIS};
use crate::community::{account, api_token, bearer, generous, PASSWORD};
use crate::support::browser::{multipart, Browser};
use crate::support::{arxiv_fetcher, shared_data, TestServer};

/// The paper arXiv's recorded answer holds (it is not in the store before an import).
const FETCHABLE: &str = "1301.7746";
const DOI_PAPER: &str = "hep-th/9901001";
const DOI: &str = "10.1103/PhysRevD.60.1";

/// The 1 May 2026 lists, one old paper with a DOI, and arXiv's API at a local server that
/// answers every query with its recorded entry for 1301.7746.
fn server() -> Option<(TestServer, ReplayServer, tempfile::TempDir)> {
    let data = shared_data()?;
    let atom = std::fs::read(data.join("samples/arxiv-api-atom-2013-02-02-id-1301.7746.xml")).unwrap();
    let arxiv = ReplayServer::start(move |_, _| Reply::ok(atom.clone()));
    let api = format!("{}/api/query", arxiv.base_url);
    let dir = tempfile::tempdir().unwrap();
    let with_doi = json!({
        "id": DOI_PAPER, "version": 1, "title": "Gauge Fields on a Lattice of Strings",
        "abstract": "An abstract.", "authors": ["Jane Doe"], "categories": ["hep-th"],
        "doi": DOI, "published": "1999-01-04T10:00:00Z", "announced": "1999-01-05", "upvotes": 0,
    });
    let file: PathBuf = dir.path().join("doi.jsonl");
    std::fs::write(&file, format!("{with_doi}\n")).unwrap();
    let server = TestServer::with_data_and(
        &[
            data.join("hf-daily/2026-05-01.json"),
            data.join("arxiv-listings/2026-05-01.jsonl.gz"),
            file,
        ],
        move |state, _| {
            state
                .with_community(paperboy_web::CommunitySettings::default(), generous())
                .with_paper_fetcher(arxiv_fetcher(&api))
        },
    );
    Some((server, arxiv, dir))
}

/// The first two papers of the 1 May list: `(id, title)`.
fn two_listed(server: &TestServer) -> [(String, String); 2] {
    let list = Browser::new(&server.base_url)
        .get("/api/daily_papers?date=2026-05-01")
        .json();
    let paper = |i: usize| {
        let p = &list[i]["paper"];
        (
            p["id"].as_str().unwrap().to_string(),
            p["title"].as_str().unwrap().to_string(),
        )
    };
    [paper(0), paper(1)]
}

fn signed_in(server: &TestServer, name: &str) -> Browser {
    account(server, name, false);
    let mut browser = Browser::new(&server.base_url);
    assert_eq!(browser.sign_in(name, PASSWORD).status, 303);
    browser
}

fn library_of(server: &TestServer, user_id: i64) -> Vec<String> {
    let page = Page { offset: 0, limit: 100 };
    server
        .store
        .library(user_id, page)
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect()
}

#[test]
fn saving_by_api_and_form_is_idempotent_and_the_library_stays_private() {
    let Some((server, _arxiv, _dir)) = server() else { return };
    let [(id, title), (other, _)] = two_listed(&server);
    let ana_id = account(&server, "ana_l", false);
    let mut api = bearer(&server, &api_token(&server, ana_id));
    let save = format!("/api/papers/{id}/save");

    let first = api.json("POST", &save, None);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json(), json!({"id": id, "saved": true, "changed": true}));
    assert_eq!(api.json("POST", &save, None).json()["changed"], false);
    assert_eq!(library_of(&server, ana_id), std::slice::from_ref(&id));
    assert_eq!(api.json("POST", "/api/papers/2401.99999/save", None).status, 404);
    assert_eq!(api.json("POST", "/api/papers/not-an-id/save", None).status, 400);
    assert_eq!(Browser::new(&server.base_url).json("POST", &save, None).status, 401);
    let removed = api.json("DELETE", &save, None);
    assert_eq!(removed.json(), json!({"id": id, "saved": false, "changed": true}));
    assert_eq!(api.json("DELETE", &save, None).json()["changed"], false);
    assert!(library_of(&server, ana_id).is_empty());

    // The form, without JavaScript: the paper page offers "Save", then shows "Saved".
    let mut ana = Browser::new(&server.base_url);
    assert_eq!(ana.sign_in("ana_l", PASSWORD).status, 303);
    let page = ana.get(&format!("/papers/{id}"));
    assert!(
        page.body.contains(&format!("action=\"/papers/{id}/save\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"add\""));
    let csrf = page.csrf();
    // A session's API call needs the page's token; a form needs it too.
    assert_eq!(ana.json("POST", &save, None).status, 403);
    assert_eq!(ana.post(&format!("/papers/{id}/save"), &[("save", "add")]).status, 403);
    let saved = ana.post(&format!("/papers/{id}/save"), &[("csrf", &csrf), ("save", "add")]);
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(library_of(&server, ana_id), std::slice::from_ref(&id));
    let page = ana.get(&format!("/papers/{id}"));
    assert!(page
        .body
        .contains("aria-pressed=\"true\" title=\"In your library: press to remove it\">Saved</button>"));
    // Cards of a cached list say so too, for this reader only.
    let day = ana.get("/date/2026-05-01").body;
    let card = |body: &str, paper: &str| {
        let at = body
            .find(&format!("action=\"/papers/{paper}/save\""))
            .expect("a save button");
        body[at..].chars().take(400).collect::<String>()
    };
    assert!(card(&day, &id).contains("value=\"remove\""));
    assert!(card(&day, &other).contains("value=\"add\""));
    let anonymous = Browser::new(&server.base_url).get("/date/2026-05-01").body;
    assert!(!anonymous.contains("/save\""), "visitors get no save buttons");
    assert!(!anonymous.contains("paperboy-save"), "no mark is left in a page");
    // Toggling (no `save` field) removes it again.
    ana.post(&format!("/papers/{id}/save"), &[("csrf", &csrf)]);
    assert!(library_of(&server, ana_id).is_empty());
    ana.post(&format!("/papers/{id}/save"), &[("csrf", &csrf)]);

    // Private: the owner sees it on the profile and at /u/ana_l/library; nobody else does.
    let own = ana.get("/u/ana_l");
    assert!(
        own.body.contains("Your library") && own.body.contains(&title),
        "{}",
        own.body
    );
    let listing = ana.get("/u/ana_l/library");
    assert_eq!(listing.status, 200);
    assert!(listing.body.contains(&format!("href=\"/papers/{id}\"")));
    let mut bob = signed_in(&server, "bob_k");
    let seen_by_bob = bob.get("/u/ana_l");
    assert_eq!(seen_by_bob.status, 200);
    assert!(!seen_by_bob.body.contains("library") && !seen_by_bob.body.contains(&title));
    let mut visitor = Browser::new(&server.base_url);
    let seen_by_visitor = visitor.get("/u/ana_l");
    assert!(!seen_by_visitor.body.contains("library") && !seen_by_visitor.body.contains(&title));
    for path in [
        "/u/ana_l/library",
        "/u/ana_l/library.bib",
        "/u/ana_l/library?format=ris",
    ] {
        let refused = bob.get(path);
        assert_eq!(refused.status, 403, "{path}");
        assert!(!refused.body.contains(&id), "{path}");
        let anonymous = visitor.get(path);
        assert_eq!(anonymous.status, 303, "{path}");
        assert!(anonymous.location.as_deref().unwrap().starts_with("/signin"));
    }
    assert_eq!(ana.get("/u/ana_l/library.pdf").status, 404);

    // Exported again, read by independent parsers.
    let bib = ana.get("/u/ana_l/library.bib");
    assert_eq!(bib.status, 200);
    assert_eq!(bib.header("content-type"), Some("application/x-bibtex; charset=utf-8"));
    let entries = parse_with(BIBTEX, &bib.body);
    assert_eq!(entries.as_array().unwrap().len(), 1);
    assert_eq!(entries[0]["eprint"], id.as_str());
    assert_eq!(entries[0]["archiveprefix"], "arXiv");
    let ris = parse_with(RIS, &ana.get("/u/ana_l/library?format=ris").body);
    assert_eq!(ris[0]["urls"][0], format!("https://arxiv.org/abs/{id}"));
    let csl = ana.get("/u/ana_l/library.json").json();
    assert_eq!(csl[0]["number"], id.as_str());
}

#[test]
fn a_zotero_file_uploaded_on_settings_is_matched_fetched_and_reported() {
    let Some((server, _arxiv, _dir)) = server() else { return };
    let [(by_id, _), (by_title_id, by_title)] = two_listed(&server);
    let mut ana = signed_in(&server, "ana_l");
    let ana_id = server.store.user_by_name("ana_l").unwrap().unwrap().id;
    let settings = ana.get("/settings");
    assert!(settings
        .body
        .contains("action=\"/settings/library\" enctype=\"multipart/form-data\""));
    let csrf = settings.csrf();
    let shouted: String = by_title.to_uppercase();
    let file = format!(
        "@misc{{by_id, title = {{Whatever}}, url = {{http://arxiv.org/abs/{by_id}v2}}}}\n\
         @article{{by_doi, title = {{Another Title Entirely Here}}, doi = {{https://doi.org/{DOI}}}}}\n\
         @inproceedings{{by_title, title = {{{{{shouted}}}}}}}\n\
         @misc{{to_fetch, eprint = {{{FETCHABLE}}}, archivePrefix = {{arXiv}}}}\n\
         @misc{{unknown_id, title = {{Nothing Like It}}, note = {{arXiv:2401.99999 [cs]}}}}\n\
         @misc{{<b>hostile</b>, title = {{<script>alert(1)</script> matches no paper at all}}}}\n\
         @article{{broken, title = {{An unclosed brace\n\
         @misc{{twice, eprint = {{{by_id}}}}}\n"
    );

    // Without the form's token nothing happens.
    let forged = ana.upload("/settings/library", &[], ("file", "zotero.bib", file.as_bytes()));
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(library_of(&server, ana_id).is_empty());

    let done = ana.upload(
        "/settings/library",
        &[("csrf", &csrf)],
        ("file", "zotero.bib", file.as_bytes()),
    );
    assert_eq!(done.status, 200, "{}", done.body);
    let body = &done.body;
    assert!(
        body.contains(
            "From the BibTeX file: <strong>4 matched</strong>, <strong>1 fetched</strong> from arXiv, \
                       <strong>2 unmatched</strong>, <strong>1 not readable</strong>. 4 papers added"
        ),
        "{body}"
    );
    assert!(
        body.contains("<strong>unknown_id</strong>: arXiv has no paper 2401.99999"),
        "{body}"
    );
    assert!(
        body.contains("<strong>&#60;b&#62;hostile&#60;/b&#62;</strong>: no paper here matches its title"),
        "{body}"
    );
    assert!(body.contains("<strong>broken</strong>: line 7"), "{body}");
    assert!(
        !body.contains("<b>hostile") && !body.contains("<script>alert"),
        "the entry's text is escaped"
    );
    let mut saved = library_of(&server, ana_id);
    saved.sort();
    let mut expected = vec![by_id.clone(), by_title_id, DOI_PAPER.to_string(), FETCHABLE.to_string()];
    expected.sort();
    assert_eq!(saved, expected);
    let fetched = Browser::new(&server.base_url).get(&format!("/api/papers/{FETCHABLE}"));
    assert_eq!(fetched.status, 200, "the fetched paper is stored");

    // Importing the same file again adds nothing.
    let again = ana.upload(
        "/settings/library",
        &[("csrf", &csrf)],
        ("file", "zotero.bib", file.as_bytes()),
    );
    assert!(
        again
            .body
            .contains("<strong>5 matched</strong>, <strong>0 fetched</strong>"),
        "{}",
        again.body
    );
    assert!(again.body.contains("0 papers added"), "{}", again.body);

    // RIS and CSL-JSON are read too.
    let ris = format!("TY  - JOUR\nTI  - Anything\nDO  - {DOI}\nER  - \n");
    let from_ris = ana.upload(
        "/settings/library",
        &[("csrf", &csrf)],
        ("file", "x.ris", ris.as_bytes()),
    );
    assert!(
        from_ris.body.contains("From the RIS file: <strong>1 matched</strong>"),
        "{}",
        from_ris.body
    );
    let csl = json!([{"id": "item-1", "title": "x", "URL": format!("https://arxiv.org/abs/{by_id}")}]).to_string();
    let from_csl = ana.upload(
        "/settings/library",
        &[("csrf", &csrf)],
        ("file", "x.json", csl.as_bytes()),
    );
    assert!(
        from_csl
            .body
            .contains("From the CSL-JSON file: <strong>1 matched</strong>"),
        "{}",
        from_csl.body
    );

    // A file that cannot be read stores nothing and says why.
    server
        .store
        .set_saved(ana_id, &paperboy_domain::ArxivId::parse(&by_id).unwrap(), false)
        .unwrap();
    let before = library_of(&server, ana_id);
    let malformed = format!(r#"[{{"id": "a", "URL": "https://arxiv.org/abs/{by_id}"}}, {{"id": "#);
    let refused = ana.upload(
        "/settings/library",
        &[("csrf", &csrf)],
        ("file", "x.json", malformed.as_bytes()),
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains("Nothing was imported: the CSL-JSON file could not be read: line 1, column"),
        "{}",
        refused.body
    );
    for (name, content) in [("empty.bib", &b""[..]), ("words.txt", &b"just words"[..])] {
        let refused = ana.upload("/settings/library", &[("csrf", &csrf)], ("file", name, content));
        assert_eq!(refused.status, 400, "{name}: {}", refused.body);
        assert!(
            refused.body.contains("Nothing was imported") || refused.body.contains("Choose a file"),
            "{name}"
        );
    }
    // Past the body limit (one byte over, so that the server has read it all when it answers).
    let overhead = multipart(&[("csrf", &csrf)], ("file", "huge.bib", b"")).len();
    let huge = vec![b'%'; 2 * 1024 * 1024 + 1 - overhead];
    let too_large = ana.upload("/settings/library", &[("csrf", &csrf)], ("file", "huge.bib", &huge));
    assert_eq!(too_large.status, 413, "{}", too_large.body);
    assert!(
        too_large
            .body
            .contains("Nothing was imported: the file is larger than the 2 MiB"),
        "{}",
        too_large.body
    );
    assert_eq!(library_of(&server, ana_id), before);

    // Signed out: refused.
    let mut visitor = Browser::new(&server.base_url);
    let csrf = visitor.page_csrf("/signin");
    let anonymous = visitor.upload(
        "/settings/library",
        &[("csrf", &csrf)],
        ("file", "x.ris", ris.as_bytes()),
    );
    assert_eq!(anonymous.status, 401);
}
