//! `paperboy restore FILE [--force]`: installs a snapshot as the data folder's embedded store.
//!
//! In order, each step leaving the folder usable if the next fails:
//! 1. the file is checked (a SQLite database, `PRAGMA integrity_check` ok, paperboy's schema
//!    at a version this binary knows) before anything is touched;
//! 2. the folder is taken alone (its lock file, see `FolderLock`): no `serve` or other
//!    command has the store open, and none opens it until the restore is done;
//! 3. a store holding papers, accounts or subscribers is replaced only with `--force`;
//! 4. the snapshot is copied beside the live database under a temporary name, migrated, and
//!    its leases and carried link-signing key taken out;
//! 5. the search indexes are removed (they followed the replaced store; the restored one has
//!    the same identity but older sequence numbers, so they would look current and be wrong);
//! 6. the live database (with its `-wal`, so it stays whole) is kept under a name with a
//!    timestamp, never deleted, and the copy renamed over the live name;
//! 7. the key goes to `secret.key` (an old, different one is kept aside too);
//! 8. the folder is let go, and the keyword index rebuilt from the restored store (vectors are
//!    rebuilt from the stored embeddings when `serve` or `search` next opens them).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::Utc;
use paperboy_digest::token::SECRET_FILE;
use paperboy_digest::Secret;
use paperboy_search::{CatchUp, Searcher};
use paperboy_store::sqlite::snapshot::{self, SnapshotFacts, SnapshotFile};
use paperboy_store::sqlite::{FolderLock, DATABASE_FILE};

use super::backup::stamp;
use super::digest::{write_secret, DIGEST_SECRET_KEY};
use super::{ensure_indexes_follow, open_store, print_json};
use crate::config::Config;
use crate::partial_file::{sync_folder, PartialFile};

#[derive(clap::Args)]
#[command(after_help = "Examples:
  paperboy restore /var/backups/paperboy/paperboy-20261201T153000Z.sqlite
  paperboy restore --force nightly.sqlite      # replaces a store with data, keeping it aside

Stop `paperboy serve` first. With PostgreSQL, restore a pg_dump with pg_restore, or a
portable copy with `paperboy copy --from FOLDER --to postgres://…` (see docs/operations.md).")]
pub struct Args {
    /// The snapshot: a file `paperboy backup` wrote, or the paperboy.sqlite3 of a folder
    /// `paperboy copy` wrote.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Replace a store that holds papers, accounts or subscribers (it is kept beside, under a new name).
    #[arg(long)]
    force: bool,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    if config.database_url.is_some() {
        bail!(
            "paperboy restore installs a snapshot into a data folder's embedded store; this \
             deployment keeps its data in PostgreSQL. Restore a pg_dump backup with pg_restore, \
             or a portable copy with `paperboy copy --from FOLDER --to URL` (see docs/operations.md)"
        );
    }
    let data_dir = &config.data_dir;
    let live = data_dir.join(DATABASE_FILE);
    if !args.file.is_file() {
        bail!("{} is not a file", args.file.display());
    }
    if live.is_file() && same_file(&args.file, &live)? {
        bail!("{} is this data folder's own database", args.file.display());
    }
    snapshot::check(&args.file)?;

    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let Some(lock) = FolderLock::try_exclusive(data_dir)? else {
        bail!(
            "the data folder {} is in use by another paperboy process (serve, ingest, …); stop it, \
             then restore",
            data_dir.display()
        );
    };
    if live.is_file() && !args.force {
        refuse_to_replace(&live)?;
    }

    let staged = PartialFile::beside(&live)?;
    snapshot::copy_into(&args.file, staged.path()).with_context(|| format!("copying {}", args.file.display()))?;
    let mut file = SnapshotFile::open(staged.path())?;
    let migrated = file.migrate()?;
    file.forget_leases()?;
    let key = file.take_state(DIGEST_SECRET_KEY)?;
    let facts = file.facts()?;
    file.close()?;
    let key = key
        .map(|hex| Secret::from_hex(&hex).context("the snapshot's link-signing key is malformed"))
        .transpose()?;

    let stamp = stamp(Utc::now());
    let index = paperboy_search::index_dir(data_dir);
    if index.exists() {
        std::fs::remove_dir_all(&index).with_context(|| format!("removing the search indexes {}", index.display()))?;
    }
    let replaced = if live.exists() {
        Some(set_aside(&live, &stamp)?)
    } else {
        None
    };
    staged.finish_replacing()?;
    if let Some(key) = &key {
        install_key(data_dir, key, &stamp)?;
    }
    drop(lock);

