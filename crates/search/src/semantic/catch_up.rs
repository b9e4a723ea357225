//! Embedding the papers that changed: resumable, in small committed batches.

use std::sync::atomic::{AtomicBool, Ordering};

use paperboy_domain::{ArxivId, NoProgress, Progress};
use paperboy_store::embeddings::text_hash;
use paperboy_store::{EmbeddingWrite, Store};

use super::{paper_text, TextEmbedder};
use crate::SearchError;

/// Papers embedded per committed batch: small enough that a stop or crash loses seconds of
/// work, large enough to amortise the transaction.
const BATCH: usize = 32;

/// The state key holding how far (in store change sequence) `model` has embedded.
pub fn cursor_key(model_id: &str) -> String {
    format!("embeddings.cursor.{model_id}")
}

/// What one [`embed_pending`] call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmbedProgress {
    /// Papers embedded (new or changed text).
    pub embedded: usize,
    /// Papers that changed but whose text did not (votes, dates): not embedded again.
    pub unchanged: usize,
    /// The store change sequence everything up to which is embedded.
    pub cursor: i64,
}

/// The stored cursor of `model_id` (0 when it never ran).
pub fn read_cursor(store: &dyn Store, model_id: &str) -> Result<i64, SearchError> {
    Ok(store
        .state(&cursor_key(model_id))?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Embeds papers changed since the stored cursor, batch by batch, until none are left, `budget`
/// papers were embedded, or `stop` is set. Each batch's vectors and the advanced cursor are
/// committed together, so an interrupted run resumes where it stopped and never skips a paper.
pub fn embed_pending(
    store: &dyn Store,
    embedder: &dyn TextEmbedder,
    budget: Option<usize>,
    stop: &AtomicBool,
) -> Result<EmbedProgress, SearchError> {
    embed_pending_reporting(store, embedder, budget, stop, &NoProgress)
}

/// [`embed_pending`], telling `shown` of each committed batch, out of the backlog found at the
/// start (papers changed since the cursor, capped by `budget`).
pub fn embed_pending_reporting(
    store: &dyn Store,
    embedder: &dyn TextEmbedder,
    budget: Option<usize>,
    stop: &AtomicBool,
    shown: &dyn Progress,
) -> Result<EmbedProgress, SearchError> {
    let model = embedder.model_id();
    let key = cursor_key(model);
    let mut progress = EmbedProgress {
        cursor: read_cursor(store, model)?,
        ..EmbedProgress::default()
    };
    // A budgeted round needs no count beyond its budget (the follower asks every round).
    let backlog = store.papers_changed_after(progress.cursor, budget.map_or(u64::MAX, |b| b as u64))?;
    shown.start("embedding papers", Some(backlog));
    while !stop.load(Ordering::Relaxed) && budget.is_none_or(|b| progress.embedded < b) {
        let changed = store.changed_since(progress.cursor, BATCH)?;
        let Some((last_seq, _)) = changed.last() else {
            break;
        };
        let last_seq = *last_seq;
        let texts: Vec<(ArxivId, String)> = changed
            .into_iter()
            .map(|(_, paper)| {
                let text = paper_text(&paper.title, &paper.abstract_text);
                (paper.id, text)
            })
            .collect();
        let ids: Vec<ArxivId> = texts.iter().map(|(id, _)| id.clone()).collect();
        let known = store.embedding_hashes(model, &ids)?;
        let (same, todo): (Vec<_>, Vec<_>) = texts.iter().partition(|(id, text)| {
            let hash = text_hash(text);
            known.iter().any(|(k, h)| k == id && *h == hash)
        });
        let inputs: Vec<&str> = todo.iter().map(|(_, text)| text.as_str()).collect();
        let vectors = if inputs.is_empty() {
            Vec::new()
        } else {
            embedder.embed(&inputs).map_err(SearchError::Embedding)?
        };
        if vectors.len() != todo.len() || vectors.iter().any(|v| v.len() != embedder.dim()) {
            return Err(SearchError::Embedding(format!(
                "the model returned {} vectors for {} texts (expected {} dimensions each)",
                vectors.len(),
                todo.len(),
                embedder.dim()
            )));
        }
        let rows: Vec<EmbeddingWrite<'_>> = todo
            .iter()
            .zip(&vectors)
            .map(|((id, text), vector)| EmbeddingWrite {
                id,
                text_hash: text_hash(text),
                vector,
            })
            .collect();
        let touched: Vec<ArxivId> = same.iter().map(|(id, _)| id.clone()).collect();
        store.put_embeddings(model, &rows, &touched, &key, last_seq)?;
        progress.embedded += rows.len();
        progress.unchanged += touched.len();
        progress.cursor = last_seq;
        shown.advance((rows.len() + touched.len()) as u64);
    }
    shown.finish();
    Ok(progress)
}
