//! Stored embeddings: replacing, tailing by sequence, and the cursor written with them.

use paperboy_domain::{ArxivId, Paper};
use paperboy_store::embeddings::text_hash;
use paperboy_store::{EmbeddingStore, EmbeddingWrite, PaperStore, SqliteStore, StoreError, Upsert};

fn store_with(ids: &[&str]) -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let papers: Vec<Paper> = ids
        .iter()
        .map(|id| {
            let mut p = Paper::new(ArxivId::parse(id).unwrap());
            p.title = format!("Paper {id}");
            p.categories = vec!["cs.CL".into()];
            p.announced = Some("2026-01-07".parse().unwrap());
            p
        })
        .collect();
    let batch: Vec<Upsert<'_>> = papers.iter().map(|paper| Upsert { paper, daily: &[] }).collect();
    store.upsert_batch(&batch).unwrap();
    (dir, store)
}

fn id(s: &str) -> ArxivId {
    ArxivId::parse(s).unwrap()
}

#[test]
fn embeddings_are_stored_replaced_and_tailed_in_write_order() {
    let (_dir, store) = store_with(&["2601.00001", "2601.00002"]);
    let (a, b) = (id("2601.00001"), id("2601.00002"));
    let rows = [
        EmbeddingWrite {
            id: &a,
            text_hash: text_hash("a"),
            vector: &[1.0, 0.0],
        },
        EmbeddingWrite {
            id: &b,
            text_hash: text_hash("b"),
            vector: &[0.0, 1.0],
        },
    ];
    store.put_embeddings("m1", &rows, &[], "embed.cursor", 2).unwrap();
    assert_eq!(store.state("embed.cursor").unwrap().as_deref(), Some("2"));
    assert_eq!(store.embedding_count("m1").unwrap(), (2, 2));

    let all = store.vectors_since("m1", 0, 10).unwrap();
    assert_eq!(
        all.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
        ["2601.00001", "2601.00002"]
    );
    assert_eq!(all[0].categories, ["cs.CL"]);
    assert_eq!(all[0].day, Some("2026-01-07".parse().unwrap()));

    // Re-embedding a paper replaces its row and moves it to the end of the feed.
    store
        .put_embeddings(
            "m1",
            &[EmbeddingWrite {
                id: &a,
                text_hash: text_hash("a2"),
                vector: &[0.5, 0.5],
            }],
            &[],
            "embed.cursor",
            3,
        )
        .unwrap();
    let since = store.vectors_since("m1", 2, 10).unwrap();
    assert_eq!(since.len(), 1);
    assert_eq!(
        (since[0].id.as_str(), since[0].vector.as_slice()),
        ("2601.00001", &[0.5, 0.5][..])
    );
    assert_eq!(store.vector_of("m1", &a).unwrap(), Some(vec![0.5, 0.5]));
    assert_eq!(store.embedding_count("m1").unwrap(), (2, 3));

    // Touching keeps the vector but moves the row to the end of the feed again.
    store
        .put_embeddings("m1", &[], std::slice::from_ref(&b), "embed.cursor", 4)
        .unwrap();
    let since = store.vectors_since("m1", 3, 10).unwrap();
    assert_eq!(
        (since[0].id.as_str(), since[0].vector.as_slice()),
        ("2601.00002", &[0.0, 1.0][..])
    );
    let meta = store.vector_meta("m1").unwrap();
    assert_eq!(meta.len(), 2);
    assert!(meta.iter().all(|m| m.vector.is_empty()), "metadata only");

    let hashes = store
        .embedding_hashes("m1", &[a.clone(), b.clone(), id("2601.00009")])
        .unwrap();
    assert_eq!(hashes, vec![(a.clone(), text_hash("a2")), (b.clone(), text_hash("b"))]);
    assert!(store
        .embedding_hashes("other-model", std::slice::from_ref(&a))
        .unwrap()
        .is_empty());
    assert!(store.vectors_since("other-model", 0, 10).unwrap().is_empty());
}

#[test]
fn an_embedding_for_an_unknown_paper_is_refused_and_nothing_is_written() {
    let (_dir, store) = store_with(&["2601.00001"]);
    let (a, ghost) = (id("2601.00001"), id("2601.09999"));
    let rows = [
        EmbeddingWrite {
            id: &a,
            text_hash: 1,
            vector: &[1.0],
        },
        EmbeddingWrite {
            id: &ghost,
            text_hash: 2,
            vector: &[1.0],
        },
    ];
    let err = store.put_embeddings("m1", &rows, &[], "embed.cursor", 5).unwrap_err();
    assert!(
        matches!(err, StoreError::Other(ref m) if m.contains("2601.09999")),
        "{err}"
    );
    assert_eq!(
        store.embedding_count("m1").unwrap(),
        (0, 0),
        "the transaction rolled back"
    );
    assert_eq!(store.state("embed.cursor").unwrap(), None, "the cursor did not move");
}

#[test]
fn the_backlog_counts_papers_changed_after_a_sequence_number() {
    let (_dir, store) = store_with(&["2601.00001", "2601.00002", "2601.00003"]);
    let seq = store.change_seq().unwrap();
    assert_eq!(store.papers_changed_after(0).unwrap(), 3);
    assert_eq!(store.papers_changed_after(seq).unwrap(), 0);
}
