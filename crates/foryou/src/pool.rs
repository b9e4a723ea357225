//! A window's candidates with their vectors, loaded once, ranked for one reader or many.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use paperboy_domain::PaperDocument;
use paperboy_recommend::{rank, Candidate, Ranked, Training, Weights};
use paperboy_search::Searcher;
use paperboy_store::{Backend, Page};

use crate::gather::{self, Window};
use crate::models::WindowData;
use crate::{ForYouError, Models, FALLBACK_DIM};

/// The candidates of a window: its papers, the text saved-search terms are matched in, and the
/// vectors the search engine holds for them (a paper not embedded yet ranks on a zero vector).
pub struct Pool {
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// Announcement days in the window that had papers.
    pub days: Vec<NaiveDate>,
    pub papers: Vec<Arc<PaperDocument>>,
    /// The papers' texts, keyword analysis and vectors, shared by every pool of the same papers.
    data: Arc<WindowData>,
    /// Whether papers are compared by meaning (an embedding model is loaded).
    pub semantic: bool,
}

/// One reader's order over a [`Pool`].
pub struct Ranking {
    /// Every candidate the reader has not judged, best first; `index` is into `Pool::papers`.
    pub order: Vec<Ranked>,
    /// The reader has told paperboy nothing yet: the order is the window by popularity.
    pub cold: bool,
}

impl Pool {
    /// The candidates of `window`, with their vectors and keyword analysis (`models`' if it
    /// has this window's, else made and kept there).
    pub fn new(searcher: &Searcher, models: &Models, window: Window) -> Pool {
        let dim = searcher.embedding_dim().unwrap_or(FALLBACK_DIM);
        let data = models.window_data(searcher, &window.papers, dim);
        Pool {
            from: window.from,
            until: window.until,
            days: window.days,
            papers: window.papers,
            data,
            semantic: searcher.embedding_dim().is_some(),
        }
    }

    /// The papers first shown from `from` to `until` (inclusive), as a digest period covers
    /// them: each day's daily list (the curated, most upvoted papers) first, then the day's
    /// announcements, each paper once, at most `cap` in all.
    pub fn between(
        store: &dyn Backend,
        searcher: &Searcher,
        models: &Models,
        from: NaiveDate,
        until: NaiveDate,
        cap: usize,
    ) -> Result<Pool, ForYouError> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut papers = Vec::new();
        let mut days = Vec::new();
        let mut listed = Vec::new();
        let mut announced = Vec::new();
        for day in from.iter_days().take_while(|d| *d <= until) {
            let list = store.daily_list(day)?;
            let news = store.announced_on(
                day,
                None,
                Page {
                    offset: 0,
                    limit: cap as u64,
                },
            )?;
            if !list.is_empty() || !news.is_empty() {
                days.push(day);
            }
            listed.extend(list);
            announced.extend(news);
        }
        for doc in listed.into_iter().chain(announced) {
            if papers.len() < cap && seen.insert(doc.paper.id.to_string()) {
                papers.push(Arc::new(doc));
            }
        }
        Ok(Pool::new(
            searcher,
            models,
            Window {
                from,
                until,
                days,
                papers,
            },
        ))
    }

    fn candidates(&self) -> Vec<Candidate<'_>> {
        self.papers
            .iter()
            .zip(self.data.texts.iter())
            .enumerate()
            .map(|(i, (doc, text))| {
                candidate(
                    doc,
                    text,
                    self.data.vector(i),
                    doc.paper.announced.unwrap_or(self.until),
                )
            })
            .collect()
    }

    /// Ranks the pool for `reader`: reads their signals, refits their model (kept in `models`)
    /// and orders the candidates.
    pub fn rank(
        &self,
        store: &dyn Backend,
        searcher: &Searcher,
        models: &Models,
        reader: i64,
    ) -> Result<Ranking, ForYouError> {
        let signals = gather::signals(store, searcher, models, reader)?;
        let candidates = self.candidates();
        let mut model = models.take(reader, self.data.dim);
        model
            .refit(&signals, &candidates, &Training::default())
            .map_err(ForYouError::Fit)?;
        let order =
            rank(&model, &signals, &candidates, &self.data.lexicon, &Weights::default()).map_err(ForYouError::Rank)?;
        models.keep(reader, model);
        let cold = signals.liked.is_empty()
            && signals.authors.is_empty()
            && signals.categories.is_empty()
            && signals.saved_searches.is_empty()
            && signals.not_interested.is_empty();
        Ok(Ranking { order, cold })
    }
}

/// One ranked paper.
pub struct Pick {
    pub doc: Arc<PaperDocument>,
    pub score: f32,
    /// A followed author's paper or a saved-search match.
    pub surfaced: bool,
    pub reasons: Vec<paperboy_recommend::Reason>,
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

/// The window of `days` announcement days up to `today`, ranked for `reader`.
pub fn for_reader(
    store: &Arc<dyn Backend>,
    searcher: &Searcher,
    models: &Models,
    reader: i64,
    days: u32,
    today: NaiveDate,
) -> Result<ForYou, ForYouError> {
    let pool = Pool::new(searcher, models, models.window(store, today, days)?);
    let Ranking { order, cold } = pool.rank(store.as_ref(), searcher, models, reader)?;
    let picks = order
        .into_iter()
        .map(|r| Pick {
            doc: Arc::clone(&pool.papers[r.index]),
            score: r.score,
            surfaced: r.surfaced,
            reasons: r.reasons,
        })
        .collect();
    Ok(ForYou {
        from: pool.from,
        until: pool.until,
        days: pool.days,
        picks,
        semantic: pool.semantic,
        cold,
    })
}

/// A paper as the recommender takes it.
pub(crate) fn candidate<'a>(doc: &'a PaperDocument, text: &'a str, vector: &'a [f32], day: NaiveDate) -> Candidate<'a> {
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
