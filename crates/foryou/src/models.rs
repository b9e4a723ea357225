//! Each reader's model kept between rankings, and saved-search queries embedded once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use paperboy_domain::{ArxivId, PaperDocument};
use paperboy_recommend::{Candidate, Lexicon, ReaderModel};
use paperboy_search::Searcher;
use paperboy_store::Backend;

use crate::ForYouError;

/// Each reader's model, kept between requests so that a refit starts from the last weights.
#[derive(Default)]
pub struct Models {
    by_reader: Mutex<HashMap<i64, ReaderModel>>,
    /// Saved-search queries embedded once (the model is fixed for a process's life).
    queries: Mutex<HashMap<String, Vec<f32>>>,
    /// Liked papers' words (title and abstract, authors), read from the store once.
    words: Mutex<HashMap<String, (String, Vec<String>)>>,
    /// The last window's words, analysed: every reader ranks the same window.
    window: Mutex<Option<Arc<WindowWords>>>,
}

/// A window's papers analysed for keywords and saved searches (`Lexicon`: about 1 s of CPU for
/// 10,000 papers), kept until the window's papers change.
pub(crate) struct WindowWords {
    key: u64,
    /// Title and abstract of each paper, in the window's order.
    pub(crate) texts: Vec<String>,
    pub(crate) lexicon: Lexicon,
}

/// What the model reads of a paper's text: its title and abstract.
pub(crate) fn paper_text(doc: &PaperDocument) -> String {
    format!("{} {}", doc.paper.title, doc.paper.abstract_text)
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

    /// A liked paper's title and abstract, and authors (empty when it is not stored).
    pub(crate) fn words_of(&self, store: &dyn Backend, id: &str) -> Result<(String, Vec<String>), ForYouError> {
        if let Some(found) = self.words.lock().unwrap_or_else(|p| p.into_inner()).get(id) {
            return Ok(found.clone());
        }
        let found = match ArxivId::parse(id)
            .ok()
            .map(|id| store.paper(&id))
            .transpose()?
            .flatten()
        {
            Some(doc) => (paper_text(&doc), doc.paper.authors),
            None => (String::new(), Vec::new()),
        };
        let mut words = self.words.lock().unwrap_or_else(|p| p.into_inner());
        if words.len() >= MAX_CACHED {
            words.clear();
        }
        words.insert(id.to_string(), found.clone());
        Ok(found)
    }

    /// The words of `papers`, analysed once for all readers while the window's papers stay the
    /// same (`zero`: a vector of the model's dimension, which the analysis does not read).
    pub(crate) fn window_words(&self, papers: &[PaperDocument], zero: &[f32]) -> Arc<WindowWords> {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        for doc in papers {
            let p = &doc.paper;
            (
                p.id.as_str(),
                p.version,
                p.title.len(),
                p.abstract_text.len(),
                &p.authors,
            )
                .hash(&mut hasher);
        }
        let key = hasher.finish();
        let mut cached = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(words) = cached.as_ref().filter(|w| w.key == key) {
            return Arc::clone(words);
        }
        let texts: Vec<String> = papers.iter().map(paper_text).collect();
        let lexicon = {
            let candidates: Vec<Candidate<'_>> = papers
                .iter()
                .zip(&texts)
                .map(|(doc, text)| crate::pool::candidate(doc, text, zero, doc.paper.announced.unwrap_or_default()))
                .collect();
            Lexicon::new(&candidates)
        };
        let words = Arc::new(WindowWords { key, texts, lexicon });
        *cached = Some(Arc::clone(&words));
        words
    }
}
