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
    (
        3,
        "
    -- Digest subscribers. `topics` is a JSON array of free-text queries.
    CREATE TABLE subscribers (
        id           INTEGER PRIMARY KEY,
        email        TEXT NOT NULL UNIQUE,
        frequency    TEXT NOT NULL,           -- daily | weekly
        topics       TEXT NOT NULL,
        status       TEXT NOT NULL,           -- pending | active | paused | unsubscribed
        hard_bounces INTEGER NOT NULL DEFAULT 0,
        created_at   TEXT NOT NULL,
        confirmed_at TEXT
    );

    -- The delivery ledger: one row per subscriber, frequency and period, claimed before
    -- sending and marked after, so that a re-run sends what is missing and nothing twice.
    CREATE TABLE digest_deliveries (
        subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        frequency     TEXT NOT NULL,
        period        TEXT NOT NULL,
        state         TEXT NOT NULL,          -- pending | sent | failed
        permanent     INTEGER NOT NULL DEFAULT 0,
        attempts      INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT,
        message_id    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        PRIMARY KEY (subscriber_id, frequency, period)
    ) WITHOUT ROWID;
    CREATE INDEX digest_deliveries_period ON digest_deliveries(frequency, period);
    ",
    ),
    (
        4,
        "
    -- Accounts. Names and emails are unique case-insensitively (lower() folds ASCII only;
    -- names are ASCII by validation), and kept as typed.
    CREATE TABLE users (
        id             INTEGER PRIMARY KEY,
        name           TEXT NOT NULL,
        email          TEXT NOT NULL,
        email_verified INTEGER NOT NULL DEFAULT 0,
        password_hash  TEXT NOT NULL,          -- Argon2id (PHC string)
        is_admin       INTEGER NOT NULL DEFAULT 0,
        banned         INTEGER NOT NULL DEFAULT 0,
        votes_public   INTEGER NOT NULL DEFAULT 0,
        created_at     TEXT NOT NULL
    );
    CREATE UNIQUE INDEX users_name ON users(lower(name));
    CREATE UNIQUE INDEX users_email ON users(lower(email));

    -- Sessions, API tokens and one-time links, by the SHA-256 of what the user holds.
    CREATE TABLE tokens (
        id           INTEGER PRIMARY KEY,
        hash         TEXT NOT NULL UNIQUE,
        user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind         TEXT NOT NULL,            -- session | api | password_reset | verify_email
        label        TEXT,
        created_at   TEXT NOT NULL,
        expires_at   TEXT,
        last_used_at TEXT
    );
    CREATE INDEX tokens_user ON tokens(user_id, kind);

    -- Votes and comments reference users without cascading: deleting a user must not change
    -- the counters on papers behind their back.
    CREATE TABLE votes (
        user_id    INTEGER NOT NULL REFERENCES users(id),
        paper_key  INTEGER NOT NULL REFERENCES papers(paper_key),
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_id, paper_key)
    ) WITHOUT ROWID;
    CREATE INDEX votes_paper ON votes(paper_key);

    CREATE TABLE comments (
        id         INTEGER PRIMARY KEY,
        paper_key  INTEGER NOT NULL REFERENCES papers(paper_key),
        user_id    INTEGER NOT NULL REFERENCES users(id),
        parent_id  INTEGER REFERENCES comments(id),
        body       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        edited_at  TEXT,
        deleted    INTEGER NOT NULL DEFAULT 0,
        hidden     INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX comments_paper ON comments(paper_key, id);
    CREATE INDEX comments_user ON comments(user_id, id);

    CREATE TABLE submissions (
        id         INTEGER PRIMARY KEY,
        day        TEXT NOT NULL,              -- YYYY-MM-DD, the daily list it went to
        paper_key  INTEGER NOT NULL REFERENCES papers(paper_key),
        user_id    INTEGER NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        removed    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX submissions_user_day ON submissions(user_id, day);

    CREATE TABLE audit_log (
        id       INTEGER PRIMARY KEY,
        at       TEXT NOT NULL,
        admin_id INTEGER NOT NULL REFERENCES users(id),
        action   TEXT NOT NULL,
        target   TEXT NOT NULL,
        reason   TEXT
    );

    -- Community counters, changed in the same transaction as the rows they count.
    ALTER TABLE papers ADD COLUMN votes INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE papers ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0;
    ",
    ),
    (
        5,
        "
    -- Digest subscribers whose address has an account may also get papers like the ones
    -- they upvoted.
    ALTER TABLE subscribers ADD COLUMN like_upvoted INTEGER NOT NULL DEFAULT 0;
    ",
    ),
    (
        6,
        "
    -- Named leases with an expiry (RFC 3339 UTC, microseconds, so text order is time order):
    -- one digest run per period at a time, also between a cron job and `serve`.
    CREATE TABLE leases (
        name       TEXT PRIMARY KEY,
        holder     TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );

    -- Who this store is: search indexes record the store they follow, and are rebuilt when
    -- pointed at another (their sequence numbers would mean nothing there). `paperboy copy`
    -- carries it, with the sequence numbers, so that a copy's indexes stay valid.
    INSERT OR IGNORE INTO state (key, value, updated_at)
        VALUES ('store_id', lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
    ",
    ),
    (
        7,
        "
    -- The sync ledger (paperboy_store::sync): each source's last run, and per announcement
    -- day and category what was announced and whether the store holds it.
    CREATE TABLE sync_sources (
        source       TEXT PRIMARY KEY,
        last_attempt TEXT,
        last_success TEXT,
        last_error   TEXT,
        next_run     TEXT
    );
    CREATE TABLE sync_days (
        source              TEXT NOT NULL,
        day                 TEXT NOT NULL,  -- YYYY-MM-DD, the announcement (listing) day
        category            TEXT NOT NULL,  -- empty for a source without categories
        new_count           INTEGER NOT NULL,
        cross_count         INTEGER NOT NULL,
        replace_count       INTEGER NOT NULL,
        replace_cross_count INTEGER NOT NULL,
        fetched_at          TEXT,
        state               TEXT NOT NULL,  -- complete, missing or estimated
        PRIMARY KEY (source, day, category)
    );
    CREATE INDEX sync_days_day ON sync_days(day);
    ",
    ),
    (
        8,
        "
    -- The mail outbox (paperboy_store::outbox): every account and subscription mail, queued
    -- by requests and sent by a worker that retries while the mail server is away.
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        kind            TEXT NOT NULL,     -- message, password_reset or subscribe
        recipient       TEXT NOT NULL,
        payload         BLOB NOT NULL,     -- the message, or the intent's input; empty once finished
        state           TEXT NOT NULL,     -- queued, sent, dropped or failed
        attempts        INTEGER NOT NULL,
        last_error      TEXT,
        created_at      TEXT NOT NULL,
        next_attempt_at TEXT NOT NULL,
        claimed_by      TEXT,
        claimed_until   TEXT,
        finished_at     TEXT
    );
    CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
    ",
    ),
    (
        9,
        "
    -- Hugging Face's machine-written summary and keywords of a paper, from its daily lists.
    ALTER TABLE papers ADD COLUMN ai_summary TEXT;
    ALTER TABLE papers ADD COLUMN ai_keywords TEXT NOT NULL DEFAULT '[]';  -- JSON array
    ",
    ),
    (
        10,
        "
    -- Each account's library: the papers it saved or imported, private to it. Rows go with
    -- the account; nothing on papers counts them.
    CREATE TABLE library (
        user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        paper_key INTEGER NOT NULL REFERENCES papers(paper_key),
        saved_at  TEXT NOT NULL,
        PRIMARY KEY (user_id, paper_key)
    ) WITHOUT ROWID;
    CREATE INDEX library_user_saved ON library(user_id, saved_at);
    -- Imports match their entries to papers by DOI.
    CREATE INDEX papers_doi ON papers(lower(doi));
    ",
    ),
    (
        11,
        "
    -- What a reader tells paperboy about their interests (paperboy_store::signals): followed
    -- authors and categories, named saved searches, papers marked not interested.
    CREATE TABLE follows (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,  -- author or category
        value      TEXT NOT NULL,  -- as the reader gave it
        value_key  TEXT NOT NULL,  -- lower-cased: one follow per name whatever its case
        created_at TEXT NOT NULL,
        UNIQUE (user_id, kind, value_key)
    );
    CREATE TABLE saved_searches (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name       TEXT NOT NULL,
        query      TEXT NOT NULL,
        mode       TEXT NOT NULL,  -- keyword, semantic or hybrid
        created_at TEXT NOT NULL,
        UNIQUE (user_id, name)
    );
    CREATE TABLE not_interested (
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        paper_key  INTEGER NOT NULL REFERENCES papers(paper_key),
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_id, paper_key)
    ) WITHOUT ROWID;
    ",
    ),
    (
        12,
        "
    -- When each user was last seen, and when their visit before this one ended: papers added
    -- since the previous visit are marked \"New\" for them.
    ALTER TABLE users ADD COLUMN last_seen_at TEXT;
    ALTER TABLE users ADD COLUMN previous_seen_at TEXT;
    ",
    ),
    (
        13,
        "
    -- The papers each subscriber's \"For you\" section has sent, recorded with the ledger's
    -- \"sent\": a later digest does not present them as new again.
    CREATE TABLE digest_papers_sent (
        subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        paper_id      TEXT NOT NULL,
        period        TEXT NOT NULL,
        sent_at       TEXT NOT NULL,
        PRIMARY KEY (subscriber_id, paper_id)
    ) WITHOUT ROWID;
    ",
    ),
    (
        14,
        "
    -- A saved search sent as a digest of its own: daily, weekly, or NULL (not sent).
    ALTER TABLE saved_searches ADD COLUMN digest TEXT;
    -- Their ledger, as digest_deliveries is the subscribers': one row per saved search,
    -- frequency and period, claimed before sending and marked after.
    CREATE TABLE search_digest_deliveries (
        search_id  INTEGER NOT NULL REFERENCES saved_searches(id) ON DELETE CASCADE,
        frequency  TEXT NOT NULL,
        period     TEXT NOT NULL,
        state      TEXT NOT NULL,          -- pending | sent | failed
        permanent  INTEGER NOT NULL DEFAULT 0,
        attempts   INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        message_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (search_id, frequency, period)
    ) WITHOUT ROWID;
    ",
    ),
];

