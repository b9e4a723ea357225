//! One module per subcommand. Each takes the resolved [`crate::config::Config`] and its own
//! arguments, and returns the process exit code.

use anyhow::Context;
use paperboy_search::{CatchUp, Searcher};
use std::sync::Arc;

use paperboy_store::{Backend, PaperStore, PostgresStore, RateLimitStore, SqliteStore};

use crate::config::Config;

pub mod backup;
pub mod copy;
pub mod digest;
mod embed_lease;
pub mod export;
pub mod harvest;
pub mod index;
pub mod ingest;
pub mod library;
pub mod migrate;
pub mod restore;
pub mod schedule;
pub mod search;
pub mod serve;
pub mod show;
pub mod similar;
pub mod stats;
pub mod subscribers;
pub mod sync;
mod sync_schedule;
pub mod token;
pub mod user;

/// Opens the configured store: PostgreSQL when a database URL is given, else the embedded
/// SQLite file in the data folder. Pending migrations are applied either way.
pub fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Backend>> {
    match &config.database_url {
        Some(url) => Ok(Arc::new(open_postgres(url)?)),
        None => Ok(Arc::new(SqliteStore::open(&config.data_dir).with_context(|| {
            format!("opening the data folder {}", config.data_dir.display())
        })?)),
    }
}

/// Rate-limit counters in a database that several instances share.
pub type SharedCounters = Arc<dyn RateLimitStore>;

/// The store, and the rate-limit counters that instances share when the store is a database
/// several of them use (`None` for the embedded store: one process counts in memory).
pub fn open_store_for_serving(config: &Config) -> anyhow::Result<(Arc<dyn Backend>, Option<SharedCounters>)> {
    match &config.database_url {
        Some(url) => {
            let store = Arc::new(open_postgres(url)?);
            Ok((store.clone(), Some(store)))
        }
        None => Ok((open_store(config)?, None)),
    }
}

/// Connects to PostgreSQL and migrates; refuses anything but a postgres URL up front.
pub fn open_postgres(url: &str) -> anyhow::Result<PostgresStore> {
    check_postgres_url(url)?;
    Ok(PostgresStore::connect(url)?)
}

pub fn check_postgres_url(url: &str) -> anyhow::Result<()> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        anyhow::bail!(
            "the database URL {:?} is not a PostgreSQL URL (postgres://user:password@host:5432/database)",
            paperboy_store::postgres::redact_password(url)
        );
    }
    Ok(())
}

/// Prints a value as one line of JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// Opens the keyword index and brings it up to date with the store (unless another process,
/// such as `paperboy serve`, keeps it).
pub fn open_search(config: &Config, store: &dyn Backend) -> anyhow::Result<Searcher> {
    ensure_indexes_follow(config, store)?;
    let searcher = Searcher::open(&config.data_dir)?;
    catch_up_keywords(&searcher, store)?;
    Ok(searcher)
}

/// Opens keyword and (when a model loads) semantic search, both brought up to date with what
/// the store holds. Papers not embedded yet are not embedded here: searches say how many.
pub fn open_full_search(config: &Config, store: &dyn Backend) -> anyhow::Result<Searcher> {
    ensure_indexes_follow(config, store)?;
    let embedder = crate::embedding::open_embedder(config);
    if let Err(why) = &embedder {
        tracing::warn!("semantic search is off: {why}");
    }
    let searcher = Searcher::open_with(&config.data_dir, embedder, store)?;
    catch_up_keywords(&searcher, store)?;
    Ok(searcher)
}

fn catch_up_keywords(searcher: &Searcher, store: &dyn PaperStore) -> anyhow::Result<()> {
    if let CatchUp::Done { indexed, .. } = searcher.lexical.catch_up(store)? {
        if indexed > 0 {
            tracing::info!(papers = indexed, "keyword index updated");
        }
    }
    Ok(())
}

/// The search indexes in the data folder follow one store, by sequence numbers that mean
/// nothing in another. When the store is not the one they followed (another database URL, a
/// data folder pointed at a new database), they are dropped and rebuilt from it rather than
/// left silently missing papers. `paperboy copy` carries the identity and the numbers, so a
/// copy's indexes stay valid.
pub fn ensure_indexes_follow(config: &Config, store: &dyn Backend) -> anyhow::Result<()> {
    let Some(store_id) = store.state(paperboy_store::STORE_ID_KEY)? else {
        return Ok(()); // a store from before identities: nothing to compare
    };
    let index_dir = paperboy_search::index_dir(&config.data_dir);
    let marker = index_dir.join("store-id");
    let followed = std::fs::read_to_string(&marker).ok();
    if followed.as_deref().map(str::trim) == Some(store_id.as_str()) {
        return Ok(());
    }
    // Without a marker, indexes beside the SQLite file are that file's (they predate markers);
    // beside a PostgreSQL store they may be anyone's.
    let stale = followed.is_some() || (config.database_url.is_some() && index_dir.exists());
    if stale {
        tracing::warn!(store = %store.location(), "the search indexes followed another store; rebuilding them");
        std::fs::remove_dir_all(&index_dir)
            .with_context(|| format!("removing the stale search indexes in {}", index_dir.display()))?;
    }
    std::fs::create_dir_all(&index_dir).with_context(|| format!("creating {}", index_dir.display()))?;
    std::fs::write(&marker, format!("{store_id}\n")).with_context(|| format!("writing {}", marker.display()))?;
    Ok(())
}
