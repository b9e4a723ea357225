//! The semantic pipeline's own logic — resumable embedding catch-up, the persisted vector
//! index, filters, fusion and "similar" — over real papers, with a small deterministic
//! stand-in for the model (hashed bag of words). The real model's output is tested against
//! sentence-transformers in the embed crate and end to end in the CLI tests.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use paperboy_domain::ArxivId;
use paperboy_ingest::{ingest, IngestOptions, IngestReport};
use paperboy_search::semantic::{embed_pending, TextEmbedder};
use paperboy_search::{vectors_dir, Mode, SearchRequest, Searcher};
use paperboy_store::{EmbeddingStore, PaperStore, SqliteStore, Upsert};
use paperboy_testkit::shared_data;

const DIM: usize = 256;

/// Words hashed into buckets, L2-normalised: papers sharing words are near each other.
struct HashedWords {
    calls: std::sync::atomic::AtomicUsize,
}

impl TextEmbedder for HashedWords {
    fn model_id(&self) -> &str {
        "hashed-words-test"
    }
    fn dim(&self) -> usize {
        DIM
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        self.calls.fetch_add(texts.len(), std::sync::atomic::Ordering::Relaxed);
        Ok(texts
            .iter()
            .map(|text| {
                let mut v = vec![0f32; DIM];
                for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 3) {
                    let h = paperboy_store::embeddings::text_hash(&word.to_lowercase());
                    v[(h % DIM as u64) as usize] += 1.0;
                }
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                v.iter_mut().for_each(|x| *x /= norm);
                v
            })
            .collect())
    }
}

fn embedder() -> Arc<HashedWords> {
    Arc::new(HashedWords {
        calls: Default::default(),
    })
}

struct Fixture {
    dir: tempfile::TempDir,
    store: SqliteStore,
}

fn load() -> Fixture {
    let data = shared_data().expect("../shared/data is needed for these tests");
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let pattern = data.join("arxiv-listings").join("2026-01-07.jsonl.gz");
    let sources = paperboy_ingest::source::expand(pattern.to_str().unwrap()).unwrap();
    let mut report = IngestReport::default();
    ingest(&store, &sources, IngestOptions::default(), &mut report).unwrap();
    assert!(report.inserted > 100, "{report:?}");
    Fixture { dir, store }
}

fn open(f: &Fixture, e: &Arc<HashedWords>) -> Searcher {
    let searcher = Searcher::open_with(f.dir.path(), Ok(e.clone() as Arc<dyn TextEmbedder>), &f.store).unwrap();
    searcher.lexical.catch_up(&f.store).unwrap();
    searcher
}

/// A searcher over the fixture with every paper embedded.
fn open_embedded(f: &Fixture, e: &Arc<HashedWords>) -> Searcher {
    let searcher = open(f, e);
    searcher
        .embed_pending(&f.store, None, &AtomicBool::new(false), true)
        .unwrap();
    searcher
}

fn request(text: &str, mode: Mode) -> SearchRequest {
    SearchRequest::top(text, mode, 10)
}

fn any_paper(f: &Fixture) -> paperboy_domain::Paper {
    f.store.changed_since(0, 1).unwrap().remove(0).1
}

