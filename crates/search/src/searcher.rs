//! The search engine over one store: keyword search always, semantic and hybrid when an
//! embedding model is loaded.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use paperboy_domain::{ArxivId, Progress};
use paperboy_store::{PaperStore, Store};

mod recent;

use crate::fusion::{gated_fusion, Evidence};
use crate::query::{self, parse, ParsedQuery};
use crate::semantic::{embed_pending, embed_pending_reporting, read_cursor, TextEmbedder, VectorIndex};
use crate::{lexical_dir, vectors_dir, CatchUp, Filters, LexicalIndex, Mode, SearchError, SearchHit};
use crate::{SearchRequest, SearchResponse};

/// Papers shown after an exact id match ("more like this").
const RELATED_AFTER_ID: usize = 9;
/// Each ranking contributes this many candidates (at least) to a hybrid fusion.
const FUSION_DEPTH: usize = 100;
/// The embedding backlog a search reports is counted up to this many papers: counting costs
/// the count (about 10 ms per million papers on SQLite), and every semantic search asks.
pub const MAX_LAG_COUNTED: u64 = 10_000;
/// When the query constrains authors or excludes words, semantic candidates must also be among
/// this many keyword matches (the vector index can't check those constraints itself).
const CONSTRAINT_DEPTH: usize = 1_000;

/// The embedding model and the vector index built with it.
struct Semantic {
    embedder: Arc<dyn TextEmbedder>,
    vectors: VectorIndex,
}

/// The search engine over one store.
pub struct Searcher {
    pub lexical: LexicalIndex,
    semantic: Option<Semantic>,
    /// Why semantic search is off, in words for the user (when it is).
    semantic_off: Option<String>,
}

impl Searcher {
    /// Keyword search only.
    pub fn open(data_dir: &Path) -> Result<Searcher, SearchError> {
        Ok(Searcher {
            lexical: LexicalIndex::open(&lexical_dir(data_dir))?,
            semantic: None,
            semantic_off: Some("no embedding model is loaded".into()),
        })
    }

    /// Keyword search, plus semantic and hybrid search with `embedder`'s vectors when it is
    /// `Ok`. `Err` carries why there is no model, which searches then report. The vector index
    /// is brought level with the store's stored embeddings (embedding new papers is separate:
    /// [`Searcher::embed_pending`]).
    pub fn open_with(
        data_dir: &Path,
        embedder: Result<Arc<dyn TextEmbedder>, String>,
        store: &dyn Store,
    ) -> Result<Searcher, SearchError> {
        let mut searcher = Searcher::open(data_dir)?;
        match embedder {
            Ok(embedder) => {
                let dir = vectors_dir(data_dir, embedder.model_id());
                let vectors = VectorIndex::open(&dir, embedder.model_id(), embedder.dim(), store)?;
                vectors.catch_up(store, true)?;
                searcher.semantic = Some(Semantic { embedder, vectors });
                searcher.semantic_off = None;
            }
            Err(why) => searcher.semantic_off = Some(why),
        }
        Ok(searcher)
    }

    /// Why semantic search is unavailable, or `None` when it is available.
    pub fn semantic_unavailable(&self) -> Option<&str> {
        self.semantic_off.as_deref()
    }

    /// The loaded model's id, if any.
    pub fn model_id(&self) -> Option<&str> {
        self.semantic.as_ref().map(|s| s.embedder.model_id())
    }

    /// Papers in the vector index.
    pub fn vector_count(&self) -> usize {
        self.semantic.as_ref().map_or(0, |s| s.vectors.len())
    }

    /// Embeds papers not embedded yet (at most `budget`), then adds them to the vector index.
    /// Without a model this does nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(budget = ?budget))]
    pub fn embed_pending(
        &self,
        store: &dyn Store,
        budget: Option<usize>,
        stop: &AtomicBool,
        save: bool,
    ) -> Result<crate::semantic::EmbedProgress, SearchError> {
        let Some(semantic) = &self.semantic else {
            return Ok(Default::default());
        };
        let progress = embed_pending(store, semantic.embedder.as_ref(), budget, stop)?;
        self.catch_up_vectors(store, save)?;
        Ok(progress)
    }

