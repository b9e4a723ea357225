//! Loading the sentence-embedding model that semantic search and "similar papers" use.
//!
//! Without a model paperboy still runs: keyword search only, and every search says why.

use std::sync::Arc;

use paperboy_search::semantic::TextEmbedder;

use crate::config::Config;

/// The configured embedding model, or why there is none (in words for the user).
pub fn open_embedder(config: &Config) -> Result<Arc<dyn TextEmbedder>, String> {
    if !config.search.semantic {
        return Err("semantic search is turned off in the configuration (search.semantic = false)".into());
    }
    let options = paperboy_embed::EmbedOptions {
        model_dir: config.search.model_dir.clone(),
        precision: config.search.precision,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let embedder = paperboy_embed::Embedder::load(&options).map_err(|e| e.to_string())?;
    // A detail, not news: shown with --verbose (a failure to load is said at any level).
    tracing::debug!(
        model = embedder.model_id(),
        ms = started.elapsed().as_millis() as u64,
        "embedding model loaded"
    );
    Ok(Arc::new(embedder))
}