    let indexed = rebuild_keyword_index(config)?;
    report(
        &args,
        &live,
        replaced.as_deref(),
        facts,
        &migrated,
        key.is_some(),
        indexed,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Without `--force`, a store that holds anything (or cannot be read) stays.
fn refuse_to_replace(live: &Path) -> anyhow::Result<()> {
    match snapshot::facts_at(live) {
        Ok(current) if current.holds_data() => bail!(
            "the data folder's store {} holds {} papers, {} accounts and {} subscribers; \
             restore --force replaces it (it is kept beside, under a new name)",
            live.display(),
            current.papers,
            current.users,
            current.subscribers
        ),
        Ok(_) => Ok(()),
        Err(e) => bail!(
            "the data folder's store {} cannot be read ({e}); restore --force replaces it (it is \
             kept beside, under a new name)",
            live.display()
        ),
    }
}

/// Keeps the live database as `NAME.replaced-STAMP`, with its `-wal` (which may hold committed
/// transactions not yet in the main file) as `NAME.replaced-STAMP-wal`: opened under that name,
/// it is the store as it was. The main file gets its second name by a hard link, so that the
/// live name still holds a store until the new one is renamed over it. An empty `-wal` holds
/// nothing; the `-shm` is an index of the `-wal`, rebuilt on open.
fn set_aside(live: &Path, stamp: &str) -> anyhow::Result<PathBuf> {
    let kept = free_name(live, &format!("replaced-{stamp}"));
    let aside = |from: &Path, to: &Path| -> anyhow::Result<()> {
        std::fs::hard_link(from, to)
            .or_else(|_| std::fs::copy(from, to).map(drop)) // a file system without hard links
            .with_context(|| format!("cannot keep {} as {}", from.display(), to.display()))
    };
    aside(live, &kept)?;
    let wal = with_suffix(live, "-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        aside(&wal, &with_suffix(&kept, "-wal"))?;
    }
    // Never left beside the new database: SQLite would read them as its own.
    for stale in [wal, with_suffix(live, "-shm")] {
        if stale.exists() {
            std::fs::remove_file(&stale).with_context(|| format!("cannot remove {}", stale.display()))?;
        }
    }
    sync_folder(live)?;
    Ok(kept)
}

/// Writes the carried link-signing key; a different one already there is kept aside.
fn install_key(data_dir: &Path, key: &Secret, stamp: &str) -> anyhow::Result<()> {
    let path = data_dir.join(SECRET_FILE);
    if let Ok(current) = std::fs::read(&path) {
        if current == key.to_bytes() {
            return Ok(());
        }
        let kept = free_name(&path, &format!("replaced-{stamp}"));
        std::fs::rename(&path, &kept).with_context(|| format!("cannot move {} aside", path.display()))?;
    }
    write_secret(data_dir, key)
}

fn rebuild_keyword_index(config: &Config) -> anyhow::Result<Option<u64>> {
    let store = open_store(config)?;
    ensure_indexes_follow(config, store.as_ref())?;
    let searcher = Searcher::open(&config.data_dir)?;
    Ok(match searcher.lexical.catch_up(store.as_ref())? {
        CatchUp::Done { indexed, .. } => Some(indexed),
        CatchUp::Busy => None, // a serve started meanwhile: it keeps the index
    })
}

fn report(
    args: &Args,
    live: &Path,
    replaced: Option<&Path>,
    facts: SnapshotFacts,
    migrated: &[i64],
    with_key: bool,
    indexed: Option<u64>,
) -> anyhow::Result<()> {
    if args.json {
        return print_json(&serde_json::json!({
            "restored": args.file,
            "into": live,
            "papers": facts.papers,
            "users": facts.users,
            "subscribers": facts.subscribers,
            "schema_version": facts.schema_version,
            "migrated": migrated,
            "replaced": replaced,
            "secret_key": with_key,
            "indexed": indexed,
        }));
    }
    println!(
        "restored {} into {}: {} papers, {} accounts, {} subscribers",
        args.file.display(),
        live.display(),
        facts.papers,
        facts.users,
        facts.subscribers
    );
    if !migrated.is_empty() {
        println!("migrated it to schema version {}", facts.schema_version);
    }
    if let Some(replaced) = replaced {
        println!("the replaced database is kept as {}", replaced.display());
    }
    if !with_key {
        println!(
            "the snapshot carries no link-signing key: the data folder's secret.key (or a new one) signs digest links"
        );
    }
    match indexed {
        Some(papers) => println!("keyword index rebuilt: {papers} papers"),
        None => println!("another paperboy process rebuilds the keyword index"),
    }
    Ok(())
}

/// `path` + `.suffix`, or `.suffix-2`, `.suffix-3`, … when that is taken.
fn free_name(path: &Path, suffix: &str) -> PathBuf {
    (1..)
        .map(|n| match n {
            1 => with_suffix(path, &format!(".{suffix}")),
            n => with_suffix(path, &format!(".{suffix}-{n}")),
        })
        .find(|candidate| !candidate.exists() && !with_suffix(candidate, "-wal").exists())
        .expect("some name is free")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    name.into()
}

fn same_file(a: &Path, b: &Path) -> anyhow::Result<bool> {
    Ok(std::fs::canonicalize(a)? == std::fs::canonicalize(b)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_database_keeps_its_wal_and_takes_a_free_name() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("paperboy.sqlite3");
        for (suffix, bytes) in [("", "db"), ("-wal", "wal"), ("-shm", "shm")] {
            std::fs::write(with_suffix(&live, suffix), bytes).unwrap();
        }
        let kept = set_aside(&live, "20261201T153000Z").unwrap();
        assert_eq!(kept, dir.path().join("paperboy.sqlite3.replaced-20261201T153000Z"));
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "db");
        assert_eq!(std::fs::read_to_string(with_suffix(&kept, "-wal")).unwrap(), "wal");
        assert_eq!(
            std::fs::read_to_string(&live).unwrap(),
            "db",
            "until the new one replaces it"
        );
        for suffix in ["-wal", "-shm"] {
            assert!(!with_suffix(&live, suffix).exists(), "{suffix}");
        }
        let new = dir.path().join("new");
        std::fs::write(&new, "next").unwrap();
        std::fs::rename(&new, &live).unwrap(); // as the restored copy is put in place
        let again = set_aside(&live, "20261201T153000Z").unwrap();
        assert_eq!(again, dir.path().join("paperboy.sqlite3.replaced-20261201T153000Z-2"));
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "db", "the first one stays");
    }
}