    /// [`Searcher::embed_pending`] for a person waiting on it: `shown` hears each batch.
    pub fn embed_pending_reporting(
        &self,
        store: &dyn Store,
        budget: Option<usize>,
        stop: &AtomicBool,
        shown: &dyn Progress,
    ) -> Result<crate::semantic::EmbedProgress, SearchError> {
        let Some(semantic) = &self.semantic else {
            return Ok(Default::default());
        };
        let progress = embed_pending_reporting(store, semantic.embedder.as_ref(), budget, stop, shown)?;
        self.catch_up_vectors(store, true)?;
        Ok(progress)
    }

    /// Adds to the vector index the vectors stored since it last looked (embedded by this
    /// process or another). Without a model this does nothing.
    pub fn catch_up_vectors(&self, store: &dyn Store, save: bool) -> Result<usize, SearchError> {
        match &self.semantic {
            Some(semantic) => semantic.vectors.catch_up(store, save),
            None => Ok(0),
        }
    }

    /// Rebuilds the vector index from the store's embeddings; `progress` hears each batch added.
    pub fn rebuild_vectors(
        &mut self,
        data_dir: &Path,
        store: &dyn Store,
        progress: &dyn Progress,
    ) -> Result<usize, SearchError> {
        let Some(semantic) = self.semantic.take() else {
            return Ok(0);
        };
        let dir = vectors_dir(data_dir, semantic.embedder.model_id());
        drop(semantic.vectors);
        for file in ["index.usearch", "index.json"] {
            match std::fs::remove_file(dir.join(file)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(SearchError::index(&dir, e)),
                _ => {}
            }
        }
        let vectors = VectorIndex::open(&dir, semantic.embedder.model_id(), semantic.embedder.dim(), store)?;
        progress.start(
            "indexing vectors",
            Some(store.embedding_count(semantic.embedder.model_id())?.0),
        );
        let added = vectors.catch_up_counting(store, true, progress);
        progress.finish();
        let added = added?;
        self.semantic = Some(Semantic {
            embedder: semantic.embedder,
            vectors,
        });
        Ok(added)
    }

    pub fn search(&self, store: &dyn Store, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        let started = Instant::now();
        if let (Some(from), Some(until)) = (request.filters.from, request.filters.until) {
            if from > until {
                return Err(crate::SearchError::EmptyRange { from, until });
            }
        }
        let parsed = parse(&request.text)?;
        let mut notices = Vec::new();
        if parsed.truncated {
            notices.push(format!(
                "the query was cut to its first {} characters",
                query::MAX_QUERY_CHARS
            ));
        }
        let limit = request.limit.clamp(1, 1_000);
        let semantic = match (&self.semantic, request.mode) {
            (_, Mode::Lexical) => None,
            (Some(semantic), _) => Some(semantic),
            (None, _) => {
                notices.push(format!(
                    "semantic search is not available ({}); showing keyword results",
                    self.semantic_off.as_deref().unwrap_or("no embedding model is loaded")
                ));
                None
            }
        };
        let (mode, results) = match semantic {
            None => (Mode::Lexical, self.lexical_results(&parsed, request, limit)?),
            Some(_) if parsed.id.is_some() => (request.mode, self.id_results(store, &parsed, request, limit)?),
            Some(_) if !parsed.has_text() => {
                // Only filters (author:, cat:): nothing to embed; keyword order is all there is.
                (Mode::Lexical, self.lexical_results(&parsed, request, limit)?)
            }
            Some(semantic) => {
                let ranked = if request.mode == Mode::Semantic {
                    let vectors =
                        self.semantic_candidates(semantic, &parsed, &request.filters, request.offset + limit)?;
                    vectors.into_iter().skip(request.offset).take(limit).collect()
                } else {
                    // The two halves are independent: the keyword search runs on a second
                    // thread while this one embeds the query and searches the vectors.
                    let depth = (request.offset + limit).max(FUSION_DEPTH);
                    let (lexical, vectors) = std::thread::scope(|scope| {
                        let lexical = scope.spawn(|| self.lexical.search(&parsed, &request.filters, 0, depth));
                        let vectors =
                            self.semantic_candidates(semantic, &parsed, &request.filters, request.offset + limit);
                        let lexical = lexical.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                        (lexical, vectors)
                    });
                    let (lexical, vectors) = (lexical?, vectors?);
                    let evidence = self.evidence(store, &parsed, &lexical, &vectors)?;
                    fuse(&lexical, &vectors, request.offset, limit, &evidence)
                };
                (request.mode, with_titles(store, ranked)?)
            }
        };
        let index_lag = (store.change_seq()? - self.lexical.indexed_seq()?).max(0);
        if index_lag > 0 {
            notices.push(format!(
                "the search index is {index_lag} changes behind the store and catching up"
            ));
        }
        let embedding_lag = match &self.semantic {
            Some(semantic) if mode != Mode::Lexical => {
                let cursor = read_cursor(store, semantic.embedder.model_id())?;
                let lag = store.papers_changed_after(cursor, MAX_LAG_COUNTED)?;
                notices.extend(backlog_notice(lag));
                Some(lag)
            }
            _ => None,
        };
        Ok(SearchResponse {
            query: request.text.clone(),
            mode,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            results,
            notices,
            index_lag,
            embedding_lag,
        })
    }

