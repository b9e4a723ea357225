//! "For you": the recent papers ranked for one reader by `paperboy_recommend`, from what the
//! reader told paperboy (upvotes, follows, saved searches, "not interested").
//!
//! This module gathers the inputs — the window's papers with their vectors from the search
//! engine, the reader's signals from the store — keeps each reader's model between requests
//! (refitted from its previous weights on every ranking: well under a millisecond, so a new vote
//! counts at once), and ranks. Pages, the API and feeds show the result each in their shape.

pub mod feed;
mod gather;
pub mod settings;
pub mod show;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use paperboy_domain::ArxivId;
use paperboy_domain::PaperDocument;
use paperboy_recommend::{rank, Candidate, Lexicon, ReaderModel, Reason, Training, Weights};
use paperboy_search::Searcher;
use paperboy_store::Backend;

use crate::{AppError, AppState};

/// Announcement days in the window, unless asked otherwise.
pub const DEFAULT_DAYS: u32 = 3;
/// The widest window one may ask for.
pub const MAX_DAYS: u32 = 14;
/// The embedding dimension assumed when no model is loaded (then only follows, saved-search
/// words and popularity rank; the vectors are all zero).
const FALLBACK_DIM: usize = 384;

/// One ranked paper.
pub struct Pick {
    pub doc: PaperDocument,
    pub score: f32,
    /// A followed author's paper or a saved-search match.
    pub surfaced: bool,
    pub reasons: Vec<Reason>,
}

/// A reader's ranked window.
pub struct ForYou {
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// Announcement days in the window that had papers.
    pub days: Vec<NaiveDate>,
    /// Every candidate ranked, best first (callers page through it).
    pub picks: Vec<Pick>,
    /// Whether papers were compared by meaning (an embedding model is loaded).
    pub semantic: bool,
    /// The reader has told paperboy nothing yet: the list is the window by popularity.
    pub cold: bool,
}

/// The forms of `/settings/for-you`.
pub fn settings_routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/settings/for-you", get(settings::show))
        .route("/settings/for-you/follow", post(settings::follow))
        .route("/settings/for-you/unfollow", post(settings::unfollow))
        .route("/settings/for-you/search", post(settings::save_search))
        .route("/settings/for-you/search/delete", post(settings::delete_search))
        .route("/settings/for-you/feed", post(settings::create_feed_link))
        .route("/settings/for-you/feed/revoke", post(settings::revoke_feed_link))
        .route("/settings/for-you/forget", post(settings::forget))
}

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
struct WindowWords {
    key: u64,
    /// Title and abstract of each paper, in the window's order.
    texts: Vec<String>,
    lexicon: Lexicon,
}

/// Readers (or embedded queries) kept before the cache starts over: a bound on memory.
const MAX_CACHED: usize = 10_000;

impl Models {
    fn take(&self, reader: i64, dim: usize) -> ReaderModel {
        let mut models = self.by_reader.lock().unwrap_or_else(|p| p.into_inner());
        match models.remove(&reader) {
            Some(model) if model.dim == dim => model,
            _ => ReaderModel::new(dim, reader as u64),
        }
    }

    fn keep(&self, reader: i64, model: ReaderModel) {
        let mut models = self.by_reader.lock().unwrap_or_else(|p| p.into_inner());
        if models.len() >= MAX_CACHED {
            models.clear();
        }
        models.insert(reader, model);
    }

    /// A liked paper's title and abstract, and authors (empty when it is not stored).
    pub(crate) fn words_of(&self, store: &dyn Backend, id: &str) -> Result<(String, Vec<String>), AppError> {
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

    /// The window's words, analysed once for all readers while its papers stay the same.
    fn window_words(&self, papers: &[PaperDocument], zero: &[f32]) -> Arc<WindowWords> {
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
        let candidates: Vec<Candidate<'_>> = papers
            .iter()
            .zip(&texts)
            .map(|(doc, text)| candidate(doc, text, zero, doc.paper.announced.unwrap_or_default()))
            .collect();
        let lexicon = Lexicon::new(&candidates);
        let words = Arc::new(WindowWords { key, texts, lexicon });
        *cached = Some(Arc::clone(&words));
        words
    }

    /// `query` embedded by the search engine's model (`None` without one).
    pub(crate) fn query_vector(&self, searcher: &Searcher, query: &str) -> Result<Option<Vec<f32>>, AppError> {
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

/// Ranks the window of `days` announcement days for `reader`, on a blocking thread.
pub async fn for_reader(state: &AppState, reader: i64, days: u32) -> Result<ForYou, AppError> {
    let (store, searcher, models) = (
        Arc::clone(&state.store),
        Arc::clone(&state.searcher),
        Arc::clone(&state.for_you),
    );
    crate::kit::blocking(move || ranked(store.as_ref(), &searcher, &models, reader, days)).await
}

fn ranked(
    store: &dyn Backend,
    searcher: &Searcher,
    models: &Models,
    reader: i64,
    days: u32,
) -> Result<ForYou, AppError> {
    let today = chrono::Utc::now().date_naive();
    let window = gather::window(store, today, days)?;
    let dim = searcher.embedding_dim().unwrap_or(FALLBACK_DIM);
    let vectors: HashMap<String, Vec<f32>> = searcher
        .vectors_between(window.from, window.until)
        .into_iter()
        .map(|(id, v)| (id.to_string(), v))
        .collect();
    let signals = gather::signals(store, searcher, models, reader)?;
    let zero = vec![0.0f32; dim];
    let words = models.window_words(&window.papers, &zero);
    let candidates: Vec<Candidate<'_>> = window
        .papers
        .iter()
        .zip(&words.texts)
        .map(|(doc, text)| {
            let vector = vectors
                .get(doc.paper.id.as_str())
                .map_or(zero.as_slice(), Vec::as_slice);
            candidate(doc, text, vector, doc.paper.announced.unwrap_or(window.until))
        })
        .collect();
    let mut model = models.take(reader, dim);
    model
        .refit(&signals, &candidates, &Training::default())
        .map_err(|e| AppError::Internal(format!("the For you model could not be fitted: {e}")))?;
    let order = rank(&model, &signals, &candidates, &words.lexicon, &Weights::default())
        .map_err(|e| AppError::Internal(format!("For you could not be ranked: {e}")))?;
    models.keep(reader, model);
    let cold = signals.liked.is_empty()
        && signals.authors.is_empty()
        && signals.categories.is_empty()
        && signals.saved_searches.is_empty()
        && signals.not_interested.is_empty();
    let mut papers: Vec<Option<PaperDocument>> = window.papers.into_iter().map(Some).collect();
    let picks = order
        .into_iter()
        .filter_map(|r| {
            papers[r.index].take().map(|doc| Pick {
                doc,
                score: r.score,
                surfaced: r.surfaced,
                reasons: r.reasons,
            })
        })
        .collect();
    Ok(ForYou {
        from: window.from,
        until: window.until,
        days: window.days,
        picks,
        semantic: searcher.embedding_dim().is_some(),
        cold,
    })
}

/// What the model reads of a paper's text: its title and abstract.
fn paper_text(doc: &PaperDocument) -> String {
    format!("{} {}", doc.paper.title, doc.paper.abstract_text)
}

fn candidate<'a>(doc: &'a PaperDocument, text: &'a str, vector: &'a [f32], day: NaiveDate) -> Candidate<'a> {
    Candidate {
        id: doc.paper.id.as_str(),
        vector,
        authors: &doc.paper.authors,
        categories: &doc.paper.categories,
        text,
        day,
        upvotes: doc.upvotes.max(0) as u64,
    }
}
