//! `paperboy copy --from A --to B`: moves a whole deployment between the embedded store (a
//! data folder) and PostgreSQL, either way, keeping ids, sequence numbers and the key that
//! signs digest links — so that accounts, sessions, links in sent mail and search indexes all
//! keep working after the move. The source is read in one snapshot, so copying a live
//! PostgreSQL into a data folder is also a consistent, portable backup (`paperboy restore`
//! installs its `paperboy.sqlite3`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use paperboy_digest::Secret;
use paperboy_domain::Progress;
use paperboy_store::copy::{copy_all, TableCopy};
use paperboy_store::{Backend, SqliteStore};

use super::digest::{write_secret, DIGEST_SECRET_KEY};
use super::{open_postgres, print_json};
use crate::config::Config;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  paperboy copy --from ./paperboy-data --to postgres://paperboy@db/paperboy
  paperboy copy --from postgres://paperboy@db/paperboy --to ./restored-data

The target must hold no papers, accounts or subscribers. The source is read in one snapshot
(one transaction), so a copy of a store in use is consistent: it is the store as it was when
the copy began. Writes after that are not in it; stop the instances that write to the source
first when moving a deployment.")]
pub struct Args {
    /// Where the data is: a data folder (embedded store) or a postgres:// URL.
    #[arg(long, value_name = "DIR|URL")]
    from: String,
    /// Where it goes: a data folder (created if needed) or a postgres:// URL (migrated first).
    #[arg(long, value_name = "DIR|URL")]
    to: String,
    #[arg(long)]
    json: bool,
}

/// One end of a copy.
enum End {
    Folder(PathBuf),
    Postgres(String),
}

impl End {
    fn parse(text: &str) -> End {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            End::Postgres(text.to_string())
        } else {
            End::Folder(PathBuf::from(text))
        }
    }

    fn open(&self, is_source: bool) -> anyhow::Result<Arc<dyn Backend>> {
        match self {
            End::Postgres(url) => Ok(Arc::new(open_postgres(url)?)),
            End::Folder(dir) => {
                let file = dir.join(paperboy_store::sqlite::DATABASE_FILE);
                if is_source && !file.is_file() {
                    bail!(
                        "{} holds no paperboy store ({} is missing)",
                        dir.display(),
                        file.display()
                    );
                }
                Ok(Arc::new(
                    SqliteStore::open(dir).with_context(|| format!("opening {}", dir.display()))?,
                ))
            }
        }
    }
}

pub fn run(_config: &Config, args: Args, progress: &dyn Progress) -> anyhow::Result<ExitCode> {
    let (from, to) = (End::parse(&args.from), End::parse(&args.to));
    if let (End::Folder(a), End::Folder(b)) = (&from, &to) {
        if a == b {
            bail!("--from and --to are the same folder");
        }
    }
    let source = from.open(true)?;
    let target = to.open(false)?;
    let started = Instant::now();
    let report = copy_all(as_table_copy(&source), as_table_copy(&target), progress).context("copying")?;
    if !args.json {
        for (table, rows) in &report {
            println!("{table:<18} {rows:>9} rows");
        }
    }
    carry_secret(&from, &to, source.as_ref(), target.as_ref())?;
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        let tables: serde_json::Map<String, serde_json::Value> =
            report.iter().map(|(t, n)| (t.to_string(), (*n).into())).collect();
        print_json(&serde_json::json!({
            "from": source.location(),
            "to": target.location(),
            "tables": tables,
            "seconds": seconds,
        }))?;
    } else {
        println!("copied {} to {} in {seconds:.1}s", source.location(), target.location());
    }
    Ok(ExitCode::SUCCESS)
}

fn as_table_copy(backend: &Arc<dyn Backend>) -> &dyn TableCopy {
    backend.as_ref()
}

/// The key that signs digest links lives in the data folder for SQLite and in the database
/// for PostgreSQL; move it so that links in mail already sent keep working.
fn carry_secret(from: &End, to: &End, source: &dyn Backend, target: &dyn Backend) -> anyhow::Result<()> {
    match (from, to) {
        (End::Folder(dir), End::Postgres(_)) => {
            if dir.join(paperboy_digest::token::SECRET_FILE).is_file() {
                let secret = Secret::load_or_create(dir)?;
                target.set_state(DIGEST_SECRET_KEY, Some(&secret.to_hex()))?;
            }
        }
        (End::Postgres(_), End::Folder(dir)) => {
            if let Some(hex) = source.state(DIGEST_SECRET_KEY)? {
                let secret = Secret::from_hex(&hex).context("the database's digest secret is malformed")?;
                write_secret(dir, &secret)?;
            }
        }
        (End::Folder(a), End::Folder(b)) => {
            let file = a.join(paperboy_digest::token::SECRET_FILE);
            if file.is_file() {
                write_secret(b, &Secret::load_or_create(a)?)?;
            }
        }
        (End::Postgres(_), End::Postgres(_)) => {} // `state` carried it
    }
    Ok(())
}
