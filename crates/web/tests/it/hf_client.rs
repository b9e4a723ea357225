//! Hugging Face compatibility, checked with Hugging Face's own client: `huggingface_hub.HfApi`
//! (pinned in the project's venv by `scripts/setup-tests`) with `HF_ENDPOINT` pointed at a
//! served instance's `/hf`, calling every paper read method with every parameter, on a real
//! week of Hugging Face daily lists.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::Command;

use chrono::NaiveDate;
use paperboy_domain::trending::{end_of_day, hot_score};
use serde_json::Value;

use crate::support::{shared_data, TestServer};

/// The week of 4–8 May 2026 (ISO week 2026-W19), as Hugging Face served it.
const WEEK: [&str; 5] = ["2026-05-04", "2026-05-05", "2026-05-06", "2026-05-07", "2026-05-08"];

/// Calls each method of the client and prints what it parsed, as JSON.
const CLIENT: &str = r#"
import json, sys
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

api = HfApi()

def listed(**kwargs):
    return [
        {"id": p.id, "title": p.title, "upvotes": p.upvotes,
         "submitter": getattr(p.submitted_by, "name", None),
         "username": getattr(p.submitted_by, "username", None),
         "authors": [a.name for a in p.authors or []]}
        for p in api.list_daily_papers(token=False, **kwargs)
    ]

def status(call):
    try:
        call()
        return 200
    except HfHubHTTPError as e:
        return e.response.status_code

paper_id, word = sys.argv[1], sys.argv[2]
info = api.paper_info(paper_id)
out = {
    "date": listed(date="2026-05-05"),
    "week": listed(week="2026-W19", limit=100),
    "month": listed(month="2026-05", limit=100),
    "default": listed(),
    "trending": listed(date="2026-05-05", sort="trending"),
    "week_trending": listed(week="2026-W19", sort="trending", limit=100),
    "published": listed(week="2026-W19", sort="publishedAt", limit=100),
    "page0": listed(week="2026-W19", limit=5, p=0),
    "page1": listed(week="2026-W19", limit=5, p=1),
    "first10": listed(week="2026-W19", limit=10),
    "submitter": listed(week="2026-W19", submitter="taesiri", limit=100),
    "limit_101": status(lambda: listed(limit=101)),
    "paper_info": {
        "id": info.id, "title": info.title, "summary": info.summary, "upvotes": info.upvotes,
        "authors": [{"name": a.name, "type": type(a).__name__} for a in info.authors],
        "submitter": getattr(info.submitted_by, "name", None),
        "submitted_at": info.submitted_at.isoformat() if info.submitted_at else None,
    },
    "paper_info_missing": status(lambda: api.paper_info("2605.99999")),
    "list_papers": [{"id": p.id} for p in api.list_papers(query=word, limit=5)],
    "read_paper": api.read_paper(paper_id),
    "read_paper_missing": status(lambda: api.read_paper("2605.99999")),
}
print(json.dumps(out))
"#;

fn python() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/venv/bin/python"))
}

/// Runs `script` (Python that uses `huggingface_hub` and prints JSON) against `server` with
/// `HF_ENDPOINT` set and no token anywhere.
pub(crate) fn run_client(server: &TestServer, script: &str, args: &[&str]) -> Value {
    assert!(
        python().exists(),
        "the Hugging Face client tests need huggingface_hub in .cache/venv: run scripts/setup-tests"
    );
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(python())
        .args(["-c", script])
        .args(args)
        .env("HF_ENDPOINT", format!("{}/hf", server.base_url))
        .env("HF_HOME", home.path())
        .env("HF_HUB_DISABLE_TELEMETRY", "1")
        .env("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HF_TOKEN")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The raw Hugging Face entries of each day of the week.
fn raw_week(data: &std::path::Path) -> HashMap<&'static str, Vec<Value>> {
    WEEK.iter()
        .map(|day| {
            let text = std::fs::read_to_string(data.join(format!("hf-daily/{day}.json"))).unwrap();
            (*day, serde_json::from_str::<Vec<Value>>(&text).unwrap())
        })
        .collect()
}

