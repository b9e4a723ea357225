use std::process::ExitCode;

use chrono::NaiveDate;
use clap::ValueEnum;
use paperboy_search::{Filters, Mode, SearchRequest};

use super::{open_full_search, open_store, print_json};
use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    /// Words, "phrases", -exclusions, author:NAME, cat:CATEGORY, or an arXiv id/URL.
    #[arg(required = true, num_args = 1.., value_name = "QUERY")]
    query: Vec<String>,
    #[arg(long, value_enum, default_value_t = ModeArg::Hybrid)]
    mode: ModeArg,
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Only papers announced on or after this day (YYYY-MM-DD).
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Only papers announced on or before this day (YYYY-MM-DD).
    #[arg(long)]
    until: Option<NaiveDate>,
    /// Only papers in this arXiv category (repeatable).
    #[arg(long)]
    category: Vec<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Hybrid,
    Lexical,
    Semantic,
}

pub fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    if !(1..=1000).contains(&args.limit) {
        anyhow::bail!("--limit must be between 1 and 1000");
    }
    let store = open_store(config)?;
    let searcher = open_full_search(config, store.as_ref())?;
    let request = SearchRequest {
        text: args.query.join(" "),
        mode: match args.mode {
            ModeArg::Hybrid => Mode::Hybrid,
            ModeArg::Lexical => Mode::Lexical,
            ModeArg::Semantic => Mode::Semantic,
        },
        filters: Filters {
            from: args.from,
            until: args.until,
            categories: args.category,
        },
        offset: 0,
        limit: args.limit,
    };
    let response = searcher.search(store.as_ref(), &request)?;
    if args.json {
        print_json(&response)?;
        return Ok(ExitCode::SUCCESS);
    }
    for notice in &response.notices {
        eprintln!("note: {notice}");
    }
    if response.results.is_empty() {
        println!("no papers match {:?}", response.query);
    }
    for (rank, hit) in response.results.iter().enumerate() {
        let day = hit.published.map(|d| d.to_string()).unwrap_or_default();
        println!("{:>3}. {:<16} {:<10}  {}", rank + 1, hit.id, day, hit.title);
    }
    Ok(ExitCode::SUCCESS)
}
