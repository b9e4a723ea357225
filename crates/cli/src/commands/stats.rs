use std::process::ExitCode;

use super::{open_store, print_json};
use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let stats = open_store(config)?.stats()?;
    if args.json {
        print_json(&stats)?;
        return Ok(ExitCode::SUCCESS);
    }
    let range = |a: Option<chrono::NaiveDate>, b: Option<chrono::NaiveDate>| match (a, b) {
        (Some(a), Some(b)) => format!("{a} … {b}"),
        _ => "none".to_string(),
    };
    println!("papers:       {}", stats.papers);
    println!(
        "daily lists:  {} days, {} entries ({})",
        stats.daily_days,
        stats.daily_entries,
        range(stats.first_day, stats.last_day)
    );
    println!("announced:    {}", range(stats.first_announced, stats.last_announced));
    Ok(ExitCode::SUCCESS)
}
