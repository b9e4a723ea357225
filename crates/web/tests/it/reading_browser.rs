//! The reader's details in real Chromium (over WebDriver, as `e2e`): the dark theme as the
//! system asks for it and the switch that overrides it across reloads, a 390 px phone screen
//! without sideways scrolling, the keyboard shortcuts (v upvoting for a signed-in reader), and
//! hiding the invitation to subscribe.

use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, Locator};
use paperboy_testkit::SmtpSink;
use serde_json::Value;

use crate::community::{account, PASSWORD};
use crate::e2e::{screenshot, start_chromedriver};
use crate::reading::mail_server;
use crate::support::server;

const LIGHT_BACKGROUND: &str = "rgb(251, 251, 250)";
const DARK_BACKGROUND: &str = "rgb(19, 20, 23)";

/// A headless Chromium session with `args` added (window size, system colour scheme).
async fn browser(port: u16, args: &[&str]) -> Client {
    crate::e2e::browser_with(port, args).await
}

/// A phone's screen: 390 CSS pixels wide (headless windows are never narrower than 500).
async fn phone(port: u16) -> Client {
    let metrics =
        serde_json::json!({ "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true } });
    crate::e2e::chromium(port, &[], Some(metrics)).await
}

async fn eval(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.expect("the script runs")
}

/// Waits until `script` returns `expected` (the page may still be loading or updating).
async fn wait_for(client: &Client, script: &str, expected: Value) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let got = client.execute(script, vec![]).await.unwrap_or(Value::Null);
        if got == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{script} stayed {got}, expected {expected}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Presses and releases `key` on the page as a person would (to whatever has the focus).
async fn press(client: &Client, key: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    client.perform_actions(keys).await.expect("the key is pressed");
}

/// Clicks the element `css` selects.
async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

const BACKGROUND: &str = "return getComputedStyle(document.body).backgroundColor";

fn run(test: impl std::future::Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(test);
}

#[test]
fn the_theme_follows_the_system_until_the_reader_chooses() {
    let Some((server, _)) = server() else { return };
    let (_driver, port) = start_chromedriver();
    run(async {
        let base = &server.base_url;
        // A system set to dark: the site is dark from the first paint, no script involved.
        let client = browser(port, &["--window-size=1280,1000", "--force-dark-mode"]).await;
        client.goto(&format!("{base}/date/2026-05-01")).await.unwrap();
        assert_eq!(eval(&client, BACKGROUND).await, DARK_BACKGROUND);
        assert_eq!(
            eval(&client, "return getComputedStyle(document.body).color").await,
            "rgb(232, 232, 234)"
        );
        screenshot(&client, "reading-dark").await;

        // The reader picks light: applied at once, and still light after a reload.
        click(&client, "form.theme button[value=light]").await;
        wait_for(&client, BACKGROUND, LIGHT_BACKGROUND.into()).await;
        client.refresh().await.unwrap();
        wait_for(
            &client,
            "return document.documentElement.dataset.theme ?? null",
            "light".into(),
        )
        .await;
        assert_eq!(eval(&client, BACKGROUND).await, LIGHT_BACKGROUND);
        assert_eq!(
            eval(
                &client,
                "return document.querySelector('form.theme button[value=light]').getAttribute('aria-pressed')"
            )
            .await,
            "true"
        );
        screenshot(&client, "reading-light-chosen").await;

        // Back to the system's choice.
        click(&client, "form.theme button[value=auto]").await;
        wait_for(&client, BACKGROUND, DARK_BACKGROUND.into()).await;
        client.refresh().await.unwrap();
        wait_for(&client, BACKGROUND, DARK_BACKGROUND.into()).await;
        client.close().await.unwrap();

        // A light system: light unless told otherwise.
        let client = browser(port, &["--window-size=1280,1000"]).await;
        client.goto(&format!("{base}/trending")).await.unwrap();
        assert_eq!(eval(&client, BACKGROUND).await, LIGHT_BACKGROUND);
        click(&client, "form.theme button[value=dark]").await;
        wait_for(&client, BACKGROUND, DARK_BACKGROUND.into()).await;
        client.goto(&format!("{base}/search?q=diffusion")).await.unwrap();
        assert_eq!(eval(&client, BACKGROUND).await, DARK_BACKGROUND, "on the next page too");
        screenshot(&client, "reading-dark-search").await;
        client.close().await.unwrap();
    });
}

#[test]
fn a_phone_screen_never_scrolls_sideways() {
    let Some((server, _)) = server() else { return };
    let (_driver, port) = start_chromedriver();
    run(async {
        let base = &server.base_url;
        let client = phone(port).await;
        client.goto(&format!("{base}/date/2026-05-01")).await.unwrap();
        let paper = client
            .find(Locator::Css(".card h3 a"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        let width = eval(&client, "return window.innerWidth").await.as_i64().unwrap();
        assert_eq!(width, 390, "a phone-sized viewport");
        for path in [
            "/date/2026-05-01",
            "/trending",
            "/search?q=diffusion",
            paper.as_str(),
            "/week/2026-W18",
            "/signin",
        ] {
            client.goto(&format!("{base}{path}")).await.unwrap();
            let sizes = eval(
                &client,
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]",
            )
            .await;
            let (scroll, client_width) = (sizes[0].as_i64().unwrap(), sizes[1].as_i64().unwrap());
            assert!(
                scroll <= client_width,
                "{path} is {scroll} px wide on a {client_width} px screen"
            );
        }
        screenshot(&client, "reading-phone-signin").await;
        client.goto(&format!("{base}/date/2026-05-01")).await.unwrap();
        screenshot(&client, "reading-phone-daily").await;
        client.close().await.unwrap();
    });
}

/// Which card (0-based) holds the focus, -1 for none.
const FOCUSED_CARD: &str =
    "return [...document.querySelectorAll('article.card')].indexOf(document.activeElement.closest('article.card'))";

#[test]
fn keyboard_shortcuts_move_between_papers_search_and_explain_themselves() {
    let Some((server, _)) = server() else { return };
    let (_driver, port) = start_chromedriver();
    run(async {
        let client = browser(port, &["--window-size=1280,1000"]).await;
        client
            .goto(&format!("{}/date/2026-05-01", server.base_url))
            .await
            .unwrap();
        wait_for(&client, "return document.readyState", "complete".into()).await;
        assert_eq!(eval(&client, FOCUSED_CARD).await, -1);

        press(&client, 'j').await;
        wait_for(&client, FOCUSED_CARD, 0.into()).await;
        assert_eq!(
            eval(&client, "return document.activeElement.matches(':focus-visible')").await,
            true,
            "the focus is shown"
        );
        press(&client, 'j').await;
        wait_for(&client, FOCUSED_CARD, 1.into()).await;
        press(&client, 'k').await;
        wait_for(&client, FOCUSED_CARD, 0.into()).await;
        screenshot(&client, "reading-keys-focus").await;

        // ? opens the list of shortcuts; Esc closes it.
        press(&client, '?').await;
        wait_for(&client, "return document.getElementById('keys-help').open", true.into()).await;
        let help = client
            .find(Locator::Css("#keys-help"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(help.contains("Next paper") && help.contains("Search"), "{help}");
        screenshot(&client, "reading-keys-help").await;
        press(&client, '\u{e00c}').await; // Escape
        wait_for(
            &client,
            "return document.getElementById('keys-help').open",
            false.into(),
        )
        .await;

        // / goes to the search field, where letters are typed, not taken as shortcuts.
        press(&client, '/').await;
        wait_for(&client, "return document.activeElement.id", "nav-q".into()).await;
        press(&client, 'j').await;
        wait_for(&client, "return document.activeElement.value", "j".into()).await;
        assert_eq!(eval(&client, FOCUSED_CARD).await, -1, "j typed into the field");
        client.close().await.unwrap();
    });
}

#[test]
fn the_invitation_to_subscribe_can_be_hidden_for_good() {
    let sink = SmtpSink::start();
    let Some(server) = mail_server(&sink) else { return };
    let (_driver, port) = start_chromedriver();
    run(async {
        let client = browser(port, &["--window-size=1280,1000"]).await;
        client
            .goto(&format!("{}/date/2026-05-01", server.base_url))
            .await
            .unwrap();
        let heading = client.find(Locator::Css("#invite-heading")).await.unwrap();
        assert_eq!(
            heading.text().await.unwrap(),
            "Get trending papers in your email inbox!"
        );
        screenshot(&client, "reading-invite").await;
        click(&client, "section.invite form.dismiss button").await;
        wait_for(
            &client,
            "return document.querySelector('section.invite') === null",
            true.into(),
        )
        .await;
        assert_eq!(
            client.current_url().await.unwrap().path(),
            "/date/2026-05-01",
            "back where it was"
        );
        client.refresh().await.unwrap();
        wait_for(&client, "return document.readyState", "complete".into()).await;
        assert!(
            client.find(Locator::Css("section.invite")).await.is_err(),
            "still hidden after a reload"
        );
        client.close().await.unwrap();
    });
}

#[test]
fn v_upvotes_the_selected_paper_when_signed_in() {
    let Some((server, _)) = server() else { return };
    account(&server, "keys_voter", false);
    let (_driver, port) = start_chromedriver();
    run(async {
        let base = &server.base_url;
        let client = browser(port, &["--window-size=1280,1000"]).await;
        client.goto(&format!("{base}/signin")).await.unwrap();
        client
            .find(Locator::Css("input[name=login]"))
            .await
            .unwrap()
            .send_keys("keys_voter")
            .await
            .unwrap();
        client
            .find(Locator::Css("input[name=password]"))
            .await
            .unwrap()
            .send_keys(&format!("{PASSWORD}\u{E007}"))
            .await
            .unwrap();
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("a[href='/u/keys_voter']"))
            .await
            .expect("signed in");

        client.goto(&format!("{base}/date/2026-05-01")).await.unwrap();
        // app.js has asked which papers this reader upvoted (none yet).
        wait_for(
            &client,
            "return document.querySelector('article.card form.vote input[name=vote]')?.value ?? null",
            "up".into(),
        )
        .await;
        let count = "return document.querySelectorAll('article.card')[1].querySelector('.count').textContent";
        let before: i64 = eval(&client, count).await.as_str().unwrap().parse().unwrap();
        press(&client, 'j').await;
        press(&client, 'j').await;
        wait_for(&client, FOCUSED_CARD, 1.into()).await;
        press(&client, 'v').await;
        wait_for(&client, count, (before + 1).to_string().into()).await;
        assert_eq!(
            eval(&client, "return document.querySelectorAll('article.card')[1].querySelector('form.vote').classList.contains('voted')").await,
            true
        );
        assert_eq!(eval(&client, FOCUSED_CARD).await, 1, "the focus stays on the card");
        client.close().await.unwrap();
    });
}
