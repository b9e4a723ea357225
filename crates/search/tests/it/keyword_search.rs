//! Keyword search over real papers: ranking, syntax, filters, and staying in step with the store.

use chrono::NaiveDate;
use paperboy_ingest::{ingest, IngestOptions, IngestReport};
use paperboy_search::{CatchUp, Filters, Mode, SearchError, SearchRequest, Searcher};
use paperboy_store::{PaperStore, SqliteStore};
use paperboy_testkit::shared_data;

struct Fixture {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    searcher: Searcher,
}

fn load(days: &str) -> Option<Fixture> {
    let data = shared_data()?;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let pattern = data.join("arxiv-listings").join(days);
    let sources = paperboy_ingest::source::expand(pattern.to_str().unwrap()).unwrap();
    let mut report = IngestReport::default();
    ingest(&store, &sources, IngestOptions::default(), &mut report).unwrap();
    let searcher = Searcher::open(dir.path()).unwrap();
    assert!(matches!(
        searcher.lexical.catch_up(&store).unwrap(),
        CatchUp::Done { .. }
    ));
    Some(Fixture {
        _dir: dir,
        store,
        searcher,
    })
}

fn request(text: &str) -> SearchRequest {
    SearchRequest::top(text, Mode::Lexical, 10)
}

fn ids(f: &Fixture, req: &SearchRequest) -> Vec<String> {
    f.searcher
        .search(&f.store, req)
        .unwrap()
        .results
        .iter()
        .map(|h| h.id.to_string())
        .collect()
}

/// Some paper of the fixture, by a stable pick.
fn some_paper(f: &Fixture, nth: usize) -> paperboy_domain::Paper {
    f.store.changed_since(0, nth + 1).unwrap().pop().unwrap().1
}

#[test]
fn a_title_finds_its_paper_first() {
    let Some(f) = load("2026-01-0[5-7].jsonl.gz") else {
        return;
    };
    let mut found_first = 0;
    for nth in (0..400).step_by(40) {
        let paper = some_paper(&f, nth);
        let hits = ids(&f, &request(&paper.title.replace('"', " ")));
        if hits.first() == Some(&paper.id.to_string()) {
            found_first += 1;
        }
    }
    assert!(
        found_first >= 9,
        "known-item titles ranked first for {found_first} of 10"
    );
}

#[test]
fn an_id_or_url_finds_that_paper_first_then_related_ones() {
    let Some(f) = load("2026-01-06.jsonl.gz") else { return };
    let paper = some_paper(&f, 7);
    for query in [paper.id.to_string(), format!("https://arxiv.org/abs/{}v1", paper.id)] {
        let hits = ids(&f, &request(&query));
        assert_eq!(hits.first(), Some(&paper.id.to_string()), "{query}");
        assert!(hits.len() > 1, "related papers follow");
        assert_eq!(hits.iter().filter(|h| **h == paper.id.to_string()).count(), 1);
    }
}

#[test]
fn syntax_filters_do_what_they_say() {
    let Some(f) = load("2026-01-0[5-7].jsonl.gz") else {
        return;
    };
    let paper = some_paper(&f, 3);
    let author = paper.authors[0].clone();
    let by_author = f
        .searcher
        .search(&f.store, &request(&format!("author:\"{author}\"")))
        .unwrap();
    assert!(
        by_author.results.iter().any(|h| h.id == paper.id),
        "author: finds the paper"
    );

    let category = paper.categories[0].clone();
    let in_category = ids(&f, &request(&format!("learning cat:{}", category.to_lowercase())));
    for id in &in_category {
        let doc = f.store.paper(&id.parse().unwrap()).unwrap().unwrap();
        assert!(doc.paper.categories.contains(&category), "{id} is in {category}");
    }

    let with = ids(&f, &request("language models"));
    let without = ids(&f, &request("language models -language"));
    assert!(!with.is_empty());
    assert!(without.iter().all(|id| !with.contains(id) || {
        let doc = f.store.paper(&id.parse().unwrap()).unwrap().unwrap();
        !doc.paper.title.to_lowercase().contains("language")
    }));

    let phrase = ids(&f, &request("\"large language models\""));
    for id in &phrase {
        let doc = f.store.paper(&id.parse().unwrap()).unwrap().unwrap();
        let text = format!("{} {}", doc.paper.title, doc.paper.abstract_text).to_lowercase();
        assert!(text.contains("large language model"), "{id} has the phrase");
    }
}

