//! `paperboy`: the command-line entry point. Parses arguments, resolves the configuration once,
//! opens the store and hands both to the command asked for.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

mod commands;
mod config;
mod embedding;

use config::{Config, FileConfig};

#[derive(Parser)]
#[command(name = "paperboy", version, about = "A self-hostable research-paper discovery hub")]
struct Cli {
    /// The data folder (store and indexes).
    #[arg(long, global = true, env = "PAPERBOY_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Keep everything in PostgreSQL (`postgres://user:password@host:5432/db`) instead of the
    /// data folder's SQLite file; the data folder still holds this instance's search indexes.
    #[arg(long, global = true, env = "PAPERBOY_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
    /// A TOML configuration file; the environment and flags override it.
    #[arg(long, global = true, env = "PAPERBOY_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The sentence-embedding model folder for semantic search (default: the Hugging Face cache,
    /// or the model scripts/setup installs).
    #[arg(long, global = true, env = "PAPERBOY_MODEL_DIR", value_name = "DIR")]
    model_dir: Option<PathBuf>,
    /// Only warnings and errors on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load papers from files, directories, globs, URLs or stdin (`-`).
    Ingest(commands::ingest::Args),
    /// Harvest metadata live from a source.
    #[command(subcommand)]
    Harvest(commands::harvest::Target),
    /// Show one paper.
    Show(commands::show::Args),
    /// Write every paper out (JSON lines that `ingest` reads back).
    Export(commands::export::Args),
    /// Counts of what the store holds.
    Stats(commands::stats::Args),
    /// Search papers by keywords (and meaning, when an embedding model is available).
    Search(commands::search::Args),
    /// Papers nearest in meaning to a paper (by embedding).
    Similar(commands::similar::Args),
    /// Maintain the search indexes.
    #[command(subcommand)]
    Index(commands::index::Action),
    /// Serve the web app and JSON API (and send digests when they are due).
    Serve(commands::serve::Args),
    /// Email digests: send the due ones, or preview one subscriber's.
    #[command(subcommand)]
    Digest(commands::digest::Action),
    /// Manage digest subscribers.
    #[command(subcommand)]
    Subscribers(commands::subscribers::Action),
    /// Manage accounts of the community side.
    #[command(subcommand)]
    User(commands::user::Action),
    /// Apply pending database migrations (also done at every start), or show the schema version.
    Migrate(commands::migrate::Args),
    /// Move a whole deployment between a data folder and PostgreSQL (either way).
    Copy(commands::copy::Args),
    /// Manage API tokens (`Authorization: Bearer …` for the JSON API).
    #[command(subcommand)]
    Token(commands::token::Action),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.quiet);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = match &cli.config {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    let mut config = Config::resolve(file, cli.data_dir)?;
    if cli.model_dir.is_some() {
        config.model_dir = cli.model_dir;
    }
    if cli.database_url.is_some() {
        config.database_url = cli.database_url;
    }
    match cli.command {
        Command::Ingest(args) => commands::ingest::run(&config, args),
        Command::Harvest(target) => commands::harvest::run(&config, target),
        Command::Show(args) => commands::show::run(&config, args),
        Command::Export(args) => commands::export::run(&config, args),
        Command::Stats(args) => commands::stats::run(&config, args),
        Command::Serve(args) => commands::serve::run(&config, args),
        Command::Search(args) => commands::search::run(&config, args),
        Command::Index(action) => commands::index::run(&config, action),
        Command::Similar(args) => commands::similar::run(&config, args),
        Command::Digest(action) => commands::digest::run(&config, action),
        Command::Subscribers(action) => commands::subscribers::run(&config, action),
        Command::User(action) => commands::user::run(&config, action),
        Command::Token(action) => commands::token::run(&config, action),
        Command::Migrate(args) => commands::migrate::run(&config, args),
        Command::Copy(args) => commands::copy::run(&config, args),
    }
}

fn init_logging(quiet: bool) {
    let default = if quiet { "warn" } else { "info" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
