//! What a per-reader ranking ("For you") needs from the search engine besides search: the
//! vectors of recent papers and of the papers a reader named, and a short text embedded as a
//! query.

use paperboy_domain::ArxivId;

use super::Searcher;
use crate::SearchError;

impl Searcher {
    /// The loaded model's embedding dimension (`None` without a model).
    pub fn embedding_dim(&self) -> Option<usize> {
        self.semantic.as_ref().map(|s| s.embedder.dim())
    }

    /// `text` embedded as a search query would be; `None` without a model.
    pub fn embed_text(&self, text: &str) -> Result<Option<Vec<f32>>, SearchError> {
        let Some(semantic) = &self.semantic else {
            return Ok(None);
        };
        // A reader is waiting: ahead of any background embedding, as a search's query is.
        let vector = semantic.embedder.embed_query(text).map_err(SearchError::Embedding)?;
        Ok(Some(vector))
    }

    /// Where the vector index is in the store's change sequence: it changes when vectors are
    /// added, so a caller that keeps vectors knows when to read them again (`None` without a
    /// model).
    pub fn vectors_seq(&self) -> Option<i64> {
        self.semantic.as_ref().map(|s| s.vectors.seq())
    }

    /// The vectors of `ids` that the vector index holds (in memory: no store query), in the
    /// order asked; empty without a model.
    pub fn vectors_of(&self, ids: &[ArxivId]) -> Vec<(ArxivId, Vec<f32>)> {
        self.semantic
            .as_ref()
            .map_or_else(Vec::new, |s| s.vectors.vectors_of(ids))
    }
}
