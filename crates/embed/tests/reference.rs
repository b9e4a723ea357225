//! paperboy's embeddings against real sentence-transformers output
//! (fixtures/minilm-reference.json, made by scripts/make-embedding-reference.py): the real model
//! on the real runtime, found as paperboy finds them. Needs scripts/setup to have run.

use paperboy_embed::{EmbedOptions, Embedder, Precision, Tuning};

struct Reference {
    texts: Vec<String>,
    tokens_untruncated: Vec<usize>,
    embeddings: Vec<Vec<f32>>,
}

fn reference() -> Reference {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/minilm-reference.json");
    let text = std::fs::read_to_string(path).expect("the reference fixture");
    let fixture: serde_json::Value = serde_json::from_str(&text).expect("fixture JSON");
    let items = fixture["items"].as_array().expect("items");
    Reference {
        texts: items
            .iter()
            .map(|i| i["text"].as_str().expect("text").to_string())
            .collect(),
        tokens_untruncated: items
            .iter()
            .map(|i| i["tokens_untruncated"].as_u64().expect("tokens") as usize)
            .collect(),
        embeddings: items
            .iter()
            .map(|i| {
                i["embedding"]
                    .as_array()
                    .expect("embedding")
                    .iter()
                    .map(|x| x.as_f64().expect("float") as f32)
                    .collect()
            })
            .collect(),
    }
}

/// The fp32 graph: what sentence-transformers computes.
fn load(tuning: Tuning) -> Embedder {
    load_as(Precision::Fp32, tuning)
}

fn load_as(precision: Precision, tuning: Tuning) -> Embedder {
    let options = EmbedOptions {
        precision,
        ..EmbedOptions::default()
    };
    Embedder::load_tuned(&options, tuning).unwrap_or_else(|error| {
        panic!("{error}\n(the embedding tests need the model and ONNX Runtime: run scripts/setup)")
    })
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

fn assert_matches_reference(embedder: &Embedder, reference: &Reference) {
    assert_close_to_reference(embedder, reference, 0.999);
}

fn assert_close_to_reference(embedder: &Embedder, reference: &Reference, lowest: f32) {
    let texts: Vec<&str> = reference.texts.iter().map(String::as_str).collect();
    let vectors = embedder.embed(&texts).expect("embed");
    assert_eq!(vectors.len(), texts.len());
    let mut worst = (f32::INFINITY, 0);
    for (i, (vector, expected)) in vectors.iter().zip(&reference.embeddings).enumerate() {
        assert_eq!(vector.len(), 384);
        let norm: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "text {i} is not normalised: {norm}");
        let c = cosine(vector, expected);
        if c < worst.0 {
            worst = (c, i);
        }
    }
    eprintln!(
        "lowest cosine with sentence-transformers: {} (text {})",
        worst.0, worst.1
    );
    assert!(
        worst.0 > lowest,
        "text {} has cosine {} with sentence-transformers: {:?}",
        worst.1,
        worst.0,
        &reference.texts[worst.1][..80.min(reference.texts[worst.1].len())]
    );
}

#[test]
fn matches_sentence_transformers_one_text_at_a_time_on_parallel_sessions() {
    let reference = reference();
    assert!(
        reference.tokens_untruncated.iter().filter(|&&n| n > 256).count() >= 4,
        "the fixture must exercise truncation"
    );
    let embedder = load(Tuning::for_threads(2));
    assert_eq!(embedder.dim(), 384);
    assert_eq!(embedder.model_id(), "all-MiniLM-L6-v2@256");
    assert_matches_reference(&embedder, &reference);
}

/// The default graph, int8: close to sentence-transformers, not equal (docs/benchmarks.md says
/// what the difference costs in search quality), and named apart.
#[test]
fn int8_stays_close_to_sentence_transformers_under_its_own_model_id() {
    let embedder = load_as(Precision::Int8, Tuning::for_threads(2));
    assert_eq!(
        embedder.precision(),
        Precision::Int8,
        "scripts/setup makes the int8 graph"
    );
    assert_eq!(embedder.model_id(), "all-MiniLM-L6-v2-int8@256");
    assert_close_to_reference(&embedder, &reference(), 0.98);
}

#[test]
fn matches_sentence_transformers_in_padded_batches() {
    let embedder = load(Tuning {
        sessions: 1,
        threads_per_session: 2,
        batch_size: 8,
        ..Tuning::for_threads(1)
    });
    assert_matches_reference(&embedder, &reference());
}

#[test]
fn truncation_is_part_of_the_model_id_and_caps_the_tokens() {
    let options = EmbedOptions {
        max_tokens: 128,
        precision: Precision::Fp32,
        ..EmbedOptions::default()
    };
    let embedder = Embedder::load_tuned(&options, Tuning::for_threads(1))
        .unwrap_or_else(|error| panic!("{error}\n(run scripts/setup)"));
    assert_eq!(embedder.model_id(), "all-MiniLM-L6-v2@128");
    let reference = reference();
    let texts: Vec<&str> = reference.texts.iter().map(String::as_str).collect();
    let counts = embedder.token_counts(&texts).expect("tokens");
    assert_eq!(counts.iter().max(), Some(&128));
    assert!(counts
        .iter()
        .zip(&reference.tokens_untruncated)
        .all(|(&n, &full)| n == full.min(128)));
}

#[test]
fn empty_input_gives_no_vectors_and_order_is_kept() {
    let embedder = load(Tuning::for_threads(2));
    assert!(embedder.embed(&[]).expect("embed nothing").is_empty());
    let texts = [
        "a much longer text about graph neural networks and molecules",
        "short",
        "",
    ];
    let together = embedder.embed(&texts).expect("embed");
    for (text, vector) in texts.iter().zip(&together) {
        let alone = embedder.embed(&[text]).expect("embed one");
        assert!(cosine(vector, &alone[0]) > 0.99999, "{text:?} changed with its batch");
    }
}
