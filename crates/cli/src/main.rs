//! `paperboy`: the command-line entry point. Parses arguments, resolves the configuration once,
//! opens the store and hands both to the command asked for.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

mod commands;
mod config;
mod embedding;
mod partial_file;
mod progress;

use config::docs::flag_help;
use config::{settings, Config, Flags};

#[derive(Parser)]
#[command(
    name = "paperboy",
    version,
    about = "A self-hostable research-paper discovery hub",
    after_help = "Every setting (file key, environment variable, default): paperboy.example.toml, or the README."
)]
struct Cli {
    #[arg(long, global = true, value_name = "DIR", help = flag_help(&settings::DATA_DIR.about))]
    data_dir: Option<PathBuf>,
    #[arg(long, global = true, value_name = "URL", help = flag_help(&settings::DATABASE_URL.about))]
    database_url: Option<String>,
    #[arg(long, global = true, value_name = "FILE", help = flag_help(&settings::CONFIG.about))]
    config: Option<PathBuf>,
    #[arg(long, global = true, value_name = "DIR", help = flag_help(&settings::MODEL_DIR.about))]
    model_dir: Option<PathBuf>,
    /// Only warnings and errors on stderr (no progress either).
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Progress as plain lines at most this many seconds apart, even on a terminal (0: at every
    /// step). For logs and tests; stderr that is not a terminal gets a line every 10 s anyway.
    #[arg(long, global = true, hide = true, value_name = "SECS")]
    progress_every: Option<f64>,
    /// More detail on stderr: paperboy's debug lines (model loading, timings). `--quiet` wins
    /// over it; `RUST_LOG` overrides both.
    #[arg(long, short, global = true)]
    verbose: bool,
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
    /// Write a consistent snapshot of the embedded store to a file, while it is in use.
    Backup(commands::backup::Args),
    /// Check a snapshot and install it as the data folder's store (indexes are rebuilt).
    Restore(commands::restore::Args),
    /// Readers' libraries: import a BibTeX, RIS or CSL-JSON export into one.
    #[command(subcommand)]
    Library(commands::library::Action),
    /// Manage API tokens (`Authorization: Bearer …` for the JSON API).
    #[command(subcommand)]
    Token(commands::token::Action),
    /// Fetch the days due from the sources now (arXiv's announcements, Hugging Face's daily
    /// list), then exit: 0 when every due day completed, 1 when some stayed missing.
    Sync(commands::sync::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.quiet, cli.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let flags = Flags {
        config: cli.config,
        data_dir: cli.data_dir,
        database_url: cli.database_url,
        model_dir: cli.model_dir,
    };
    let config = Config::load(flags, &|name| std::env::var(name).ok())?;
    let every = match cli.progress_every {
        Some(seconds) if !(seconds.is_finite() && seconds >= 0.0) => {
            anyhow::bail!("--progress-every {seconds}: give a number of seconds, 0 or more")
        }
        Some(seconds) => Some(std::time::Duration::from_secs_f64(seconds)),
        None => None,
    };
    let progress = progress::Reporter::new(progress::Display::choose(cli.quiet, every));
    match cli.command {
        Command::Ingest(args) => commands::ingest::run(&config, args, &progress),
        Command::Harvest(target) => commands::harvest::run(&config, target, &progress),
        Command::Show(args) => commands::show::run(&config, args),
        Command::Export(args) => commands::export::run(&config, args),
        Command::Stats(args) => commands::stats::run(&config, args),
        Command::Serve(args) => commands::serve::run(&config, args),
        Command::Search(args) => commands::search::run(&config, args),
        Command::Index(action) => commands::index::run(&config, action, &progress),
        Command::Similar(args) => commands::similar::run(&config, args),
        Command::Digest(action) => commands::digest::run(&config, action),
        Command::Subscribers(action) => commands::subscribers::run(&config, action),
        Command::User(action) => commands::user::run(&config, action),
        Command::Token(action) => commands::token::run(&config, action),
        Command::Library(action) => commands::library::run(&config, action),
        Command::Migrate(args) => commands::migrate::run(&config, args),
        Command::Copy(args) => commands::copy::run(&config, args, &progress),
        Command::Backup(args) => commands::backup::run(&config, args),
        Command::Restore(args) => commands::restore::run(&config, args),
        Command::Sync(args) => commands::sync::run(&config, args, &progress),
    }
}

/// paperboy's own crates, whose debug lines `--verbose` shows (a dependency's stay at info).
const OWN_CRATES: [&str; 10] = [
    "paperboy",
    "paperboy_accounts",
    "paperboy_digest",
    "paperboy_domain",
    "paperboy_embed",
    "paperboy_ingest",
    "paperboy_search",
    "paperboy_store",
    "paperboy_sync",
    "paperboy_web",
];

fn init_logging(quiet: bool, verbose: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "warn".to_string(),
        (false, true) => std::iter::once("info".to_string())
            .chain(OWN_CRATES.iter().map(|name| format!("{name}=debug")))
            .collect::<Vec<_>>()
            .join(","),
        (false, false) => "info".to_string(),
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Each flag the settings table names (`serve --listen ADDR`) is a flag of that command,
    /// with that value name.
    #[test]
    fn the_settings_tables_flags_exist() {
        for about in settings::ALL {
            let Some(flag) = about.flag else { continue };
            let words: Vec<&str> = flag.split_whitespace().collect();
            let at = words.iter().position(|w| w.starts_with("--")).expect("a --flag");
            let mut command = Cli::command();
            for name in &words[..at] {
                command = command
                    .find_subcommand(name)
                    .unwrap_or_else(|| panic!("{flag}: no subcommand {name}"))
                    .clone();
            }
            let long = &words[at][2..];
            let arg = command
                .get_arguments()
                .find(|arg| arg.get_long() == Some(long))
                .unwrap_or_else(|| panic!("{flag}: no flag --{long}"));
            let value_names: Vec<String> = arg
                .get_value_names()
                .unwrap_or_default()
                .iter()
                .map(|n| n.to_string())
                .collect();
            assert_eq!(value_names, words[at + 1..], "{flag}");
        }
    }
}
