//! Each reader's model kept between rankings, and saved-search queries embedded once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use paperboy_domain::{ArxivId, PaperDocument};
use paperboy_recommend::{Candidate, Lexicon, ReaderModel};
use paperboy_search::Searcher;
use paperboy_store::Backend;

use crate::gather::{self, Window};
use crate::ForYouError;

/// Each reader's model, kept between requests so that a refit starts from the last weights.
#[derive(Default)]
pub struct Models {
    by_reader: Mutex<HashMap<i64, ReaderModel>>,
    /// Saved-search queries embedded once (the model is fixed for a process's life).
    queries: Mutex<HashMap<String, Vec<f32>>>,
    /// Liked papers' words (title and abstract, authors), read from the store once.
    words: Mutex<HashMap<String, (String, Vec<String>)>>,
    /// The last window's papers analysed and their vectors: every reader ranks the same window.
    analysis: Mutex<Option<Arc<WindowData>>>,
    /// The last window's papers as read from the store (see [`Models::window`]), and whether
    /// a background read of it is under way.
    papers: Arc<Mutex<Option<CachedWindow>>>,
    refreshing: Arc<AtomicBool>,
    /// Windows whose words were analysed (a `Lexicon` made): what a reader may have waited for.
    analysed: AtomicU64,
}

/// A window read from the store, and what it was read for.
struct CachedWindow {
    today: NaiveDate,
    days: u32,
    /// The store's change sequence when it was read: a paper added or changed since means the
    /// window is read again.
    seq: i64,
    read_at: Instant,
    window: Window,
}

/// How old a window read from the store may be before it is read again in the background:
/// the papers' upvote counts and daily lists (which do not move the change sequence) show
/// within about this long, as on the site's other cached pages.
const WINDOW_FRESH: Duration = Duration::from_secs(10);

/// What every reader's ranking of a window shares, made once per window: the papers' texts
/// and keyword analysis (`Lexicon`: about 1 s of CPU for 10,000 papers), kept until the
/// window's papers change, and their vectors, read again only when the vector index has
/// changed (a paper embedded since).
pub(crate) struct WindowData {
    key: u64,
    /// The documents it was made for: the same window served again (the same `Arc`s) is
    /// recognised by address, without hashing its papers.
    documents: Vec<Arc<PaperDocument>>,
    /// The vector index's sequence number when the vectors were read (`None` without a model).
    vectors_seq: Option<i64>,
    /// Title and abstract of each paper, in the window's order.
    pub(crate) texts: Arc<Vec<String>>,
    pub(crate) lexicon: Arc<Lexicon>,
    /// Each paper's unit vector in the window's order, `dim` numbers each (zeros for a paper
    /// not embedded yet: it ranks on the other parts).
    vectors: Arc<Vec<f32>>,
    pub(crate) dim: usize,
}

impl WindowData {
    /// The vector of the window's `index`th paper.
    pub(crate) fn vector(&self, index: usize) -> &[f32] {
        &self.vectors[index * self.dim..(index + 1) * self.dim]
    }
}

/// What the model reads of a paper's text: its title and abstract.
pub(crate) fn paper_text(doc: &PaperDocument) -> String {
    format!("{} {}", doc.paper.title, doc.paper.abstract_text)
}

/// Readers (or embedded queries) kept before the cache starts over: a bound on memory.
const MAX_CACHED: usize = 10_000;

impl Models {
    /// Windows analysed so far (see [`crate::keep_warm`], which makes them before a reader asks).
    pub fn windows_analysed(&self) -> u64 {
        self.analysed.load(Ordering::Relaxed)
    }

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

    /// The window of `days` announcement days up to `today` ([`gather::window`]). Reading
    /// 10,000 papers from the store costs more than ranking them, and every reader asks for the
    /// same window, so the last one read is kept: read again at once when a paper was added or
    /// changed (the store's change sequence moved) or the day or the number of days differ; and
    /// when only older than [`WINDOW_FRESH`], served as it is while a background thread reads
    /// it again (for the upvote counts), so that no request waits for that.
    pub fn window(&self, store: &Arc<dyn Backend>, today: NaiveDate, days: u32) -> Result<Window, ForYouError> {
        let seq = store.change_seq()?;
        {
            let cached = self.papers.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(c) = cached
                .as_ref()
                .filter(|c| c.today == today && c.days == days && c.seq == seq)
            {
                if c.read_at.elapsed() >= WINDOW_FRESH && !self.refreshing.swap(true, Ordering::SeqCst) {
                    self.refresh_in_background(store, today, days, seq);
                }
                return Ok(c.window.clone());
            }
        }
        let window = gather::window(store.as_ref(), today, days)?;
        keep_window(&self.papers, today, days, seq, &window);
        Ok(window)
    }

