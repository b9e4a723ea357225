//! `paperboy backup DIR|FILE`: a snapshot of the embedded store taken while it is in use
//! (`serve`, `ingest`, …), as one SQLite file that `paperboy restore` installs.
//!
//! The file is the database as it was at one commit (`VACUUM INTO` reads it in one
//! transaction; writers go on meanwhile), plus the data folder's link-signing key
//! (`secret.key`), carried in its `state` table under the key PostgreSQL keeps it by: one file
//! is the whole backup. Search indexes are left out; they are rebuilt from the store. Like the
//! live database, the file is readable by its owner only: it holds password hashes and the key.
//! It is written under a temporary name and linked into place once on disk, so a backup cut
//! short never looks complete, and an existing file is never replaced.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use paperboy_digest::Secret;
use paperboy_store::sqlite::snapshot::SnapshotFile;
use paperboy_store::sqlite::DATABASE_FILE;
use paperboy_store::SqliteStore;

use super::digest::DIGEST_SECRET_KEY;
use super::print_json;
use crate::config::Config;
use crate::partial_file::PartialFile;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  paperboy backup /var/backups/paperboy/     → /var/backups/paperboy/paperboy-20261201T153000Z.sqlite
  paperboy backup ./before-upgrade.sqlite

Safe while `paperboy serve` runs. With PostgreSQL, back up with pg_dump, or with
`paperboy copy --from postgres://… --to FOLDER` (see docs/operations.md).")]
pub struct Args {
    /// A folder (the backup is named paperboy-YYYYMMDDTHHMMSSZ.sqlite in it) or a file name.
    /// An existing file is never replaced.
    #[arg(value_name = "DIR|FILE")]
    path: PathBuf,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    if config.database_url.is_some() {
        bail!(
            "paperboy backup copies the embedded store of a data folder; this deployment keeps its \
             data in PostgreSQL. Back it up with pg_dump (pg_dump -Fc -f paperboy.dump URL), or \
             with `paperboy copy --from URL --to FOLDER` for a portable copy that `paperboy restore` \
             installs (see docs/operations.md)"
        );
    }
    let database = config.data_dir.join(DATABASE_FILE);
    if !database.is_file() {
        bail!(
            "{} holds no paperboy store ({} is missing)",
            config.data_dir.display(),
            database.display()
        );
    }
    let into_folder = names_folder(&args.path);
    if into_folder {
        std::fs::create_dir_all(&args.path).with_context(|| format!("cannot create {}", args.path.display()))?;
    }
    let target = target_path(&args.path, into_folder, Utc::now());
    if target.exists() {
        bail!("{} already exists; a backup never replaces a file", target.display());
    }
    let started = Instant::now();
    let store = SqliteStore::open(&config.data_dir)?;
    let partial = PartialFile::beside(&target)?;
    store
        .backup_into(partial.path())
        .with_context(|| format!("writing the backup {}", partial.path().display()))?;
    let snapshot = SnapshotFile::open(partial.path())?;
    let key = config.data_dir.join(paperboy_digest::token::SECRET_FILE);
    let with_key = key.is_file();
    if with_key {
        let secret = Secret::load_or_create(&config.data_dir)?;
        snapshot.set_state(DIGEST_SECRET_KEY, &secret.to_hex())?;
    }
    let facts = snapshot.facts()?;
    snapshot.close()?;
    let written = partial.finish_new()?;
    let bytes = std::fs::metadata(&written)?.len();
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        print_json(&serde_json::json!({
            "path": written,
            "bytes": bytes,
            "papers": facts.papers,
            "users": facts.users,
            "subscribers": facts.subscribers,
            "schema_version": facts.schema_version,
            "secret_key": with_key,
            "seconds": seconds,
        }))?;
    } else {
        println!(
            "wrote {} ({}, {} papers, {} accounts, {} subscribers{}) in {seconds:.1}s",
            written.display(),
            human_bytes(bytes),
            facts.papers,
            facts.users,
            facts.subscribers,
            if with_key { ", the link-signing key" } else { "" },
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A folder that exists, or a name that ends with a slash (created if missing).
fn names_folder(path: &Path) -> bool {
    path.is_dir() || path.as_os_str().to_string_lossy().ends_with(std::path::MAIN_SEPARATOR)
}

/// Where a backup goes: in `path` when it names a folder, under a name that sorts by time;
/// else `path` itself.
pub fn target_path(path: &Path, into_folder: bool, now: DateTime<Utc>) -> PathBuf {
    if into_folder {
        path.join(format!("paperboy-{}.sqlite", stamp(now)))
    } else {
        path.to_path_buf()
    }
}

/// A UTC time for file names: `20261201T153000Z` (sorts as it reads, no colons).
pub fn stamp(now: DateTime<Utc>) -> String {
    now.format("%Y%m%dT%H%M%SZ").to_string()
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        0..1_000_000 => format!("{:.1} kB", bytes as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", bytes as f64 / 1e6),
        _ => format!("{:.2} GB", bytes as f64 / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_folder_gets_a_file_named_for_the_time_and_a_file_name_is_kept() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 15, 30, 0).unwrap();
        assert_eq!(
            target_path(Path::new("/var/backups"), true, now),
            Path::new("/var/backups/paperboy-20261201T153000Z.sqlite")
        );
        assert_eq!(
            target_path(Path::new("nightly.sqlite"), false, now),
            Path::new("nightly.sqlite")
        );
    }

    #[test]
    fn a_trailing_slash_names_a_folder_even_before_it_exists() {
        let dir = tempfile::tempdir().unwrap();
        assert!(names_folder(dir.path()));
        let missing = dir.path().join("later");
        assert!(!names_folder(&missing));
        assert!(names_folder(Path::new(&format!("{}/", missing.display()))));
    }

    #[test]
    fn sizes_read_at_a_glance() {
        assert_eq!(human_bytes(2_500), "2.5 kB");
        assert_eq!(human_bytes(48_200_000), "48.2 MB");
        assert_eq!(human_bytes(3_210_000_000), "3.21 GB");
    }
}