/// The latest day of the week that listed each paper. The client keeps no day of listing
/// (`PaperInfo.submitted_at` is read from the entry's `publishedAt`, as Hugging Face sends it).
fn listing_days(raw: &HashMap<&'static str, Vec<Value>>) -> HashMap<String, &'static str> {
    let mut days = HashMap::new();
    for day in WEEK {
        for entry in &raw[day] {
            days.insert(entry["paper"]["id"].as_str().unwrap().to_string(), day);
        }
    }
    days
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn huggingface_hub_reads_papers_from_paperboy() {
    let Some(data) = shared_data() else { return };
    let raw = raw_week(&data);
    let server = TestServer::with_data(&WEEK.map(|day| data.join(format!("hf-daily/{day}.json"))));
    let day = &raw["2026-05-05"];
    let top = day
        .iter()
        .max_by_key(|e| e["paper"]["upvotes"].as_i64().unwrap())
        .unwrap();
    let top_id = top["paper"]["id"].as_str().unwrap();
    let top_title = top["paper"]["title"].as_str().unwrap();
    let word = top_title
        .split(|c: char| !c.is_alphanumeric())
        .max_by_key(|w| w.len())
        .unwrap();

    let out = run_client(&server, CLIENT, &[top_id, word]);
    let listing_day = listing_days(&raw);
    let days_of = |list: &Value| -> Vec<&str> { ids(list).iter().map(|id| listing_day[id]).collect() };

    // date: that day's list, as Hugging Face listed it.
    let listed: BTreeSet<String> = ids(&out["date"]).into_iter().collect();
    let expected: BTreeSet<String> = day
        .iter()
        .map(|e| e["paper"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, expected);

    // week and month: every day's papers, each once (only this week is loaded).
    let week_ids: BTreeSet<String> = raw
        .values()
        .flatten()
        .map(|e| e["paper"]["id"].as_str().unwrap().to_string())
        .collect();
    for span in ["week", "month"] {
        let got = ids(&out[span]);
        assert_eq!(got.len(), week_ids.len(), "{span}: each paper once");
        assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), week_ids, "{span}");
        let days: BTreeSet<&str> = days_of(&out[span]).into_iter().collect();
        assert_eq!(days.len(), WEEK.len(), "{span} holds several days: {days:?}");
    }
    assert!(
        out["week"].as_array().unwrap().len() > 50,
        "limit=100 lifts the default of 50"
    );

    // No span: the latest day's list, at most the default 50.
    let latest: BTreeSet<&str> = days_of(&out["default"]).into_iter().collect();
    assert_eq!(latest, BTreeSet::from(["2026-05-08"]));

    // sort: trending puts the day's most upvoted first; publishedAt, the newest day first.
    // (`PaperInfo` reads an upvote count of 0 as None.)
    let upvotes: Vec<i64> = out["trending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["upvotes"].as_i64().unwrap_or(0))
        .collect();
    assert!(upvotes.windows(2).all(|w| w[0] >= w[1]), "{upvotes:?}");
    assert_eq!(out["trending"][0]["id"], top_id);
    // Over the week, trending is the hot rank (upvotes against age) as of the week's end.
    let upvotes_of: HashMap<&str, i64> = WEEK
        .iter()
        .flat_map(|day| &raw[day])
        .map(|e| {
            (
                e["paper"]["id"].as_str().unwrap(),
                e["paper"]["upvotes"].as_i64().unwrap(),
            )
        })
        .collect();
    let end = end_of_day(NaiveDate::from_ymd_opt(2026, 5, 10).unwrap());
    let hot: Vec<f64> = ids(&out["week_trending"])
        .iter()
        .map(|id| {
            let day = NaiveDate::parse_from_str(listing_day[id], "%Y-%m-%d").unwrap();
            hot_score(upvotes_of[id.as_str()] as u64, day, end)
        })
        .collect();
    assert!(hot.windows(2).all(|w| w[0] >= w[1]), "{hot:?}");
    assert_ne!(ids(&out["week_trending"]), ids(&out["published"]));
    let days = days_of(&out["published"]);
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");
    assert_eq!(days[0], "2026-05-08");

    // p and limit: two pages of five are the first ten.
    let (page0, page1) = (ids(&out["page0"]), ids(&out["page1"]));
    assert_eq!((page0.len(), page1.len()), (5, 5));
    assert_eq!([page0, page1].concat(), ids(&out["first10"]));
    assert_eq!(out["limit_101"], 400);

    // submitter: imported Hugging Face submitters, as Hugging Face named them.
    let by_taesiri: BTreeSet<String> = raw
        .values()
        .flatten()
        .filter(|e| e["submittedBy"]["name"] == "taesiri")
        .map(|e| e["paper"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!by_taesiri.is_empty());
    assert_eq!(ids(&out["submitter"]).into_iter().collect::<BTreeSet<_>>(), by_taesiri);
    for entry in out["submitter"].as_array().unwrap() {
        assert_eq!(entry["submitter"], "taesiri");
        assert_eq!(entry["username"], "taesiri");
    }

    // paper_info: authors as objects, with Hugging Face's names.
    let info = &out["paper_info"];
    assert_eq!(info["id"], top_id);
    assert_eq!(info["title"], top_title);
    let names: Vec<&str> = info["authors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["type"], "PaperAuthor");
            a["name"].as_str().unwrap()
        })
        .collect();
    let raw_names: Vec<&str> = top["paper"]["authors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, raw_names);
    assert_eq!(info["submitter"], top["submittedBy"]["name"]);
    assert!(info["upvotes"].as_i64().unwrap() >= top["paper"]["upvotes"].as_i64().unwrap());
    assert_eq!(out["paper_info_missing"], 404);

    // list_papers: the paper whose title has the word.
    let found = ids(&out["list_papers"]);
    assert!(found.len() <= 5);
    assert!(found.iter().any(|id| id == top_id), "{word}: {found:?}");

    // read_paper: Markdown with the title and the abstract.
    let markdown = out["read_paper"].as_str().unwrap();
    assert!(markdown.starts_with(&format!("# {top_title}\n")), "{markdown}");
    assert!(markdown.contains("## Abstract"));
    let opening: String = top["paper"]["summary"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(markdown.contains(&opening), "{opening}\n{markdown}");
    assert_eq!(out["read_paper_missing"], 404);
}

#[test]
fn paperboy_routes_keep_their_shapes_beside_hf_ones() {
    let Some(data) = shared_data() else { return };
    let server = TestServer::with_data(&[data.join("hf-daily/2026-05-05.json")]);
    let raw = raw_week(&data);
    let id = raw["2026-05-05"][0]["paper"]["id"].as_str().unwrap();

    // Paperboy's own paper JSON keeps authors as strings; the HF route sends objects.
    let own = server.get(&format!("/api/papers/{id}")).json();
    assert!(own["authors"][0].is_string(), "{own}");
    let hf = server.get(&format!("/hf/api/papers/{id}")).json();
    assert!(hf["authors"][0]["name"].is_string(), "{hf}");

    // Paperboy's search answers an object; the HF route a list.
    assert!(server.get("/api/papers/search?q=model").json()["results"].is_array());
    assert!(server.get("/hf/api/papers/search?q=model").json().is_array());

    // The paper page's `.md` is the same Markdown as the HF route's.
    let page_md = server.get(&format!("/papers/{id}.md"));
    assert_eq!(page_md.status, 200);
    assert!(
        page_md.content_type.starts_with("text/markdown"),
        "{}",
        page_md.content_type
    );
    assert_eq!(page_md.body, server.get(&format!("/hf/papers/{id}.md")).body);
    assert_eq!(server.get("/papers/2605.99999.md").status, 404);

    // date, week and month each narrow the span: together, the days they share.
    let day = server.get("/api/daily_papers?date=2026-05-05&limit=100").json();
    let both = server.get("/api/daily_papers?date=2026-05-05&week=2026-W19&limit=100");
    assert_eq!(both.status, 200, "{}", both.body);
    assert_eq!(both.json(), day);
    assert!(!day.as_array().unwrap().is_empty());
    let apart = server.get("/api/daily_papers?date=2026-05-05&month=2026-04");
    assert_eq!(apart.json(), serde_json::json!([]), "no day in common");
    assert_eq!(server.get("/api/daily_papers?sort=upvotes").status, 400);
    assert_eq!(server.get("/api/daily_papers?date=").status, 400, "given empty");
}
