//! Loading the sentence-embedding model that semantic search and "similar papers" use.
//!
//! Without a model paperboy still runs: keyword search only, and every search says why.

use std::sync::Arc;

use paperboy_search::semantic::TextEmbedder;

use crate::config::Config;

/// The configured embedding model, or why there is none (in words for the user).
pub fn open_embedder(config: &Config) -> Result<Arc<dyn TextEmbedder>, String> {
    if !config.semantic {
        return Err("semantic search is turned off in the configuration (search.semantic = false)".into());
    }
    Err("this build of paperboy has no embedding engine".into())
}
