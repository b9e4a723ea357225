//! Each reader's model kept between rankings, and saved-search queries embedded once.

use std::collections::HashMap;
use std::sync::Mutex;

use paperboy_recommend::ReaderModel;
use paperboy_search::Searcher;

use crate::ForYouError;

/// Each reader's model, kept between requests so that a refit starts from the last weights.
#[derive(Default)]
pub struct Models {
    by_reader: Mutex<HashMap<i64, ReaderModel>>,
    /// Saved-search queries embedded once (the model is fixed for a process's life).
    queries: Mutex<HashMap<String, Vec<f32>>>,
}

/// Readers (or embedded queries) kept before the cache starts over: a bound on memory.
const MAX_CACHED: usize = 10_000;

impl Models {
    pub(crate) fn take(&self, reader: i64, dim: usize) -> ReaderModel {
        let mut models = self.by_reader.lock().unwrap_or_else(|p| p.into_inner());
        match models.remove(&reader) {
            Some(model) if model.dim == dim => model,
            _ => ReaderModel::new(dim, reader as u64),
        }
    }

    pub(crate) fn keep(&self, reader: i64, model: ReaderModel) {
        let mut models = self.by_reader.lock().unwrap_or_else(|p| p.into_inner());
        if models.len() >= MAX_CACHED {
            models.clear();
        }
        models.insert(reader, model);
    }

    /// `query` embedded by the search engine's model (`None` without one).
    pub(crate) fn query_vector(&self, searcher: &Searcher, query: &str) -> Result<Option<Vec<f32>>, ForYouError> {
        if let Some(found) = self.queries.lock().unwrap_or_else(|p| p.into_inner()).get(query) {
            return Ok(Some(found.clone()));
        }
        let Some(vector) = searcher.embed_text(query)? else {
            return Ok(None);
        };
        let mut queries = self.queries.lock().unwrap_or_else(|p| p.into_inner());
        if queries.len() >= MAX_CACHED {
            queries.clear();
        }
        queries.insert(query.to_string(), vector.clone());
        Ok(Some(vector))
    }
}