    fn refresh_in_background(&self, store: &Arc<dyn Backend>, today: NaiveDate, days: u32, seq: i64) {
        let (store, papers, refreshing) = (
            Arc::clone(store),
            Arc::clone(&self.papers),
            Arc::clone(&self.refreshing),
        );
        let spawned = std::thread::Builder::new()
            .name("for-you-window".into())
            .spawn(move || {
                match gather::window(store.as_ref(), today, days) {
                    Ok(window) => keep_window(&papers, today, days, seq, &window),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not read the For you window again; keeping the last one")
                    }
                }
                refreshing.store(false, Ordering::SeqCst);
            });
        if spawned.is_err() {
            self.refreshing.store(false, Ordering::SeqCst);
        }
    }

    /// The shared part of ranking `papers` ([`WindowData`]): reused while the window's papers
    /// stay the same, with its vectors read again when the vector index has moved on.
    pub(crate) fn window_data(
        &self,
        searcher: &Searcher,
        papers: &[Arc<PaperDocument>],
        dim: usize,
    ) -> Arc<WindowData> {
        let seq = searcher.vectors_seq();
        {
            let cached = self.analysis.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(data) = cached.as_ref().filter(|w| {
                w.dim == dim
                    && w.vectors_seq == seq
                    && w.documents.len() == papers.len()
                    && w.documents.iter().zip(papers).all(|(a, b)| Arc::ptr_eq(a, b))
            }) {
                return Arc::clone(data);
            }
        }
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        dim.hash(&mut hasher);
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
        let mut cached = self.analysis.lock().unwrap_or_else(|p| p.into_inner());
        let reuse = cached.as_ref().filter(|w| w.key == key);
        // The same papers read again (their upvote counts may differ): the same words, and the
        // vectors too when the index has not moved; kept for the new documents.
        let vectors = match reuse.filter(|w| w.vectors_seq == seq) {
            Some(data) => Arc::clone(&data.vectors),
            None => Arc::new(window_vectors(searcher, papers, dim)),
        };
        let (texts, lexicon) = match reuse {
            // New vectors for the same papers: the words stay as analysed.
            Some(data) => (Arc::clone(&data.texts), Arc::clone(&data.lexicon)),
            None => {
                let texts: Vec<String> = papers.iter().map(|doc| paper_text(doc)).collect();
                let zero = vec![0.0; dim];
                let candidates: Vec<Candidate<'_>> = papers
                    .iter()
                    .zip(&texts)
                    .map(|(doc, text)| {
                        crate::pool::candidate(doc, text, &zero, doc.paper.announced.unwrap_or_default())
                    })
                    .collect();
                let lexicon = Lexicon::new(&candidates);
                self.analysed.fetch_add(1, Ordering::Relaxed);
                (Arc::new(texts), Arc::new(lexicon))
            }
        };
        let data = Arc::new(WindowData {
            key,
            documents: papers.to_vec(),
            vectors_seq: seq,
            texts,
            lexicon,
            vectors,
            dim,
        });
        *cached = Some(Arc::clone(&data));
        data
    }
}

/// The vectors of `papers` the search engine holds, flat in the papers' order (zeros for the
/// others): one hash look-up each in the vector index, whatever its size.
fn window_vectors(searcher: &Searcher, papers: &[Arc<PaperDocument>], dim: usize) -> Vec<f32> {
    let mut flat = vec![0.0; papers.len() * dim];
    let ids: Vec<ArxivId> = papers.iter().map(|d| d.paper.id.clone()).collect();
    // `vectors_of` answers in the order asked, leaving out papers it lacks: walk both at once.
    let mut position = 0;
    for (id, vector) in searcher.vectors_of(&ids) {
        while position < ids.len() && ids[position] != id {
            position += 1;
        }
        if position < ids.len() && vector.len() == dim {
            flat[position * dim..(position + 1) * dim].copy_from_slice(&vector);
        }
    }
    flat
}

/// Keeps `window` as the last one read, unless a newer read for other papers came first.
fn keep_window(cache: &Mutex<Option<CachedWindow>>, today: NaiveDate, days: u32, seq: i64, window: &Window) {
    let mut cached = cache.lock().unwrap_or_else(|p| p.into_inner());
    if cached.as_ref().is_some_and(|c| c.seq > seq) {
        return;
    }
    *cached = Some(CachedWindow {
        today,
        days,
        seq,
        read_at: Instant::now(),
        window: window.clone(),
    });
}
