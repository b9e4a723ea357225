//! Stored embeddings: replacing, tailing by sequence, and the cursor written with them, on
//! every backend.

use crate::support;

use paperboy_domain::{ArxivId, Paper};
use paperboy_store::embeddings::text_hash;
use paperboy_store::{Backend, EmbeddingWrite, StoreError, Upsert};

/// Every backend, holding papers `ids` (announced 2026-01-07, in cs.CL).
fn backends_with(ids: &[&str]) -> Vec<support::TestBackend> {
    let backends = support::backends();
    for b in &backends {
        add_papers(&*b.store, ids);
    }
    backends
}

fn add_papers(store: &dyn Backend, ids: &[&str]) {
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
}

fn id(s: &str) -> ArxivId {
    ArxivId::parse(s).unwrap()
}

#[test]
fn embeddings_are_stored_replaced_and_tailed_in_write_order() {
    for b in backends_with(&["2601.00001", "2601.00002"]) {
        let store = &*b.store;
        let (a, c) = (id("2601.00001"), id("2601.00002"));
        let rows = [
            EmbeddingWrite {
                id: &a,
                text_hash: text_hash("a"),
                vector: &[1.0, 0.0],
            },
            EmbeddingWrite {
                id: &c,
                text_hash: text_hash("b"),
                vector: &[0.0, 1.0],
            },
        ];
        store.put_embeddings("m1", &rows, &[], "embed.cursor", 2).unwrap();
        assert_eq!(store.state("embed.cursor").unwrap().as_deref(), Some("2"), "{}", b.name);
        assert_eq!(store.embedding_count("m1").unwrap(), (2, 2), "{}", b.name);

        let all = store.vectors_since("m1", 0, 10).unwrap();
        assert_eq!(
            all.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
            ["2601.00001", "2601.00002"],
            "{}",
            b.name
        );
        assert_eq!(all[0].categories, ["cs.CL"], "{}", b.name);
        assert_eq!(all[0].day, Some("2026-01-07".parse().unwrap()), "{}", b.name);
        assert_ne!(all[0].key, all[1].key, "{}: keys tell papers apart", b.name);

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
        assert_eq!(since.len(), 1, "{}", b.name);
        assert_eq!(
            (since[0].id.as_str(), since[0].vector.as_slice()),
            ("2601.00001", &[0.5, 0.5][..]),
            "{}",
            b.name
        );
        assert_eq!(since[0].key, all[0].key, "{}: a paper keeps its key", b.name);
        assert_eq!(store.vector_of("m1", &a).unwrap(), Some(vec![0.5, 0.5]), "{}", b.name);
        assert_eq!(store.embedding_count("m1").unwrap(), (2, 3), "{}", b.name);

        // Touching keeps the vector but moves the row to the end of the feed again.
        store
            .put_embeddings("m1", &[], std::slice::from_ref(&c), "embed.cursor", 4)
            .unwrap();
        let since = store.vectors_since("m1", 3, 10).unwrap();
        assert_eq!(
            (since[0].id.as_str(), since[0].vector.as_slice()),
            ("2601.00002", &[0.0, 1.0][..]),
            "{}",
            b.name
        );
        assert_eq!(store.state("embed.cursor").unwrap().as_deref(), Some("4"), "{}", b.name);
        let meta = store.vector_meta("m1").unwrap();
        assert_eq!(meta.len(), 2, "{}", b.name);
        assert!(meta.iter().all(|m| m.vector.is_empty()), "{}: metadata only", b.name);
        assert_eq!(store.vectors_since("m1", 0, 1).unwrap().len(), 1, "{}: limited", b.name);

        let hashes = store
            .embedding_hashes("m1", &[c.clone(), a.clone(), id("2601.00009")])
            .unwrap();
        assert_eq!(
            hashes,
            vec![(c.clone(), text_hash("b")), (a.clone(), text_hash("a2"))],
            "{}: in the order asked",
            b.name
        );
        assert!(
            store
                .embedding_hashes("other-model", std::slice::from_ref(&a))
                .unwrap()
                .is_empty(),
            "{}",
            b.name
        );
        assert!(
            store.vectors_since("other-model", 0, 10).unwrap().is_empty(),
            "{}",
            b.name
        );
        assert_eq!(store.vector_of("other-model", &a).unwrap(), None, "{}", b.name);
    }
}

#[test]
fn hashes_with_the_high_bit_set_and_unannounced_papers_round_trip() {
    for b in backends_with(&[]) {
        let store = &*b.store;
        let mut p = Paper::new(id("2601.00001"));
        p.categories = vec!["cs.CL".into(), "cs.AI".into()];
        p.published = Some("2026-01-05T23:30:00Z".parse().unwrap());
        store.upsert_batch(&[Upsert { paper: &p, daily: &[] }]).unwrap();
        let hash = u64::MAX - 1;
        let write = EmbeddingWrite {
            id: &p.id,
            text_hash: hash,
            vector: &[f32::MIN_POSITIVE, -2.5],
        };
        store.put_embeddings("m1", &[write], &[], "c", 1).unwrap();
        assert_eq!(
            store.embedding_hashes("m1", std::slice::from_ref(&p.id)).unwrap(),
            [(p.id.clone(), hash)],
            "{}",
            b.name
        );
        let stored = &store.vectors_since("m1", 0, 10).unwrap()[0];
        assert_eq!(
            stored.day,
            Some("2026-01-05".parse().unwrap()),
            "{}: else the submission day",
            b.name
        );
        assert_eq!(stored.categories, ["cs.CL", "cs.AI"], "{}", b.name);
        assert_eq!(stored.vector, [f32::MIN_POSITIVE, -2.5], "{}", b.name);

        // One embedding per paper: another model's replaces it.
        store.put_embeddings("m2", &[write], &[], "c", 2).unwrap();
        assert_eq!(store.embedding_count("m1").unwrap().0, 0, "{}", b.name);
        assert_eq!(store.embedding_count("m2").unwrap(), (1, 2), "{}", b.name);
    }
}

#[test]
fn an_embedding_for_an_unknown_paper_is_refused_and_nothing_is_written() {
    for b in backends_with(&["2601.00001"]) {
        let store = &*b.store;
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
            "{}: {err}",
            b.name
        );
        assert_eq!(
            store.embedding_count("m1").unwrap(),
            (0, 0),
            "{}: the transaction rolled back",
            b.name
        );
        assert_eq!(
            store.state("embed.cursor").unwrap(),
            None,
            "{}: the cursor did not move",
            b.name
        );
    }
}

#[test]
fn the_backlog_counts_papers_changed_after_a_sequence_number() {
    for b in backends_with(&["2601.00001", "2601.00002", "2601.00003"]) {
        let store = &*b.store;
        let seq = store.change_seq().unwrap();
        assert_eq!(store.papers_changed_after(0, u64::MAX).unwrap(), 3, "{}", b.name);
        assert_eq!(
            store.papers_changed_after(0, 2).unwrap(),
            2,
            "counted up to the cap: {}",
            b.name
        );
        assert_eq!(store.papers_changed_after(seq, u64::MAX).unwrap(), 0, "{}", b.name);
    }
}
