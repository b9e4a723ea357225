use std::process::ExitCode;

use anyhow::bail;
use paperboy_search::{CatchUp, LexicalIndex};

use super::open_store;
use crate::config::Config;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Rebuild the search indexes from the store.
    Rebuild,
}

pub fn run(config: &Config, action: Action) -> anyhow::Result<ExitCode> {
    let Action::Rebuild = action;
    let store = open_store(config)?;
    let index = LexicalIndex::open(&paperboy_search::lexical_dir(&config.data_dir))?;
    let started = std::time::Instant::now();
    match index.rebuild(&store)? {
        CatchUp::Done { indexed, .. } => {
            println!(
                "keyword index rebuilt: {indexed} papers in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        CatchUp::Busy => {
            bail!("another paperboy process (serve?) holds the search index; stop it, or let it keep the index current")
        }
    }
}
