//! "For you" in real Chromium (over WebDriver, as `e2e`), on real papers with the real
//! embedding model (as `for_you`): a signed-in reader follows an author from the author's page,
//! saves a search from its results and marks a paper "not interested" on their list, and sees
//! the list change after each, by the buttons a reader clicks.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use crate::e2e::{browser_with, screenshot, sign_up, start_chromedriver};

/// Waits (up to 30 s) until `script` returns true.
async fn until(client: &Client, script: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let holds = client.execute(script, vec![]).await.ok().and_then(|v| v.as_bool());
        if holds == Some(true) {
            return;
        }
        if Instant::now() > deadline {
            let text = client.source().await.unwrap_or_default();
            panic!("waited in vain for {what} ({script}); the page is: {text}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the button `css` selects, which submits a form, and waits until the page the form
/// leads to has loaded: the old document is marked first, so that it is never mistaken for
/// the new one.
async fn submit(client: &Client, css: &str) {
    client
        .execute("window.pbBefore = true; return null", vec![])
        .await
        .unwrap();
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
    until(
        client,
        "return window.pbBefore === undefined && document.readyState === 'complete'",
        &format!("the page after clicking {css}"),
    )
    .await;
}

/// Goes to `path` (a new document, loaded when `goto` returns).
async fn open(client: &Client, base: &str, path: &str) {
    client.goto(&format!("{base}{path}")).await.unwrap();
}

/// The ids of the papers on the list, in order.
async fn listed(client: &Client) -> Vec<String> {
    let value = client
        .execute(
            "return [...document.querySelectorAll('ol.for-you > li h3 a')].map(a => a.getAttribute('href').slice(8))",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(value).unwrap()
}

/// What the list says about each paper: its "Why" line and whether it is always shown.
async fn why(client: &Client, id: &str) -> (String, bool) {
    let value = client
        .execute(
            "const li = document.getElementById('t-' + arguments[0]).closest('li'); \
             const reasons = li.querySelector('.reasons'); \
             return [reasons ? reasons.textContent : '', li.querySelector('.surfaced') !== null]",
            vec![id.into()],
        )
        .await
        .unwrap();
    serde_json::from_value(value).unwrap()
}

#[test]
fn a_reader_follows_saves_a_search_and_dismisses_a_paper_and_the_list_changes_each_time() {
    let Some((server, robotics, _dir)) = crate::for_you::server() else {
        return;
    };
    let (_driver, port) = start_chromedriver();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let client = browser_with(port, &["--window-size=1280,1000"]).await;
            let base = &server.base_url;
            sign_up(&client, base, "fy_reader").await;

            // The cold list: by popularity, with no reasons.
            open(&client, base, "/for-you?days=1").await;
            let cold = listed(&client).await;
            assert_eq!(cold.len(), 30, "a full first page");
            assert!(client.find(Locator::Css(".reasons")).await.is_err(), "no reasons yet");
            screenshot(&client, "for-you-1-cold").await;

            // Follow the first author of the last paper on the page, from the author's page.
            let last = cold.last().unwrap().clone();
            let author_link = client
                .find(Locator::Css(&format!("#t-{} ~ .authors a", last.replace('.', "\\."))))
                .await
                .expect("the last card names its authors");
            let author = author_link.text().await.unwrap();
            author_link.click().await.unwrap();
            until(
                &client,
                "return location.pathname.startsWith('/authors/') && document.readyState === 'complete'",
                "the author's page",
            )
            .await;
            submit(&client, "form.follow button").await;
            let following = client
                .find(Locator::Css("form.follow.following strong"))
                .await
                .expect("the author's page says the reader follows them");
            assert_eq!(following.text().await.unwrap(), format!("Following {author}"));
            screenshot(&client, "for-you-2-following").await;

            open(&client, base, "/for-you?days=1").await;
            let after_follow = listed(&client).await;
            let place = after_follow.iter().position(|id| *id == last).expect("still listed");
            let (reasons, surfaced) = why(&client, &last).await;
            assert!(
                reasons.contains(&format!("by {author}, whom you follow")),
                "{last}: {reasons:?}"
            );
            assert!(surfaced, "a followed author's paper is always shown");
            let always = client
                .execute(
                    "return document.querySelectorAll('ol.for-you .surfaced').length",
                    vec![],
                )
                .await
                .unwrap()
                .as_u64()
                .unwrap() as usize;
            assert!(
                place < always && always < 29,
                "{last} moved up from the bottom of the page to {place}, among the {always} always shown"
            );
            screenshot(&client, "for-you-3-followed").await;

            // Save a search from its results, typed in the header's search box.
            let input = client.find(Locator::Id("nav-q")).await.unwrap();
            input.send_keys("robot\u{E007}").await.unwrap();
            client.wait().for_element(Locator::Css(".result")).await.unwrap();
            submit(&client, "form.save-search button").await;
            until(
                &client,
                "return location.pathname === '/for-you'",
                "For you after saving",
            )
            .await;
            open(&client, base, "/for-you?days=1").await;
            let after_search = listed(&client).await;
            let mut matching = Vec::new();
            for id in &after_search {
                let (reasons, surfaced) = why(&client, id).await;
                if reasons.contains("matches your saved search 'robot'") {
                    assert!(surfaced, "{id}: a saved search's match is always shown");
                    matching.push(id.clone());
                }
            }
            assert!(
                !matching.is_empty(),
                "papers that say 'robot' surface: {after_search:?}"
            );
            assert!(
                matching.iter().any(|id| robotics.contains(id)),
                "robotics papers among the matches: {matching:?}"
            );
            assert_ne!(after_search, after_follow, "the list changed");
            screenshot(&client, "for-you-4-saved-search").await;

            // "Not interested" in the first paper (other than the followed author's): gone.
            let first = after_search.iter().find(|id| **id != last).unwrap().clone();
            submit(&client, &format!("button[aria-label='Not interested in {first}']")).await;
            until(
                &client,
                "return location.pathname === '/for-you'",
                "For you after dismissing",
            )
            .await;
            open(&client, base, "/for-you?days=1").await;
            let after_dismiss = listed(&client).await;
            assert!(!after_dismiss.contains(&first), "{first} is gone: {after_dismiss:?}");
            assert!(after_dismiss.contains(&last), "the followed author's paper stays");
            screenshot(&client, "for-you-5-dismissed").await;

            client.close().await.unwrap();
        });
}
