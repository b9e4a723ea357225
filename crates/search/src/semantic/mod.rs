//! Semantic search: sentence embeddings of papers, kept in the store, searched through an
//! approximate nearest-neighbour (HNSW) index in the data folder.
//!
//! Two stages, each resumable and each derived from the one before:
//! 1. [`embed_pending`] embeds papers whose text changed since its cursor and stores the
//!    vectors (slow: tens of papers a second, so `serve` runs it in the background);
//! 2. [`VectorIndex::catch_up`] adds stored vectors to the HNSW index (fast).
//!
//! The embedding model itself lives outside this crate, behind [`TextEmbedder`].

mod catch_up;
mod vectors;

pub use catch_up::{cursor_key, embed_pending, embed_pending_reporting, read_cursor, EmbedProgress};
pub use vectors::{VectorHit, VectorIndex};

/// A sentence-embedding model: texts in, L2-normalised vectors out.
pub trait TextEmbedder: Send + Sync {
    /// Names the model and every setting that changes its output; embeddings by another id are
    /// recomputed.
    fn model_id(&self) -> &str;
    fn dim(&self) -> usize;
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String>;
    /// A search query's vector. A model that runs background work should answer this first
    /// (a person is waiting); by default it is a one-text [`TextEmbedder::embed`].
    fn embed_query(&self, text: &str) -> Result<Vec<f32>, String> {
        self.embed(&[text])?
            .pop()
            .ok_or_else(|| "the model returned no vector".to_string())
    }
}

pub use paperboy_embed::paper_text;

/// The product's model: all-MiniLM-L6-v2 run by ONNX Runtime.
impl TextEmbedder for paperboy_embed::Embedder {
    fn model_id(&self) -> &str {
        paperboy_embed::Embedder::model_id(self)
    }
    fn dim(&self) -> usize {
        paperboy_embed::Embedder::dim(self)
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        paperboy_embed::Embedder::embed(self, texts).map_err(|e| e.to_string())
    }
    fn embed_query(&self, text: &str) -> Result<Vec<f32>, String> {
        paperboy_embed::Embedder::embed_query(self, text).map_err(|e| e.to_string())
    }
}

/// A file-system-safe folder name for a model id ("all-MiniLM-L6-v2@256" → "all-MiniLM-L6-v2_256").
pub fn model_slug(model_id: &str) -> String {
    model_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
