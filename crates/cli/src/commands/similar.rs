use std::process::ExitCode;

use anyhow::Context;
use paperboy_domain::VersionedId;

use super::{open_full_search, open_store, print_json};
use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    /// An arXiv id or URL.
    id: String,
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Print `{"id", "model", "results": [{id, title, score, published}]}`.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Similar<'a> {
    id: String,
    /// The embedding model used, or null when keyword similarity stood in.
    model: Option<&'a str>,
    results: &'a [paperboy_search::SearchHit],
}

pub fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    if !(1..=100).contains(&args.limit) {
        anyhow::bail!("--limit must be between 1 and 100");
    }
    let id = VersionedId::parse(&args.id)
        .with_context(|| format!("{:?} is not an arXiv id or URL", args.id))?
        .id;
    let store = open_store(config)?;
    if store.paper(&id)?.is_none() {
        eprintln!("error: paper {id} is not in the store");
        return Ok(ExitCode::from(1));
    }
    let searcher = open_full_search(config, store.as_ref())?;
    let model = searcher.model_id();
    let embedded = match model {
        Some(model) => paperboy_store::EmbeddingStore::vector_of(store.as_ref(), model, &id)?.is_some(),
        None => false,
    };
    if model.is_some() && !embedded {
        eprintln!("note: {id} is not embedded yet (`paperboy index embed` or a running `serve` does it); showing papers with similar keywords");
    } else if let Some(why) = searcher.semantic_unavailable() {
        eprintln!("note: semantic search is not available ({why}); showing papers with similar keywords");
    }
    let results = searcher.similar(store.as_ref(), &id, args.limit)?;
    if args.json {
        print_json(&Similar {
            id: id.to_string(),
            model: if embedded { model } else { None },
            results: &results,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    for (rank, hit) in results.iter().enumerate() {
        let day = hit.published.map(|d| d.to_string()).unwrap_or_default();
        println!(
            "{:>3}. {:<16} {:<10} {:.3}  {}",
            rank + 1,
            hit.id,
            day,
            hit.score,
            hit.title
        );
    }
    Ok(ExitCode::SUCCESS)
}