    /// The papers nearest to paper `id`, best first, without it: by embedding when the model
    /// has embedded it, else by its title's keywords. Empty when the paper is unknown.
    pub fn similar(&self, store: &dyn Store, id: &ArxivId, limit: usize) -> Result<Vec<SearchHit>, SearchError> {
        let limit = limit.clamp(1, 100);
        if let Some(semantic) = &self.semantic {
            if let Some(vector) = store.vector_of(semantic.embedder.model_id(), id)? {
                let hits = semantic.vectors.search(&vector, &Filters::default(), limit + 1)?;
                let ranked = hits
                    .into_iter()
                    .filter(|h| &h.id != id)
                    .take(limit)
                    .map(|h| (h.id, h.similarity))
                    .collect();
                return with_titles(store, ranked);
            }
        }
        let Some(doc) = store.paper(id)? else {
            return Ok(Vec::new());
        };
        let Ok(mut by_title) = parse(&doc.paper.title) else {
            return Ok(Vec::new());
        };
        by_title.id = None;
        let mut hits = self.lexical.search(&by_title, &Filters::default(), 0, limit + 1)?;
        hits.retain(|h| &h.id != id);
        hits.truncate(limit);
        Ok(hits)
    }

    fn lexical_results(
        &self,
        parsed: &ParsedQuery,
        request: &SearchRequest,
        limit: usize,
    ) -> Result<Vec<SearchHit>, SearchError> {
        let mut results = self.lexical.search(parsed, &request.filters, request.offset, limit)?;
        if parsed.id.is_some() && request.offset == 0 {
            results.extend(self.related_to_first(&results, &request.filters)?);
            results.truncate(limit);
        }
        Ok(results)
    }

    /// An id query: that paper, then its nearest papers by embedding (by keywords without one).
    fn id_results(
        &self,
        store: &dyn Store,
        parsed: &ParsedQuery,
        request: &SearchRequest,
        limit: usize,
    ) -> Result<Vec<SearchHit>, SearchError> {
        let Some(id) = &parsed.id else {
            return Ok(Vec::new());
        };
        let exact = self.lexical.search(parsed, &request.filters, 0, 1)?;
        let Some(first) = exact.into_iter().find(|h| &h.id == id) else {
            return self.lexical_results(parsed, request, limit);
        };
        let mut results = vec![first];
        results.extend(self.similar(store, id, RELATED_AFTER_ID)?);
        Ok(results.into_iter().skip(request.offset).take(limit).collect())
    }

    /// The nearest papers to the query's free text that pass the filters (including `cat:` in
    /// the query) and, when the query constrains authors or excludes words, the keyword match.
    fn semantic_candidates(
        &self,
        semantic: &Semantic,
        parsed: &ParsedQuery,
        filters: &Filters,
        wanted: usize,
    ) -> Result<Vec<(ArxivId, f32)>, SearchError> {
        let text = parsed.free_text();
        let query = semantic
            .embedder
            .embed_query(text.as_str())
            .map_err(SearchError::Embedding)?;
        let mut filters = filters.clone();
        filters.categories.extend(parsed.categories.iter().cloned());
        let depth = wanted.max(FUSION_DEPTH);
        let hits = semantic.vectors.search(&query, &filters, depth)?;
        let allowed: Option<HashSet<ArxivId>> = if parsed.authors.is_empty() && parsed.excluded.is_empty() {
            None
        } else {
            let keyword = self.lexical.search(parsed, &filters, 0, CONSTRAINT_DEPTH)?;
            Some(keyword.into_iter().map(|h| h.id).collect())
        };
        Ok(hits
            .into_iter()
            .filter(|h| allowed.as_ref().is_none_or(|a| a.contains(&h.id)))
            .map(|h| (h.id, h.similarity))
            .collect())
    }