#[test]
fn date_filters_bound_the_announcement_day() {
    let Some(f) = load("2026-01-0[5-8].jsonl.gz") else {
        return;
    };
    let day = NaiveDate::from_ymd_opt(2026, 1, 7).unwrap();
    let mut req = request("model");
    req.filters = Filters {
        from: Some(day),
        until: Some(day),
        categories: vec![],
    };
    let response = f.searcher.search(&f.store, &req).unwrap();
    assert!(!response.results.is_empty());
    assert!(response.results.iter().all(|h| h.published == Some(day)));
    req.filters.from = NaiveDate::from_ymd_opt(2026, 1, 8);
    assert!(matches!(
        f.searcher.search(&f.store, &req),
        Err(SearchError::EmptyRange { .. })
    ));
}

#[test]
fn the_index_follows_the_store_and_reports_lag() {
    let Some(data) = shared_data() else { return };
    let Some(f) = load("2026-01-07.jsonl.gz") else { return };
    let before = f.searcher.lexical.len();
    assert_eq!(
        f.searcher.lexical.indexed_seq().unwrap(),
        f.store.stats().unwrap().change_seq
    );

    let more =
        paperboy_ingest::source::expand(data.join("arxiv-listings/2026-01-08.jsonl.gz").to_str().unwrap()).unwrap();
    ingest(&f.store, &more, IngestOptions::default(), &mut IngestReport::default()).unwrap();
    let stale = f.searcher.search(&f.store, &request("model")).unwrap();
    assert!(stale.index_lag > 0, "lag is reported, never hidden");
    assert!(stale.notices.iter().any(|n| n.contains("behind")));

    let CatchUp::Done { indexed, seq } = f.searcher.lexical.catch_up(&f.store).unwrap() else {
        panic!("busy")
    };
    assert!(indexed > 0);
    assert_eq!(seq, f.store.stats().unwrap().change_seq);
    assert!(f.searcher.lexical.len() > before);
    assert_eq!(f.searcher.search(&f.store, &request("model")).unwrap().index_lag, 0);
    assert_eq!(
        f.searcher.lexical.catch_up(&f.store).unwrap(),
        CatchUp::Done { indexed: 0, seq }
    );
}

#[test]
fn hostile_queries_get_a_reading_or_a_clear_error() {
    let Some(f) = load("2026-01-05.jsonl.gz") else { return };
    assert!(matches!(
        f.searcher.search(&f.store, &request("   ")),
        Err(SearchError::Query(_))
    ));
    let huge = "transformer ".repeat(1_000);
    let response = f.searcher.search(&f.store, &request(&huge)).unwrap();
    assert!(response.notices.iter().any(|n| n.contains("cut")));
    for odd in [
        "\"unclosed",
        "a:b:c",
        "((()))",
        "title:",
        "-",
        "\u{0}\u{1b}[31m",
        "*?~^",
        "NOT OR AND",
    ] {
        f.searcher
            .search(&f.store, &request(odd))
            .unwrap_or_else(|e| panic!("{odd:?}: {e}"));
    }
    let semantic = f
        .searcher
        .search(
            &f.store,
            &SearchRequest {
                mode: Mode::Hybrid,
                ..request("graph")
            },
        )
        .unwrap();
    assert_eq!(semantic.mode, Mode::Lexical);
    assert!(semantic
        .notices
        .iter()
        .any(|n| n.contains("semantic search is not available")));
}

