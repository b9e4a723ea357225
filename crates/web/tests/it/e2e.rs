//! End to end in a real browser: headless Chromium, driven over WebDriver (chromedriver), against
//! the site serving real data. Screenshots of each step are kept in `target/e2e-screenshots/`.
//!
//! Needs Chromium and chromedriver (`scripts/setup-tests` installs both); without them this test
//! fails rather than skips, so that a missing browser never passes as green.

use crate::support;

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use support::{server, top_paper};

/// Stops chromedriver when the test ends, passing or not.
pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

pub(crate) fn start_chromedriver() -> (Driver, u16) {
    let binary = find_program(&["chromedriver"]).expect("chromedriver is not installed: run scripts/setup-tests");
    assert!(
        find_program(&["chromium", "chromium-browser"]).is_some(),
        "chromium is not installed: run scripts/setup-tests"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    (driver, port)
}

fn screenshots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name}: a PNG");
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).unwrap();
}

pub(crate) async fn path_of(client: &Client) -> String {
    client.current_url().await.unwrap().path().to_string()
}

/// Waits for the browser to reach `path` after a click: the click can return before the
/// server's answer has loaded (seen on a busy CI machine). Fails with what the page says, so that
/// an error page is told apart from a slow one.
pub(crate) async fn arrive_at(client: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if path_of(client).await == path {
            return;
        }
        if Instant::now() > deadline {
            let text = match client.find(Locator::Css("main")).await {
                Ok(main) => main.text().await.unwrap_or_default(),
                Err(_) => client.source().await.unwrap_or_default(),
            };
            panic!(
                "still at {} instead of {path}; the page says: {text}",
                path_of(client).await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn browser(port: u16) -> Client {
    browser_with(port, &["--window-size=1280,1000"]).await
}

/// A Chromium session with these extra command-line switches (a window size, a colour scheme).
pub(crate) async fn browser_with(port: u16, switches: &[&str]) -> Client {
    chromium(port, switches, None).await
}

/// A headless Chromium session with extra switches and, when given, chromedriver's mobile
/// emulation (`{"deviceMetrics": …}`: headless windows are never narrower than 500 px).
pub(crate) async fn chromium(port: u16, switches: &[&str], mobile: Option<serde_json::Value>) -> Client {
    let mut args = vec!["--headless=new", "--no-sandbox", "--disable-dev-shm-usage"];
    args.extend_from_slice(switches);
    let mut options = serde_json::json!({ "args": args });
    if let Some(mobile) = mobile {
        options["mobileEmulation"] = mobile;
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session")
}

pub(crate) async fn fill(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

#[test]
fn a_reader_browses_days_opens_a_paper_and_searches() {
    let Some((server, raw)) = server() else { return };
    let (driver, port) = start_chromedriver();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = browser(port).await;
        let base = &server.base_url;

        // The daily page: the most upvoted paper first.
        client.goto(&format!("{base}/date/2026-05-01")).await.unwrap();
        let first = client.find(Locator::Css(".card h3 a")).await.unwrap();
        let (top_id, top_title) = top_paper(&raw);
        assert_eq!(
            first.attr("href").await.unwrap().as_deref(),
            Some(format!("/papers/{top_id}").as_str())
        );
        screenshot(&client, "1-daily").await;

        // Previous and next day, by the links a reader clicks.
        client
            .find(Locator::Css("a[rel=prev]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive_at(&client, "/date/2026-04-30").await;
        screenshot(&client, "2-previous-day").await;
        client
            .find(Locator::Css("a[rel=next]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive_at(&client, "/date/2026-05-01").await;
        client
            .find(Locator::Css("a[rel=next]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive_at(&client, "/date/2026-05-04").await;

        // Open a paper from its card.
        client.goto(&format!("{base}/date/2026-05-01")).await.unwrap();
        client
            .find(Locator::Css(".card h3 a"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive_at(&client, &format!("/papers/{top_id}")).await;
        let heading = client.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
        let start: String = top_title.chars().take(20).collect();
        assert!(heading.starts_with(start.trim()), "{heading:?} vs {top_title:?}");
        assert!(client.find(Locator::Css("#abstract-heading")).await.is_ok());
        screenshot(&client, "3-paper").await;

        // Search from the header's box, as a keyboard user would: type, press Enter.
        let words: Vec<&str> = top_title.split_whitespace().take(4).collect();
        let query = words.join(" ").replace(['"', ':', '-'], " ");
        let input = client.find(Locator::Id("nav-q")).await.unwrap();
        input.send_keys(&format!("{query}\u{E007}")).await.unwrap();
        client.wait().for_element(Locator::Css(".result")).await.unwrap();
        assert_eq!(path_of(&client).await, "/search");
        let results = client.find_all(Locator::Css(".result h2 a")).await.unwrap();
        assert!(!results.is_empty());
        let mut hrefs = Vec::new();
        for link in results.iter().take(3) {
            hrefs.push(link.attr("href").await.unwrap().unwrap_or_default());
        }
        assert!(hrefs.contains(&format!("/papers/{top_id}")), "{hrefs:?}");
        assert!(
            client.find(Locator::Css(".result mark")).await.is_ok(),
            "matches highlighted"
        );
        screenshot(&client, "4-search").await;

        client.close().await.unwrap();
    });
    drop(driver);
}

#[test]
fn a_member_signs_up_submits_upvotes_comments_and_signs_out() {
    let Some((server, raw)) = server() else { return };
    // A paper arXiv announced on 1 May that no daily list has yet.
    let listed: Vec<String> = raw
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["paper"]["id"].as_str().unwrap().to_string())
        .collect();
    let announced = server.get("/date/2026-05-01").body;
    let unlisted = announced
        .split("href=\"/papers/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .find(|id| !listed.contains(id))
        .expect("an announced paper outside the daily list");
    // The paper goes on "today's" list, as the test and the server both name it.
    paperboy_testkit::clear_of_midnight();
    let (driver, port) = start_chromedriver();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = browser(port).await;
        let base = &server.base_url;

        // Sign up from the header link.
        client.goto(&format!("{base}/")).await.unwrap();
        client
            .find(Locator::LinkText("Sign up"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive_at(&client, "/signup").await;
        fill(&client, "input[name=name]", "reader_one").await;
        fill(&client, "input[name=email]", "reader@example.org").await;
        fill(&client, "input[name=password]", "a long enough password").await;
        screenshot(&client, "5-sign-up").await;
        client
            .find(Locator::Css("form.stacked button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client
            .wait()
            .for_element(Locator::Css("a[href='/u/reader_one']"))
            .await
            .unwrap();
        assert_eq!(path_of(&client).await, "/");

        // Submit a paper to today's list.
        let today = chrono::Utc::now().date_naive();
        client
            .find(Locator::LinkText("Submit"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive_at(&client, "/submit").await;
        fill(
            &client,
            "input[name=paper]",
            &format!("https://arxiv.org/abs/{unlisted}"),
        )
        .await;
        client
            .find(Locator::Css("form.stacked button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive_at(&client, &format!("/date/{today}")).await;
        let card = client
            .find(Locator::Css(&format!(".card h3 a[href='/papers/{unlisted}']")))
            .await
            .expect("the submitted paper is on today's list");
        assert!(client.source().await.unwrap().contains("submitted by reader_one"));
        screenshot(&client, "6-submitted").await;

        // Upvote on the paper page: with JavaScript the count changes in place.
        card.click().await.unwrap();
        arrive_at(&client, &format!("/papers/{unlisted}")).await;
        let count = |c: Client| async move {
            let text = c
                .find(Locator::Css("form.vote .count"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            text.trim().parse::<i64>().unwrap()
        };
        let before = count(client.clone()).await;
        client
            .find(Locator::Css("form.vote button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client
            .wait()
            .for_element(Locator::Css("form.vote.voted"))
            .await
            .unwrap();
        assert_eq!(count(client.clone()).await, before + 1);
        assert_eq!(path_of(&client).await, format!("/papers/{unlisted}"), "no page load");
        client.refresh().await.unwrap();
        assert_eq!(count(client.clone()).await, before + 1, "stored");
        assert!(client.find(Locator::Css("form.vote.voted")).await.is_ok());
        screenshot(&client, "7-upvoted").await;

        // Comment, with Markdown and math.
        fill(
            &client,
            "#new-comment",
            "**Great** paper, and $x^2$ too. <script>alert(1)</script>",
        )
        .await;
        client
            .find(Locator::Css("form.new-comment button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // The form posts and the page reloads: wait for the new page rather than race it.
        let body = client
            .wait()
            .at_most(std::time::Duration::from_secs(30))
            .for_element(Locator::Css(".comment .comment-body"))
            .await
            .unwrap();
        let html = body.html(true).await.unwrap();
        assert!(
            html.contains("<strong>Great</strong>") && html.contains("<math"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        screenshot(&client, "8-commented").await;

        // Back on today's (cached) list, the card shows the reader's own upvote.
        client.goto(&format!("{base}/date/{today}")).await.unwrap();
        client
            .wait()
            .at_most(std::time::Duration::from_secs(30))
            .for_element(Locator::Css(&format!("form.vote.voted[data-paper='{unlisted}']")))
            .await
            .expect("the card is marked as upvoted");

        // Sign out.
        client
            .find(Locator::Css("form[action='/signout'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client.wait().for_element(Locator::LinkText("Sign in")).await.unwrap();
        assert!(client.find(Locator::Css("a[href='/u/reader_one']")).await.is_err());
        client.goto(&format!("{base}/settings")).await.unwrap();
        assert_eq!(path_of(&client).await, "/signin", "signed out");

        client.close().await.unwrap();
    });
    drop(driver);
}

/// Signs up through the form in `client` (from the header's link) and waits until signed in.
pub(crate) async fn sign_up(client: &Client, base: &str, name: &str) {
    client.goto(&format!("{base}/signup")).await.unwrap();
    fill(client, "input[name=name]", name).await;
    fill(client, "input[name=email]", &format!("{name}@example.org")).await;
    fill(client, "input[name=password]", "a long enough password").await;
    appears(client, "form.stacked button").await.click().await.unwrap();
    // Signed in: the header links the new profile.
    appears(client, &format!("a[href='/u/{name}']")).await;
}

/// Waits (up to 30 s) for an element matching `css`: a form's answer, or a vote's request, can
/// come after the click returns.
async fn appears(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} appeared: {e}"))
}

#[test]
fn a_signed_in_reader_upvotes_from_a_list_card_and_sees_the_count_change() {
    let Some((server, raw)) = server() else { return };
    let (top_id, _) = top_paper(&raw);
    let (driver, port) = start_chromedriver();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = browser(port).await;
        let base = &server.base_url;
        sign_up(&client, base, "card_voter").await;
        client.goto(&format!("{base}/date/2026-05-01")).await.unwrap();
        let form = format!("form.vote[data-paper='{top_id}']");
        let count = |c: Client, css: String| async move {
            let text = c.find(Locator::Css(&css)).await.unwrap().text().await.unwrap();
            text.trim().parse::<i64>().unwrap()
        };
        let before = count(client.clone(), format!("{form} .count")).await;
        appears(&client, &format!("{form} button")).await.click().await.unwrap();
        appears(&client, &format!("form.vote.voted[data-paper='{top_id}']")).await;
        assert_eq!(count(client.clone(), format!("{form} .count")).await, before + 1);
        assert_eq!(path_of(&client).await, "/date/2026-05-01", "no page load");
        screenshot(&client, "9-card-upvoted").await;

        // The paper page, read afresh, counts the vote too.
        client.goto(&format!("{base}/papers/{top_id}")).await.unwrap();
        assert_eq!(
            count(client.clone(), "form.vote .count".into()).await,
            before + 1,
            "stored"
        );

        // Taking it back from the card, after a reload.
        client.goto(&format!("{base}/date/2026-05-01")).await.unwrap();
        let voted = format!("form.vote.voted[data-paper='{top_id}'] button");
        appears(&client, &voted).await.click().await.unwrap();
        appears(&client, &format!("form.vote:not(.voted)[data-paper='{top_id}']")).await;
        assert_eq!(count(client.clone(), format!("{form} .count")).await, before);
        client.close().await.unwrap();
    });
    drop(driver);
}