#[test]
fn catch_up_embeds_each_paper_once_resumes_after_a_stop_and_skips_unchanged_text() {
    let f = load();
    let papers = f.store.stats().unwrap().papers as usize;
    let e = embedder();
    let never = AtomicBool::new(false);

    // A budget stops it early (as a stop or a crash would); the next run resumes.
    let first = embed_pending(&f.store, e.as_ref(), Some(40), &never).unwrap();
    assert!(first.embedded >= 40 && first.embedded < papers, "{first:?}");
    let rest = embed_pending(&f.store, e.as_ref(), None, &never).unwrap();
    assert_eq!(
        first.embedded + rest.embedded,
        papers,
        "every paper embedded exactly once"
    );
    assert_eq!(e.calls.load(std::sync::atomic::Ordering::Relaxed), papers);
    assert_eq!(f.store.embedding_count(e.model_id()).unwrap().0, papers as u64);
    assert_eq!(embed_pending(&f.store, e.as_ref(), None, &never).unwrap().embedded, 0);

    // New votes change the paper but not its text: not embedded again. A new abstract is.
    let mut paper = any_paper(&f);
    let day = paperboy_domain::DailyEntry {
        day: "2026-01-08".parse().unwrap(),
        upvotes: 5,
        comments: 0,
        submitted_by: None,
        source: "test".into(),
    };
    f.store
        .upsert_batch(&[Upsert {
            paper: &paper,
            daily: &[day],
        }])
        .unwrap();
    let votes = embed_pending(&f.store, e.as_ref(), None, &never).unwrap();
    assert_eq!((votes.embedded, votes.unchanged), (0, 1));

    paper.version = Some(paper.version.unwrap_or(1) + 1);
    paper.abstract_text = "An entirely rewritten abstract about cooking pasta.".into();
    f.store
        .upsert_batch(&[Upsert {
            paper: &paper,
            daily: &[],
        }])
        .unwrap();
    let text = embed_pending(&f.store, e.as_ref(), None, &never).unwrap();
    assert_eq!(text.embedded, 1);
}

#[test]
fn semantic_and_hybrid_search_find_a_paper_by_its_words_and_report_the_mode() {
    let f = load();
    let e = embedder();
    let searcher = open_embedded(&f, &e);
    let target = any_paper(&f);

    for mode in [Mode::Semantic, Mode::Hybrid] {
        let response = searcher.search(&f.store, &request(&target.title, mode)).unwrap();
        assert_eq!(response.mode, mode);
        assert_eq!(response.embedding_lag, Some(0));
        assert_eq!(response.results[0].id, target.id, "{mode:?}: {:?}", response.results);
        assert_eq!(response.results[0].title, target.title);
    }
}

#[test]
fn semantic_scores_are_the_cosines_of_query_and_paper() {
    let f = load();
    let e = embedder();
    let searcher = open_embedded(&f, &e);
    let target = any_paper(&f);
    let query = &e.embed(&[target.title.as_str()]).unwrap()[0];
    let results = searcher
        .search(&f.store, &request(&target.title, Mode::Semantic))
        .unwrap()
        .results;
    assert!(results.len() > 3, "{results:?}");
    for hit in &results {
        let stored = f.store.vector_of(e.model_id(), &hit.id).unwrap().expect("embedded");
        let cosine: f32 = query.iter().zip(&stored).map(|(a, b)| a * b).sum();
        // One byte a dimension in the index: close to the stored vector's cosine, not exact.
        assert!(
            (hit.score - cosine).abs() < 0.02,
            "{}: score {} is not the cosine {cosine}",
            hit.id,
            hit.score
        );
    }
    assert!(
        results.windows(2).all(|w| w[0].score >= w[1].score),
        "best first: {results:?}"
    );
    let similar = searcher.similar(&f.store, &target.id, 5).unwrap();
    assert!(similar.iter().all(|h| (-1.0..=1.0).contains(&h.score)), "{similar:?}");
}

#[test]
fn filters_apply_to_semantic_results() {
    let f = load();
    let e = embedder();
    let searcher = open_embedded(&f, &e);
    let target = any_paper(&f);
    let other_category = "q-bio.zz";
    let mut req = request(&target.title, Mode::Semantic);
    req.filters.categories = vec![other_category.into()];
    assert!(searcher.search(&f.store, &req).unwrap().results.is_empty());

    let category = target.categories[0].clone();
    req.filters.categories = vec![category.clone()];
    let results = searcher.search(&f.store, &req).unwrap().results;
    assert_eq!(results[0].id, target.id);
    for hit in &results {
        let doc = f.store.paper(&hit.id).unwrap().unwrap();
        assert!(doc.paper.categories.iter().any(|c| c.eq_ignore_ascii_case(&category)));
    }

    let mut dated = request(&target.title, Mode::Semantic);
    dated.filters.from = Some("2030-01-01".parse().unwrap());
    assert!(searcher.search(&f.store, &dated).unwrap().results.is_empty());
}