#[test]
fn an_index_ahead_of_its_store_is_rebuilt_not_trusted() {
    // A store restored from an older copy (pg_restore, an older backup) numbers its changes
    // from where the copy was: the index, which followed the later state, must not take its
    // own, higher number as "caught up".
    let Some(f) = load("2026-01-07.jsonl.gz") else { return };
    let ahead = f.searcher.lexical.indexed_seq().unwrap();
    let older = tempfile::tempdir().unwrap();
    let restored = SqliteStore::open(older.path()).unwrap();
    let mut kept = 0;
    f.store
        .for_each_paper(&mut |doc| {
            if kept < 5 {
                let daily = Vec::new();
                restored.upsert_batch(&[paperboy_store::Upsert {
                    paper: &doc.paper,
                    daily: &daily,
                }])?;
                kept += 1;
            }
            Ok(())
        })
        .unwrap();
    assert!(restored.change_seq().unwrap() < ahead);
    let CatchUp::Done { indexed, seq } = f.searcher.lexical.catch_up(&restored).unwrap() else {
        panic!("busy")
    };
    assert_eq!((indexed, seq), (5, restored.change_seq().unwrap()));
    assert_eq!(f.searcher.lexical.len(), 5, "only what the restored store holds");
}

#[test]
fn the_index_survives_reopening() {
    let Some(f) = load("2026-01-05.jsonl.gz") else { return };
    let count = f.searcher.lexical.len();
    let seq = f.searcher.lexical.indexed_seq().unwrap();
    let dir = f._dir.path().to_path_buf();
    drop(f.searcher);
    let reopened = Searcher::open(&dir).unwrap();
    assert_eq!(reopened.lexical.len(), count);
    assert_eq!(reopened.lexical.indexed_seq().unwrap(), seq);
}

/// A fixture of made-up papers (listing lines written to a file), for ranking rules that real
/// papers show only by chance.
fn made_up(papers: &[(&str, &str, &str)]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("made-up.jsonl");
    let lines: Vec<String> = papers
        .iter()
        .map(|(id, title, summary)| {
            serde_json::json!({
                "id": id, "title": title, "summary": summary, "authors": ["Ada Example"],
                "categories": ["cs.LG"], "published": "2026-01-05T00:00:00Z",
            })
            .to_string()
        })
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let sources = paperboy_ingest::source::expand(file.to_str().unwrap()).unwrap();
    let mut report = IngestReport::default();
    ingest(&store, &sources, IngestOptions::default(), &mut report).unwrap();
    assert_eq!(report.inserted as usize, papers.len(), "{report:?}");
    let searcher = Searcher::open(dir.path()).unwrap();
    searcher.lexical.catch_up(&store).unwrap();
    Fixture {
        _dir: dir,
        store,
        searcher,
    }
}

#[test]
fn words_add_up_across_fields_and_a_title_match_counts_more() {
    let filler = "We report experiments on several benchmarks and discuss limitations.";
    let f = made_up(&[
        ("2601.90001", "Gradient clipping for stable training", filler),
        (
            "2601.90002",
            "A study of optimisers",
            &format!("We look at gradient clipping. {filler}"),
        ),
        (
            "2601.90003",
            "Gradient clipping revisited",
            &format!("Gradient clipping keeps label-noise training stable. {filler}"),
        ),
        (
            "2601.90004",
            "Unrelated work on graphs",
            &format!("Noise in labels. {filler}"),
        ),
    ]);
    let ranked = ids(&f, &request("gradient clipping"));
    // Title and abstract together beat the title alone, which beats the abstract alone.
    assert_eq!(ranked, ["2601.90003", "2601.90001", "2601.90002"], "{ranked:?}");
    // A hyphenated word matches through its parts, each counting on its own: "Noise in labels"
    // matches "label-noise" too.
    let mut ranked = ids(&f, &request("label-noise"));
    ranked.sort();
    assert_eq!(ranked, ["2601.90003", "2601.90004"]);
}