/// The newest schema version this paperboy knows.
pub const LATEST_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The highest applied version (0 before the first migration).
pub fn current_version(conn: &Connection) -> Result<i64, StoreError> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(0);
    }
    Ok(
        conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| {
            r.get(0)
        })?,
    )
}

fn latest_of(migrations: &[(i64, &str)]) -> i64 {
    migrations.last().map_or(0, |(v, _)| *v)
}

/// Brings the schema up to date. Safe to run on every start: applied versions are skipped.
///
/// Each listed version that is not yet recorded is applied, in ascending order — not just
/// those above the highest applied one — so that a version merged in later below an applied
/// one (branches take numbers independently) still runs.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    apply(conn, path, MIGRATIONS)
}

/// Brings the schema to `version` and no further: a store as an older paperboy left it.
#[cfg(test)]
pub(crate) fn migrate_to(conn: &mut Connection, path: &Path, version: i64) -> Result<(), StoreError> {
    let older: Vec<(i64, &str)> = MIGRATIONS.iter().copied().filter(|(v, _)| *v <= version).collect();
    apply(conn, path, &older)
}

fn apply(conn: &mut Connection, path: &Path, migrations: &[(i64, &str)]) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    // An immediate transaction takes the write lock first, so two processes starting at once
    // apply each migration exactly once.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| {
        r.get(0)
    })?;
    let applied: std::collections::HashSet<i64> = tx
        .prepare("SELECT version FROM schema_migrations")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if current > latest_of(migrations) {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: current,
            supported: latest_of(migrations),
        });
    }
    for (version, sql) in migrations.iter().filter(|(v, _)| !applied.contains(v)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't%' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn a_version_merged_in_below_an_applied_one_is_still_applied() {
        let mut conn = Connection::open_in_memory().unwrap();
        let path = Path::new(":memory:");
        apply(
            &mut conn,
            path,
            &[(1, "CREATE TABLE t1 (x)"), (3, "CREATE TABLE t3 (x)")],
        )
        .unwrap();
        assert_eq!(tables(&conn), ["t1", "t3"]);
        let merged = [
            (1, "CREATE TABLE t1 (x)"),
            (2, "CREATE TABLE t2 (x)"),
            (3, "CREATE TABLE t3 (x)"),
        ];
        apply(&mut conn, path, &merged).unwrap();
        assert_eq!(tables(&conn), ["t1", "t2", "t3"]);
        apply(&mut conn, path, &merged).unwrap(); // nothing left to do, nothing re-applied
        let count: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 3);
    }
}