#[test]
fn vectors_are_looked_up_by_id_in_memory_also_after_a_reopen() {
    let f = load();
    let e = embedder();
    let papers: Vec<ArxivId> = f
        .store
        .changed_since(0, 3)
        .unwrap()
        .into_iter()
        .map(|(_, p)| p.id)
        .collect();
    let unknown = ArxivId::parse("2601.99999").unwrap();
    let asked = vec![papers[2].clone(), unknown, papers[0].clone()];
    let check = |searcher: &Searcher| {
        let found = searcher.vectors_of(&asked);
        let ids: Vec<&ArxivId> = found.iter().map(|(id, _)| id).collect();
        assert_eq!(
            ids,
            vec![&papers[2], &papers[0]],
            "in the order asked, the unknown one left out"
        );
        for (id, vector) in &found {
            let stored = f.store.vector_of(e.model_id(), id).unwrap().expect("stored");
            // Unit length as stored, so that a dot product is the cosine.
            let cosine: f32 = vector.iter().zip(&stored).map(|(a, b)| a * b).sum();
            assert!(
                cosine > 0.99,
                "{id}: the index's (quantised) vector, unit length, is the stored one: {cosine}"
            );
        }
    };
    {
        let searcher = open(&f, &e);
        assert!(searcher.vectors_of(&asked).is_empty(), "nothing embedded yet");
        searcher
            .embed_pending(&f.store, None, &AtomicBool::new(false), true)
            .unwrap();
        check(&searcher);
    }
    check(&open(&f, &e));
}

#[test]
fn the_vector_index_persists_and_a_damaged_one_is_rebuilt_not_trusted() {
    let f = load();
    let e = embedder();
    let target = any_paper(&f);
    let before = {
        let searcher = open(&f, &e);
        searcher
            .embed_pending(&f.store, None, &AtomicBool::new(false), true)
            .unwrap();
        searcher.similar(&f.store, &target.id, 5).unwrap()
    };
    assert_eq!(before.len(), 5);
    assert!(
        before.iter().all(|h| h.id != target.id),
        "a paper is not similar to itself"
    );
    let dir = vectors_dir(f.dir.path(), e.model_id());
    assert!(dir.join("index.usearch").exists());

    let reopened = open(&f, &e);
    assert_eq!(reopened.vector_count(), f.store.stats().unwrap().papers as usize);
    assert_eq!(reopened.similar(&f.store, &target.id, 5).unwrap(), before);

    // Garbage inside the file, where usearch itself notices nothing (it loads, then answers
    // with wrong neighbours or fails every search): the checksum saved beside it does.
    let file = dir.join("index.usearch");
    let mut bytes = std::fs::read(&file).unwrap();
    let start = bytes.len() * 7 / 10;
    let end = (start + 4096).min(bytes.len());
    for (i, byte) in bytes[start..end].iter_mut().enumerate() {
        *byte = (i * 131 + 7) as u8;
    }
    std::fs::write(&file, bytes).unwrap();
    let repaired = open(&f, &e);
    assert_eq!(repaired.vector_count(), f.store.stats().unwrap().papers as usize);
    assert_eq!(repaired.similar(&f.store, &target.id, 5).unwrap(), before);
    drop(repaired);

    std::fs::write(dir.join("index.usearch"), b"not an index").unwrap();
    let repaired = open(&f, &e);
    assert_eq!(repaired.vector_count(), f.store.stats().unwrap().papers as usize);
    assert_eq!(repaired.similar(&f.store, &target.id, 5).unwrap(), before);
}

#[test]
fn without_a_model_search_says_so_and_falls_back_to_keywords() {
    let f = load();
    let searcher = Searcher::open_with(f.dir.path(), Err("no model here".into()), &f.store).unwrap();
    searcher.lexical.catch_up(&f.store).unwrap();
    let target = any_paper(&f);
    let response = searcher
        .search(&f.store, &request(&target.title, Mode::Hybrid))
        .unwrap();
    assert_eq!(response.mode, Mode::Lexical);
    assert!(
        response.notices.iter().any(|n| n.contains("no model here")),
        "{:?}",
        response.notices
    );
    assert_eq!(response.embedding_lag, None);
    let unknown = ArxivId::parse("2601.99999").unwrap();
    assert!(searcher.similar(&f.store, &unknown, 5).unwrap().is_empty());
}
