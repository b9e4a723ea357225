//! Moving a whole store to another backend (`paperboy copy`): every table, row for row, with
//! ids and sequence numbers kept, so that links, sessions and search indexes stay valid.
//!
//! Tables are described once here, column by column with the kind of value each holds; each
//! backend reads and writes rows of [`Value`]s in its own types (text timestamps in SQLite,
//! `timestamptz` in PostgreSQL, and so on).

use chrono::{DateTime, NaiveDate, Utc};
use paperboy_domain::Progress;

use crate::StoreError;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Bytes,
    Bool,
    Time,
    Date,
    /// JSON text (`jsonb` in PostgreSQL).
    Json,
}

/// One column's value; `Null` for SQL NULL whatever the kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    Bool(bool),
    Time(DateTime<Utc>),
    Date(NaiveDate),
    Json(String),
}

/// A table as copied.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    /// The column the database numbers by itself, whose counter must move past the copied ids.
    pub identity: Option<&'static str>,
    /// Rows replace the target's (the target's migration wrote some of its own: `state`).
    pub replace: bool,
}

impl Table {
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

use Kind::*;

/// Every table worth moving, parents before children (foreign keys hold at every row).
/// Leases are left behind: they belong to running processes of the source.
pub const TABLES: &[Table] = &[
    Table {
        name: "papers",
        columns: &[
            ("paper_key", Int),
            ("id", Text),
            ("version", Int),
            ("title", Text),
            ("abstract", Text),
            ("authors", Json),
            ("categories", Json),
            ("primary_category", Text),
            ("comment", Text),
            ("journal_ref", Text),
            ("doi", Text),
            ("license", Text),
            ("submitter", Text),
            ("published", Time),
            ("updated", Time),
            ("announced", Date),
            ("versions", Json),
            ("code_url", Text),
            ("project_url", Text),
            ("as_of", Time),
            ("ai_summary", Text),
            ("ai_keywords", Json),
            ("change_seq", Int),
            ("votes", Int),
            ("comment_count", Int),
        ],
        identity: Some("paper_key"),
        replace: false,
    },
    Table {
        name: "daily_entries",
        columns: &[
            ("day", Date),
            ("paper_id", Text),
            ("upvotes", Int),
            ("comments", Int),
            ("submitted_by", Text),
            ("source", Text),
        ],
        identity: None,
        replace: false,
    },
    Table {
        name: "state",
        columns: &[("key", Text), ("value", Text), ("updated_at", Time)],
        identity: None,
        replace: true,
    },
    Table {
        name: "embeddings",
        columns: &[
            ("paper_key", Int),
            ("model", Text),
            ("text_hash", Int),
            ("vector", Bytes),
            ("embed_seq", Int),
        ],
        identity: None,
        replace: false,
    },
    Table {
        name: "subscribers",
        columns: &[
            ("id", Int),
            ("email", Text),
            ("frequency", Text),
            ("topics", Json),
            ("status", Text),
            ("hard_bounces", Int),
            ("created_at", Time),
            ("confirmed_at", Time),
            ("like_upvoted", Bool),
        ],
        identity: Some("id"),
        replace: false,
    },
    Table {
        name: "digest_deliveries",
        columns: &[
            ("subscriber_id", Int),
            ("frequency", Text),
            ("period", Text),
            ("state", Text),
            ("permanent", Bool),
            ("attempts", Int),
            ("last_error", Text),
            ("message_id", Text),
            ("updated_at", Time),
        ],
        identity: None,
        replace: false,
    },
    Table {
        name: "users",
        columns: &[
            ("id", Int),
            ("name", Text),
            ("email", Text),
            ("email_verified", Bool),
            ("password_hash", Text),
            ("is_admin", Bool),
            ("banned", Bool),
            ("votes_public", Bool),
            ("created_at", Time),
            ("last_seen_at", Time),
            ("previous_seen_at", Time),
        ],
        identity: Some("id"),
        replace: false,
    },
    Table {
        name: "tokens",
        columns: &[
            ("id", Int),
            ("hash", Text),
            ("user_id", Int),
            ("kind", Text),
            ("label", Text),
            ("created_at", Time),
            ("expires_at", Time),
            ("last_used_at", Time),
        ],
        identity: Some("id"),
        replace: false,
    },
    Table {
        name: "votes",
        columns: &[("user_id", Int), ("paper_key", Int), ("created_at", Time)],
        identity: None,
        replace: false,
    },
    Table {
        name: "library",
        columns: &[("user_id", Int), ("paper_key", Int), ("saved_at", Time)],
        identity: None,
        replace: false,
    },
    Table {
        name: "comments",
        columns: &[
            ("id", Int),
            ("paper_key", Int),
            ("user_id", Int),
            ("parent_id", Int),
            ("body", Text),
            ("created_at", Time),
            ("edited_at", Time),
            ("deleted", Bool),
            ("hidden", Bool),
        ],
        identity: Some("id"),
        replace: false,
    },
    Table {
        name: "submissions",
        columns: &[
            ("id", Int),
            ("day", Date),
            ("paper_key", Int),
            ("user_id", Int),
            ("created_at", Time),
            ("removed", Bool),
        ],
        identity: Some("id"),
        replace: false,
    },
    Table {
        name: "audit_log",
        columns: &[
            ("id", Int),
            ("at", Time),
            ("admin_id", Int),
            ("action", Text),
            ("target", Text),
            ("reason", Text),
        ],
        identity: Some("id"),
        replace: false,
    },
    Table {
        name: "sync_sources",
        columns: &[
            ("source", Text),
            ("last_attempt", Time),
            ("last_success", Time),
            ("last_error", Text),
            ("next_run", Time),
        ],
        identity: None,
        replace: false,
    },
    Table {
        name: "sync_days",
        columns: &[
            ("source", Text),
            ("day", Date),
            ("category", Text),
            ("new_count", Int),
            ("cross_count", Int),
            ("replace_count", Int),
            ("replace_cross_count", Int),
            ("fetched_at", Time),
            ("state", Text),
        ],
        identity: None,
        replace: false,
    },
    Table {
        name: "outbox",
        columns: &[
            ("id", Int),
            ("kind", Text),
            ("recipient", Text),
            ("payload", Bytes),
            ("state", Text),
            ("attempts", Int),
            ("last_error", Text),
            ("created_at", Time),
            ("next_attempt_at", Time),
            ("claimed_by", Text),
            ("claimed_until", Time),
            ("finished_at", Time),
        ],
        identity: Some("id"),
        replace: false,
    },
    Table {
        name: "follows",
        columns: &[
            ("id", Int),
            ("user_id", Int),
            ("kind", Text),
            ("value", Text),
            ("value_key", Text),
            ("created_at", Time),
        ],
        identity: Some("id"),
        replace: false,
    },
    Table {
        name: "saved_searches",
        columns: &[
            ("id", Int),
            ("user_id", Int),
            ("name", Text),
            ("query", Text),
            ("mode", Text),
            ("created_at", Time),
            ("digest", Text),
        ],
        identity: Some("id"),
        replace: false,
    },
    Table {
        name: "not_interested",
        columns: &[("user_id", Int), ("paper_key", Int), ("created_at", Time)],
        identity: None,
        replace: false,
    },
    Table {
        name: "search_digest_deliveries",
        columns: &[
            ("search_id", Int),
            ("frequency", Text),
            ("period", Text),
            ("state", Text),
            ("permanent", Bool),
            ("attempts", Int),
            ("last_error", Text),
            ("message_id", Text),
            ("updated_at", Time),
        ],
        identity: None,
        replace: false,
    },
    Table {
        name: "digest_papers_sent",
        columns: &[
            ("subscriber_id", Int),
            ("paper_id", Text),
            ("period", Text),
            ("sent_at", Time),
        ],
        identity: None,
        replace: false,
    },
];

/// Row-level access for copying.
pub trait TableCopy {
    /// Papers, accounts and subscribers: a target holding any is refused.
    fn holds_data(&self) -> Result<bool, StoreError>;

