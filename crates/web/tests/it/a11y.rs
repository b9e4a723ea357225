//! Accessibility, checked by the tools people check sites with, on real data in real Chromium:
//! axe-core on every kind of page (signed out and signed in; light theme on a desktop window,
//! dark theme on a 390 px phone), and Lighthouse's accessibility and best-practices scores on
//! the busiest pages.
//!
//! axe-core and Lighthouse come from npm, pinned, in `.cache/node` (`scripts/setup-tests`
//! installs them); Chromium and chromedriver from the system. Without them these tests fail
//! rather than skip, so that a missing checker never passes as green.
//!
//! [`PAGES`] is the list of pages checked: a new kind of page belongs there.

use crate::e2e::{browser_with, find_program, sign_up, start_chromedriver};
use crate::support::{server, top_paper, TestServer};

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::Client;

/// Who looks at a page.
#[derive(Clone, Copy, PartialEq)]
enum Viewer {
    Anyone,
    SignedIn,
}

/// The pages checked, by path; `{paper}`, `{author}` and `{me}` are filled in from the data.
/// The last two are error pages (404), which every visitor meets sooner or later.
const PAGES: &[(&str, Viewer)] = &[
    ("/", Viewer::Anyone),
    ("/date/2026-05-01", Viewer::Anyone),
    ("/trending", Viewer::Anyone),
    ("/week/2026-W18", Viewer::Anyone),
    ("/month/2026-05", Viewer::Anyone),
    ("/papers/{paper}", Viewer::Anyone),
    ("/search?q=diffusion+models", Viewer::Anyone),
    ("/authors/{author}", Viewer::Anyone),
    ("/status", Viewer::Anyone),
    ("/signin", Viewer::Anyone),
    ("/signup", Viewer::Anyone),
    ("/reset", Viewer::Anyone),
    ("/date/2026-05-01", Viewer::SignedIn),
    ("/papers/{paper}", Viewer::SignedIn),
    ("/search?q=diffusion+models", Viewer::SignedIn),
    ("/authors/{author}", Viewer::SignedIn),
    ("/settings", Viewer::SignedIn),
    ("/submit", Viewer::SignedIn),
    ("/u/{me}", Viewer::SignedIn),
    ("/u/{me}/library", Viewer::SignedIn),
    ("/for-you", Viewer::SignedIn),
    ("/settings/for-you", Viewer::SignedIn),
    ("/papers/2605.99999", Viewer::Anyone),
    ("/no/such/page", Viewer::Anyone),
];

fn node_modules() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/node/node_modules"));
    assert!(
        dir.join("axe-core/axe.min.js").is_file() && dir.join("lighthouse/cli/index.js").is_file(),
        "axe-core and Lighthouse are not installed in {}: run scripts/setup-tests",
        dir.display()
    );
    dir
}

/// `PAGES` with the placeholders filled in: the day's top paper, its first author (as the
/// paper page links them), and the signed-in reader `me`.
fn pages(server: &TestServer, raw: &serde_json::Value, me: &str) -> Vec<(String, Viewer)> {
    let (paper, _) = top_paper(raw);
    let page = server.get(&format!("/papers/{paper}")).body;
    let author = page
        .split("href=\"/authors/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the paper page links its authors");
    PAGES
        .iter()
        .map(|(path, viewer)| {
            let path = path
                .replace("{paper}", &paper)
                .replace("{author}", author)
                .replace("{me}", me);
            (path, *viewer)
        })
        .collect()
}

