//! One module per subcommand. Each takes the resolved [`crate::config::Config`] and its own
//! arguments, and returns the process exit code.

use anyhow::Context;
use paperboy_search::{CatchUp, Searcher};
use paperboy_store::SqliteStore;

use crate::config::Config;

pub mod digest;
pub mod export;
pub mod harvest;
pub mod index;
pub mod ingest;
pub mod schedule;
pub mod search;
pub mod serve;
pub mod show;
pub mod similar;
pub mod stats;
pub mod subscribers;
pub mod token;
pub mod user;

/// Opens the embedded store in the configured data folder.
pub fn open_store(config: &Config) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(&config.data_dir)
        .with_context(|| format!("opening the data folder {}", config.data_dir.display()))
}

/// Prints a value as one line of JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// Opens the keyword index and brings it up to date with the store (unless another process,
/// such as `paperboy serve`, keeps it).
pub fn open_search(config: &Config, store: &SqliteStore) -> anyhow::Result<Searcher> {
    let searcher = Searcher::open(&config.data_dir)?;
    catch_up_keywords(&searcher, store)?;
    Ok(searcher)
}

/// Opens keyword and (when a model loads) semantic search, both brought up to date with what
/// the store holds. Papers not embedded yet are not embedded here: searches say how many.
pub fn open_full_search(config: &Config, store: &SqliteStore) -> anyhow::Result<Searcher> {
    let embedder = crate::embedding::open_embedder(config);
    if let Err(why) = &embedder {
        tracing::warn!("semantic search is off: {why}");
    }
    let searcher = Searcher::open_with(&config.data_dir, embedder, store)?;
    catch_up_keywords(&searcher, store)?;
    Ok(searcher)
}

fn catch_up_keywords(searcher: &Searcher, store: &SqliteStore) -> anyhow::Result<()> {
    if let CatchUp::Done { indexed, .. } = searcher.lexical.catch_up(store)? {
        if indexed > 0 {
            tracing::info!(papers = indexed, "keyword index updated");
        }
    }
    Ok(())
}