    /// What the fusion weighs besides the two lists' scores ([`Evidence`]): the query's keyword
    /// weight, and how much of its words the first papers of each list hold (three store reads).
    fn evidence(
        &self,
        store: &dyn Store,
        parsed: &ParsedQuery,
        lexical: &[SearchHit],
        vectors: &[(ArxivId, f32)],
    ) -> Result<Evidence, SearchError> {
        let holds = |id: Option<&ArxivId>| -> Result<f32, SearchError> {
            let Some(id) = id else {
                return Ok(0.0);
            };
            Ok(match store.paper(id)? {
                Some(doc) => self
                    .lexical
                    .matched_share(parsed, &format!("{} {}", doc.paper.title, doc.paper.abstract_text)),
                None => 0.0,
            })
        };
        let keyword_first = lexical.first().map(|h| &h.id);
        let keyword_first_holds = holds(keyword_first)?;
        let semantic_first = vectors.first().map(|(id, _)| id);
        // Often the same paper: read it once.
        let semantic_first_holds = if semantic_first.is_some() && semantic_first == keyword_first {
            keyword_first_holds
        } else {
            holds(semantic_first)?
        };
        Ok(Evidence {
            keyword_weight: self.lexical.query_weight(parsed),
            keyword_first_holds,
            keyword_third_holds: holds(lexical.get(2).map(|h| &h.id))?,
            semantic_first_holds,
        })
    }

    /// Papers whose text matches the title of `hits[0]`, excluding it.
    fn related_to_first(&self, hits: &[SearchHit], filters: &Filters) -> Result<Vec<SearchHit>, SearchError> {
        let Some(first) = hits.first() else {
            return Ok(Vec::new());
        };
        let Ok(mut related) = parse(&first.title) else {
            return Ok(Vec::new());
        };
        related.id = None;
        let mut hits = self.lexical.search(&related, filters, 0, RELATED_AFTER_ID + 1)?;
        hits.retain(|h| h.id != first.id);
        Ok(hits)
    }
}

/// What a search says about `lag` papers not embedded yet (counted up to [`MAX_LAG_COUNTED`]).
fn backlog_notice(lag: u64) -> Option<String> {
    let count = match lag {
        0 => return None,
        n if n >= MAX_LAG_COUNTED => format!("{n} or more"),
        n => n.to_string(),
    };
    Some(format!(
        "{count} papers are not embedded yet; semantic results leave them out until they are"
    ))
}

/// One page of the evidence-gated z-score fusion of keyword and vector rankings (each cut from a
/// pool of `FUSION_DEPTH`, or of the page's end when deeper).
fn fuse(
    lexical: &[SearchHit],
    vectors: &[(ArxivId, f32)],
    offset: usize,
    limit: usize,
    evidence: &Evidence,
) -> Vec<(ArxivId, f32)> {
    let lexical: Vec<(ArxivId, f32)> = lexical.iter().map(|h| (h.id.clone(), h.score)).collect();
    let pool = (offset + limit).max(FUSION_DEPTH);
    gated_fusion(&lexical, vectors, pool, evidence)
        .into_iter()
        .skip(offset)
        .take(limit)
        .collect()
}

/// Ranked ids as hits, with titles and days read from the store.
fn with_titles(store: &dyn Store, ranked: Vec<(ArxivId, f32)>) -> Result<Vec<SearchHit>, SearchError> {
    let mut hits = Vec::with_capacity(ranked.len());
    for (id, score) in ranked {
        // A paper can vanish from under an index only if the store was swapped; skip it.
        if let Some(doc) = store.paper(&id)? {
            hits.push(SearchHit {
                published: crate::lexical::paper_day(&doc.paper),
                title: doc.paper.title,
                id,
                score,
            });
        }
    }
    Ok(hits)
}

