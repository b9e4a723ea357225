//! Versioned schema migrations, applied in order at start-up inside one transaction each.
//!
//! Append new migrations; never edit one that has shipped. A store written by a newer
//! paperboy (a higher version than listed here) is refused rather than misread.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// `(version, SQL)`, ascending.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "
    CREATE TABLE papers (
        paper_key        INTEGER PRIMARY KEY,
        id               TEXT NOT NULL UNIQUE,
        version          INTEGER,
        title            TEXT NOT NULL,
        abstract         TEXT NOT NULL,
        authors          TEXT NOT NULL,   -- JSON array of names
        categories       TEXT NOT NULL,   -- JSON array, primary first
        primary_category TEXT,
        comment          TEXT,
        journal_ref      TEXT,
        doi              TEXT,
        license          TEXT,
        submitter        TEXT,
        published        TEXT,            -- RFC 3339, first version's submission
        updated          TEXT,            -- RFC 3339, latest version's submission
        announced        TEXT,            -- YYYY-MM-DD
        versions         TEXT NOT NULL,   -- JSON array of {version, submitted}
        code_url         TEXT,
        project_url      TEXT,
        as_of            TEXT,
        change_seq       INTEGER NOT NULL -- bumped on every change; derived indexes tail it
    );
    CREATE INDEX papers_announced ON papers(announced);
    CREATE INDEX papers_change_seq ON papers(change_seq);

    CREATE TABLE daily_entries (
        day          TEXT NOT NULL,
        paper_id     TEXT NOT NULL REFERENCES papers(id),
        upvotes      INTEGER NOT NULL,
        comments     INTEGER NOT NULL,
        submitted_by TEXT,
        source       TEXT NOT NULL,
        PRIMARY KEY (day, paper_id)
    ) WITHOUT ROWID;
    CREATE INDEX daily_entries_paper ON daily_entries(paper_id);

    CREATE TABLE state (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    ",
    ),
    (
        2,
        "
    CREATE TABLE embeddings (
        paper_key  INTEGER PRIMARY KEY REFERENCES papers(paper_key),
        model      TEXT NOT NULL,     -- the embedding model's id; a new model re-embeds
        text_hash  INTEGER NOT NULL,  -- of the embedded text: unchanged text is not re-embedded
        vector     BLOB NOT NULL,     -- little-endian f32
        embed_seq  INTEGER NOT NULL   -- bumped on every write; vector indexes tail it
    );
    CREATE INDEX embeddings_seq ON embeddings(embed_seq);
    ",
    ),
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}

/// Brings the schema up to date. Safe to run on every start: applied versions are skipped.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    // An immediate transaction takes the write lock first, so two processes starting at once
    // apply each migration exactly once.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| {
        r.get(0)
    })?;
    if current > latest_version() {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: current,
            supported: latest_version(),
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tracing::info!(version, "applying store migration");
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            rusqlite::params![version, chrono::Utc::now().to_rfc3339()],
        )?;
    }
    tx.commit()?;
    Ok(())
}