    /// Runs `read` on one snapshot of the store: every table it reads is as it was at one
    /// moment (one read-only transaction; REPEATABLE READ on PostgreSQL), so that a copy of a
    /// store in use is consistent: no vote without its counter, no daily entry without its
    /// paper, nothing committed after the first read.
    fn read_snapshot(
        &self,
        read: &mut dyn FnMut(&mut dyn SnapshotReader) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Writes rows in one transaction.
    fn write_rows(&self, table: &Table, rows: &[Vec<Value>]) -> Result<(), StoreError>;

    /// After the last row: moves the id counters past the copied ids.
    fn finish_copy(&self) -> Result<(), StoreError>;
}

/// Reads tables inside one snapshot (see [`TableCopy::read_snapshot`]).
pub trait SnapshotReader {
    /// Visits a table's rows in its natural order (ids ascending, so a comment's parent
    /// precedes it).
    fn read_rows(
        &mut self,
        table: &Table,
        visit: &mut dyn FnMut(Vec<Value>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

/// Rows per write transaction.
const BATCH: usize = 1000;

/// Rows copied per table, in copy order.
pub type CopyReport = Vec<(&'static str, u64)>;

/// Copies every table of `from`, as it was when the copy began, into `to`, which must hold no
/// papers, accounts or subscribers. `progress` hears each table as a stage, and its rows as
/// they are written.
pub fn copy_all(from: &dyn TableCopy, to: &dyn TableCopy, progress: &dyn Progress) -> Result<CopyReport, StoreError> {
    if to.holds_data()? {
        return Err(StoreError::Other(
            "the target already holds papers, accounts or subscribers; copy into an empty one".into(),
        ));
    }
    let mut report = Vec::new();
    from.read_snapshot(&mut |snapshot| {
        for table in TABLES {
            let mut batch = Vec::with_capacity(BATCH);
            let mut count = 0u64;
            progress.start(&format!("copying {}", table.name), None);
            snapshot.read_rows(table, &mut |row| {
                batch.push(row);
                count += 1;
                if batch.len() == BATCH {
                    to.write_rows(table, &batch)?;
                    progress.advance(batch.len() as u64);
                    batch.clear();
                }
                Ok(())
            })?;
            if !batch.is_empty() {
                to.write_rows(table, &batch)?;
                progress.advance(batch.len() as u64);
            }
            progress.finish();
            report.push((table.name, count));
        }
        Ok(())
    })?;
    to.finish_copy()?;
    Ok(report)
}