/// Decides, round by round, whether this process embeds new papers. Several instances on one
/// database would otherwise embed the same papers in lockstep (each reads the same cursor); with
/// a lease one embeds and the others only add the vectors it stores.
pub trait EmbedTurn: Send {
    /// Whether this process embeds this round (taking or renewing its claim).
    fn take(&mut self) -> bool;
    /// Gives the claim up, at shutdown, so that another instance takes over at once.
    fn give_up(&mut self);
}

/// Every round is this process's turn: for a single process.
pub struct AlwaysEmbed;

impl EmbedTurn for AlwaysEmbed {
    fn take(&mut self) -> bool {
        true
    }
    fn give_up(&mut self) {}
}

/// Keeps the indexes current with the store from a background thread: every `every`, index what
/// changed, embed papers not embedded yet when it is this process's `turn` (a batch at a time,
/// so new papers reach the keyword index quickly even during a long embedding backlog), and add
/// stored vectors to the vector index. This is how a running server sees ingests made by other
/// processes. Without a model there is nothing to embed, and `turn` is best [`AlwaysEmbed`].
///
/// Setting `stop` ends the thread after its current batch; join the returned handle to let it
/// save the vector index first.
pub fn follow_store(
    searcher: Arc<Searcher>,
    store: Arc<dyn Store>,
    every: Duration,
    stop: Arc<AtomicBool>,
    mut turn: Box<dyn EmbedTurn>,
) -> Option<std::thread::JoinHandle<()>> {
    // Papers embedded between two keyword catch-ups: about two seconds of embedding on two
    // cores, so that the keyword index lags an ingest by seconds even during a backlog, and the
    // embedding lease is renewed well within its length.
    const EMBED_BUDGET_PER_ROUND: usize = 64;
    let spawned = std::thread::Builder::new()
        .name("index-follower".into())
        .spawn(move || {
            let mut last_save = Instant::now();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let paper_store: &dyn PaperStore = store.as_ref();
                match searcher.lexical.catch_up(paper_store) {
                    Ok(CatchUp::Done { indexed, seq }) if indexed > 0 => {
                        tracing::info!(indexed, seq, "keyword index caught up")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "keyword index catch-up failed; retrying"),
                }
                // Saving the vector index rewrites the whole file: at most once a minute.
                let save = last_save.elapsed() > Duration::from_secs(60);
                let embedding = if turn.take() {
                    searcher.embed_pending(store.as_ref(), Some(EMBED_BUDGET_PER_ROUND), &stop, save)
                } else {
                    searcher.catch_up_vectors(store.as_ref(), save).map(|_| Default::default())
                };
                match embedding {
                    Ok(progress) if progress.embedded > 0 => {
                        tracing::info!(embedded = progress.embedded, cursor = progress.cursor, "embedded new papers");
                        if save {
                            last_save = Instant::now();
                        }
                        // More may be waiting: go again without sleeping.
                        continue;
                    }
                    Ok(_) => {
                        if save {
                            last_save = Instant::now();
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "embedding catch-up failed; retrying"),
                }
                sleep_unless_stopped(every, &stop);
            }
            turn.give_up();
            if let Some(semantic) = &searcher.semantic {
                if let Err(e) = semantic.vectors.save() {
                    tracing::warn!(error = %e, "could not save the vector index on shutdown; it will catch up at start");
                }
            }
        });
    match spawned {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::error!(error = %e, "could not start the index follower; search will lag behind ingests");
            None
        }
    }
}

/// Sleeps for `duration`, waking within 100 ms when `stop` is set: the pause of a background
/// loop that must end promptly at shutdown (the index follower here, For you's warmer).
pub fn sleep_unless_stopped(duration: Duration, stop: &AtomicBool) {
    let until = Instant::now() + duration;
    while Instant::now() < until && !stop.load(std::sync::atomic::Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100).min(duration));
    }
}

#[cfg(test)]
mod tests {
    use super::{backlog_notice, MAX_LAG_COUNTED};

    #[test]
    fn a_backlog_counted_to_its_cap_is_said_to_be_at_least_that() {
        assert_eq!(backlog_notice(0), None);
        assert!(backlog_notice(3).unwrap().starts_with("3 papers are not embedded yet"));
        let capped = backlog_notice(MAX_LAG_COUNTED).unwrap();
        assert!(capped.starts_with("10000 or more papers"), "{capped}");
    }
}