/// Runs axe-core on the page `client` shows; returns its serious and critical violations, one
/// line each, naming the rule and the elements.
async fn axe(client: &Client, axe_source: &str) -> Vec<String> {
    client.execute(axe_source, Vec::new()).await.expect("axe-core loads");
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ["violations"] })
          .then((result) => done(result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.impact} ${v.id} (${v.help}): ` +
              v.nodes.map((n) => `${n.target.join(" ")} — ${n.failureSummary}`).join("; "))))
          .catch((error) => done([`axe failed: ${error}`]));
    "#;
    let found = client.execute_async(script, Vec::new()).await.expect("axe-core runs");
    serde_json::from_value(found).unwrap()
}

/// Checks every page in one browser session: signed out first, then signed up as `me`.
async fn check_pages(client: &Client, server: &TestServer, raw: &serde_json::Value, me: &str) -> Vec<String> {
    let axe_source = std::fs::read_to_string(node_modules().join("axe-core/axe.min.js")).unwrap();
    let base = &server.base_url;
    let mut problems = Vec::new();
    for viewer in [Viewer::Anyone, Viewer::SignedIn] {
        if viewer == Viewer::SignedIn {
            sign_up(client, base, me).await;
        }
        for (path, _) in pages(server, raw, me).iter().filter(|(_, v)| *v == viewer) {
            client.goto(&format!("{base}{path}")).await.unwrap();
            let title = client.title().await.unwrap();
            for violation in axe(client, &axe_source).await {
                problems.push(format!("{path} ({title}): {violation}"));
            }
        }
    }
    problems
}

#[test]
fn every_page_passes_axe_in_the_light_and_the_dark_theme() {
    let Some((server, raw)) = server() else { return };
    node_modules();
    // What the browser is shown is what was meant: pages, not error pages (but the last two).
    for (path, _) in pages(&server, &raw, "-").iter().filter(|(_, v)| *v == Viewer::Anyone) {
        let expected = if path.contains("99999") || path.starts_with("/no/") {
            404
        } else {
            200
        };
        assert_eq!(server.get(path).status, expected, "{path}");
    }
    let (driver, port) = start_chromedriver();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let problems = runtime.block_on(async {
        let mut problems = Vec::new();
        for (theme, switches, me) in [
            ("light", vec!["--window-size=1280,1000"], "axe_light"),
            ("dark", vec!["--window-size=390,844", "--force-dark-mode"], "axe_dark"),
        ] {
            let client = browser_with(port, &switches).await;
            client.goto(&format!("{}/", server.base_url)).await.unwrap();
            let dark = client
                .execute("return matchMedia('(prefers-color-scheme: dark)').matches", Vec::new())
                .await
                .unwrap();
            assert_eq!(
                dark,
                serde_json::Value::Bool(theme == "dark"),
                "the {theme} theme is what is checked"
            );
            for problem in check_pages(&client, &server, &raw, me).await {
                problems.push(format!("[{theme}] {problem}"));
            }
            client.close().await.unwrap();
        }
        problems
    });
    drop(driver);
    assert!(problems.is_empty(), "axe-core found:\n{}", problems.join("\n"));
}

/// Lighthouse's categories and the least score each page must have.
const LIGHTHOUSE_MINIMUM: &[(&str, f64)] = &[("accessibility", 0.95), ("best-practices", 0.95)];
/// Lighthouse's own limit on one page load, and ours on a whole run of it.
const LIGHTHOUSE_LOAD_MS: u32 = 30_000;
const LIGHTHOUSE_RUN: Duration = Duration::from_secs(180);

/// Runs Lighthouse on `url` (its accessibility and best-practices categories, in headless
/// Chromium); returns its report.
fn lighthouse(url: &str, report: &std::path::Path) -> serde_json::Value {
    let chromium =
        find_program(&["chromium", "chromium-browser"]).expect("chromium is not installed: run scripts/setup-tests");
    let mut child = Command::new("node")
        .arg(node_modules().join("lighthouse/cli/index.js"))
        .arg(url)
        .args([
            "--only-categories=accessibility,best-practices",
            "--output=json",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-dev-shm-usage",
        ])
        .arg(format!("--max-wait-for-load={LIGHTHOUSE_LOAD_MS}"))
        .arg(format!("--output-path={}", report.display()))
        .env("CHROME_PATH", chromium)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs Lighthouse");
    let deadline = Instant::now() + LIGHTHOUSE_RUN;
    // A hung Chromium must not hang the suite: the run is given a bounded time, then killed.
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("Lighthouse took more than {LIGHTHOUSE_RUN:?} on {url}");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "Lighthouse failed on {url}: {stderr}");
    serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap()
}

/// The audits of `category` in `report` that did not pass, with their titles.
fn failed_audits(report: &serde_json::Value, category: &str) -> Vec<String> {
    let refs = report["categories"][category]["auditRefs"].as_array().unwrap();
    refs.iter()
        .filter(|r| r["weight"].as_f64().unwrap_or(0.0) > 0.0)
        .filter_map(|r| {
            let audit = &report["audits"][r["id"].as_str()?];
            let score = audit["score"].as_f64()?;
            (score < 1.0).then(|| format!("{} ({score}): {}", r["id"], audit["title"]))
        })
        .collect()
}

#[test]
fn lighthouse_scores_accessibility_and_best_practices_at_least_95() {
    let Some((server, raw)) = server() else { return };
    node_modules();
    let (paper, _) = top_paper(&raw);
    let dir = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for path in [
        "/",
        "/trending",
        &format!("/papers/{paper}"),
        "/search?q=diffusion+models",
    ] {
        let report = lighthouse(&format!("{}{path}", server.base_url), &dir.path().join("report.json"));
        for (category, minimum) in LIGHTHOUSE_MINIMUM {
            let score = report["categories"][category]["score"].as_f64().unwrap_or(0.0);
            println!(
                "lighthouse {path} {category}: {score}, short of 1: {:?}",
                failed_audits(&report, category)
            );
            if score < *minimum {
                problems.push(format!(
                    "{path}: {category} {score} < {minimum}; failing audits: {:?}",
                    failed_audits(&report, category)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
