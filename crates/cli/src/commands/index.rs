use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::bail;
use paperboy_domain::Progress;
use paperboy_search::{CatchUp, LexicalIndex, Searcher};

use super::open_store;
use crate::config::Config;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Rebuild the keyword and vector indexes from the store (embeddings are kept).
    Rebuild,
    /// Embed papers that have no embedding yet (what `serve` does in the background), then
    /// update the vector index. Safe to stop at any moment: it resumes where it stopped.
    Embed {
        /// Stop after embedding this many papers.
        #[arg(long)]
        limit: Option<usize>,
    },
}

pub fn run(config: &Config, action: Action, progress: &dyn Progress) -> anyhow::Result<ExitCode> {
    match action {
        Action::Rebuild => rebuild(config, progress),
        Action::Embed { limit } => embed(config, limit, progress),
    }
}

fn rebuild(config: &Config, progress: &dyn Progress) -> anyhow::Result<ExitCode> {
    let store = open_store(config)?;
    super::ensure_indexes_follow(config, store.as_ref())?;
    let index = LexicalIndex::open(&paperboy_search::lexical_dir(&config.data_dir))?;
    let started = Instant::now();
    match index.rebuild_reporting(store.as_ref(), progress)? {
        CatchUp::Done { indexed, .. } => println!(
            "keyword index rebuilt: {indexed} papers in {:.1}s",
            started.elapsed().as_secs_f64()
        ),
        CatchUp::Busy => {
            bail!("another paperboy process (serve?) holds the search index; stop it, or let it keep the index current")
        }
    }
    drop(index);
    let embedder = crate::embedding::open_embedder(config);
    let Ok(embedder) = embedder else {
        println!("vector index skipped: {}", embedder.err().unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    };
    let started = Instant::now();
    let mut searcher = Searcher::open_with(&config.data_dir, Ok(embedder), store.as_ref())?;
    let added = searcher.rebuild_vectors(&config.data_dir, store.as_ref(), progress)?;
    println!(
        "vector index rebuilt: {added} papers in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn embed(config: &Config, limit: Option<usize>, shown: &dyn Progress) -> anyhow::Result<ExitCode> {
    let store = open_store(config)?;
    let embedder = match crate::embedding::open_embedder(config) {
        Ok(embedder) => embedder,
        Err(why) => bail!("cannot embed papers: {why}"),
    };
    let searcher = Searcher::open_with(&config.data_dir, Ok(embedder), store.as_ref())?;
    let started = Instant::now();
    let progress = searcher.embed_pending_reporting(store.as_ref(), limit, &AtomicBool::new(false), shown)?;
    let seconds = started.elapsed().as_secs_f64();
    let rate = progress.embedded as f64 / seconds.max(1e-9);
    println!(
        "embedded {} papers in {seconds:.1}s ({rate:.1}/s); {} changed without new text; {} in the vector index",
        progress.embedded,
        progress.unchanged,
        searcher.vector_count()
    );
    Ok(ExitCode::SUCCESS)
}
