//! Stored sentence embeddings: the vectors semantic search ranks by.
//!
//! Embeddings are slow to compute (tens of papers a second), so they are computed once, in the
//! background, and kept in the store beside the papers. Each row remembers which model made
//! it and a hash of the text it was made from, so that a paper whose upvotes changed is not
//! embedded again, while one whose abstract changed is. Vector indexes are derived from these
//! rows: every write gets a new `embed_seq`, which indexes tail like papers' `change_seq`.

use chrono::NaiveDate;
use paperboy_domain::ArxivId;

use crate::rows::RowRead;
use crate::StoreError;

/// One embedding to store for a paper, replacing any it had.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddingWrite<'a> {
    pub id: &'a ArxivId,
    /// A hash of the text that was embedded (see `text_hash`).
    pub text_hash: u64,
    pub vector: &'a [f32],
}

/// A stored embedding with what a vector index needs to filter by.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVector {
    /// Increases with every embedding write; vector indexes resume after the last one they saw.
    pub seq: i64,
    /// A small, stable number for the paper inside this store (the vector index's key).
    pub key: u64,
    pub id: ArxivId,
    /// Announcement day, else first submission day: what date filters compare.
    pub day: Option<NaiveDate>,
    pub categories: Vec<String>,
    pub vector: Vec<f32>,
}

/// The columns of a stored vector as a backend reads them (categories as JSON text, the vector
/// as little-endian bytes).
pub(crate) struct VectorRow {
    pub seq: i64,
    pub key: i64,
    pub id: String,
    pub announced: Option<NaiveDate>,
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    pub categories: String,
    pub bytes: Vec<u8>,
}

impl VectorRow {
    /// Reads the columns `embed_seq, paper_key, id, announced, published, categories, vector`.
    pub fn read(row: &impl RowRead) -> Result<VectorRow, StoreError> {
        Ok(VectorRow {
            seq: row.column(0)?,
            key: row.column(1)?,
            id: row.column(2)?,
            announced: row.column(3)?,
            published: row.column(4)?,
            categories: row.column(5)?,
            bytes: row.column(6)?,
        })
    }

    /// Decodes the row, naming the paper when a column is unreadable.
    pub fn decode(self) -> Result<StoredVector, StoreError> {
        let corrupt = |message: String| StoreError::Corrupt {
            id: self.id.clone(),
            message,
        };
        let id = ArxivId::parse(&self.id).map_err(|e| corrupt(e.to_string()))?;
        let categories: Vec<String> =
            serde_json::from_str(&self.categories).map_err(|e| corrupt(format!("categories: {e}")))?;
        let vector = vector_from_bytes(&self.bytes).ok_or_else(|| corrupt("embedding has a partial float".into()))?;
        Ok(StoredVector {
            seq: self.seq,
            key: self.key as u64,
            id,
            day: self.announced.or(self.published.map(|p| p.date_naive())),
            categories,
            vector,
        })
    }
}

/// Storage for embeddings, per model. Implemented by every store backend.
pub trait EmbeddingStore: Send + Sync {
    /// For each of `ids` that has an embedding by `model`, the hash of the text it was made from.
    fn embedding_hashes(&self, model: &str, ids: &[ArxivId]) -> Result<Vec<(ArxivId, u64)>, StoreError>;

    /// Stores `rows` (made by `model`), gives the embeddings of `touched` papers a new `seq`
    /// without changing their vectors (their text is the same but their dates or categories
    /// may have changed, which vector indexes filter by), and records `cursor` under state key
    /// `cursor_key` — all in one transaction: a crash leaves all or none, so catch-up resumes
    /// exactly.
    fn put_embeddings(
        &self,
        model: &str,
        rows: &[EmbeddingWrite<'_>],
        touched: &[ArxivId],
        cursor_key: &str,
        cursor: i64,
    ) -> Result<(), StoreError>;

    /// Embeddings by `model` written after `after_seq`, oldest first, at most `limit`.
    fn vectors_since(&self, model: &str, after_seq: i64, limit: usize) -> Result<Vec<StoredVector>, StoreError>;

    /// Every embedding by `model` without its vector (`vector` is empty): what a vector index
    /// loaded from disk needs to filter by.
    fn vector_meta(&self, model: &str) -> Result<Vec<StoredVector>, StoreError>;

    /// The embedding of paper `id` by `model`, if it has one.
    fn vector_of(&self, model: &str, id: &ArxivId) -> Result<Option<Vec<f32>>, StoreError>;

    /// How many papers have an embedding by `model`, and the highest `seq` among them.
    fn embedding_count(&self, model: &str) -> Result<(u64, i64), StoreError>;

    /// How many papers changed after store change sequence `after_seq` (the embedding backlog),
    /// counted up to `at_most`: counting costs the count, and a search asks on every query.
    fn papers_changed_after(&self, after_seq: i64, at_most: u64) -> Result<u64, StoreError>;
}

/// A stable 64-bit hash (FNV-1a) of the text a paper's embedding is made from. Stable across
/// runs and platforms, unlike `std`'s hasher, because it is stored.
pub fn text_hash(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Vectors are stored as little-endian f32 bytes.
pub fn vector_to_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn vector_from_bytes(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_hash_is_stable_and_sensitive() {
        // Pinned: the value is stored, so it must never change between releases.
        assert_eq!(text_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(text_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(text_hash("abstract one"), text_hash("abstract two"));
    }

    #[test]
    fn vectors_round_trip_through_bytes() {
        let v = vec![0.5, -1.25, f32::MIN_POSITIVE, 3.0e7];
        assert_eq!(vector_from_bytes(&vector_to_bytes(&v)), Some(v));
        assert_eq!(vector_from_bytes(&[1, 2, 3]), None);
    }
}
