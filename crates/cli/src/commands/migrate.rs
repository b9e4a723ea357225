//! `paperboy migrate`: brings the store's schema up to date. Every command does this when it
//! opens the store; running it alone lets a deployment migrate once, before rolling out new
//! instances. Instances starting together are safe either way (PostgreSQL migrates under an
//! advisory lock, SQLite under its write lock).

use std::process::ExitCode;

use paperboy_store::{PostgresStore, SqliteStore};

use super::{check_postgres_url, print_json};
use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let (location, applied, version, latest) = match &config.database_url {
        Some(url) => {
            check_postgres_url(url)?;
            let store = PostgresStore::connect_without_migrating(url)?;
            let applied = store.migrate()?;
            let version = store.schema_version()?;
            (
                store.url().to_string(),
                applied,
                version,
                paperboy_store::postgres::LATEST_VERSION,
            )
        }
        None => {
            let before = SqliteStore::schema_version_at(&config.data_dir)?;
            let store = SqliteStore::open(&config.data_dir)?;
            let version = store.schema_version()?;
            let applied = ((before + 1)..=version).collect();
            (
                store.path().display().to_string(),
                applied,
                version,
                paperboy_store::sqlite::LATEST_VERSION,
            )
        }
    };
    if args.json {
        print_json(&serde_json::json!({
            "store": location,
            "version": version,
            "latest": latest,
            "applied": applied,
        }))?;
    } else {
        println!("{location}: schema version {version} (latest {latest})");
    }
    Ok(ExitCode::SUCCESS)
}
