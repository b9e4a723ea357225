//! What both backends read alike: rows through [`RowRead`], and the account and participation
//! selects whose SQL text is the same for SQLite and PostgreSQL, with the mappers that read them
//! back. A column list and its mapper live side by side here, so their orders cannot drift apart
//! between the backends.

use crate::accounts::{TokenInfo, TokenKind, User};
use crate::participation::{AuditEntry, Comment, Submission};
use crate::sync::{AnnouncedCounts, DayState, SourceStatus, SyncDay};
use crate::StoreError;

/// A value both drivers can read from a column (text, integers, booleans, chrono times).
pub(crate) trait Column: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a> {}

impl<T> Column for T where T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a> {}

/// A result row of either backend, read by column index: `get` for rusqlite, `try_get` for
/// postgres, so that a mapper is written once.
pub(crate) trait RowRead {
    fn column<T: Column>(&self, index: usize) -> Result<T, StoreError>;
}

impl RowRead for rusqlite::Row<'_> {
    fn column<T: Column>(&self, index: usize) -> Result<T, StoreError> {
        Ok(self.get(index)?)
    }
}

impl RowRead for postgres::Row {
    fn column<T: Column>(&self, index: usize) -> Result<T, StoreError> {
        Ok(self.try_get(index)?)
    }
}

/// A user's columns in a query on `users u`; [`user`] reads them.
pub(crate) const USER_COLUMNS: &str =
    "u.id, u.name, u.email, u.email_verified, u.password_hash, u.is_admin, u.banned, u.votes_public, u.created_at,
     u.last_seen_at, u.previous_seen_at";

/// A token's columns in a query on `tokens t`; [`token`] reads them.
pub(crate) const TOKEN_COLUMNS: &str = "t.id, t.user_id, t.kind, t.label, t.created_at, t.expires_at, t.last_used_at";

/// How many columns [`token`] reads (a user's columns follow them in a join).
pub(crate) const TOKEN_WIDTH: usize = 7;

/// Comments with their paper's id and author's name, for a `WHERE` to follow; [`comment`] reads
/// them.
pub(crate) const COMMENT_SELECT: &str =
    "SELECT c.id, p.id, c.user_id, u.name, c.parent_id, c.body, c.created_at, c.edited_at,
            c.deleted, c.hidden
     FROM comments c JOIN papers p ON p.paper_key = c.paper_key JOIN users u ON u.id = c.user_id";

/// Submissions with their paper's id and submitter's name, for a `WHERE` to follow;
/// [`submission`] reads them.
pub(crate) const SUBMISSION_SELECT: &str = "SELECT s.id, s.day, p.id, s.user_id, u.name, s.created_at, s.removed
     FROM submissions s JOIN papers p ON p.paper_key = s.paper_key JOIN users u ON u.id = s.user_id";

/// The audit log with each admin's name, newest first, for a `LIMIT` to follow; [`audit_entry`]
/// reads it.
pub(crate) const AUDIT_SELECT: &str = "SELECT a.id, a.at, u.name, a.action, a.target, a.reason
     FROM audit_log a JOIN users u ON u.id = a.admin_id ORDER BY a.id DESC";

/// A user from the columns of [`USER_COLUMNS`], starting at column `at`.
pub(crate) fn user(row: &impl RowRead, at: usize) -> Result<User, StoreError> {
    Ok(User {
        id: row.column(at)?,
        name: row.column(at + 1)?,
        email: row.column(at + 2)?,
        email_verified: row.column(at + 3)?,
        password_hash: row.column(at + 4)?,
        is_admin: row.column(at + 5)?,
        banned: row.column(at + 6)?,
        votes_public: row.column(at + 7)?,
        created_at: row.column(at + 8)?,
        last_seen_at: row.column(at + 9)?,
        previous_seen_at: row.column(at + 10)?,
    })
}

/// A token from the columns of [`TOKEN_COLUMNS`].
pub(crate) fn token(row: &impl RowRead) -> Result<TokenInfo, StoreError> {
    let id: i64 = row.column(0)?;
    let kind: String = row.column(2)?;
    Ok(TokenInfo {
        id,
        user_id: row.column(1)?,
        kind: TokenKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
            id: format!("token {id}"),
            message: format!("unknown token kind {kind:?}"),
        })?,
        label: row.column(3)?,
        created_at: row.column(4)?,
        expires_at: row.column(5)?,
        last_used_at: row.column(6)?,
    })
}

/// A comment from the columns of [`COMMENT_SELECT`].
pub(crate) fn comment(row: &impl RowRead) -> Result<Comment, StoreError> {
    Ok(Comment {
        id: row.column(0)?,
        paper_id: row.column(1)?,
        user_id: row.column(2)?,
        author: row.column(3)?,
        parent_id: row.column(4)?,
        body: row.column(5)?,
        created_at: row.column(6)?,
        edited_at: row.column(7)?,
        deleted: row.column(8)?,
        hidden: row.column(9)?,
    })
}

/// A submission from the columns of [`SUBMISSION_SELECT`].
pub(crate) fn submission(row: &impl RowRead) -> Result<Submission, StoreError> {
    Ok(Submission {
        id: row.column(0)?,
        day: row.column(1)?,
        paper_id: row.column(2)?,
        user_id: row.column(3)?,
        submitter: row.column(4)?,
        created_at: row.column(5)?,
        removed: row.column(6)?,
    })
}

/// An audit entry from the columns of [`AUDIT_SELECT`].
pub(crate) fn audit_entry(row: &impl RowRead) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: row.column(0)?,
        at: row.column(1)?,
        admin: row.column(2)?,
        action: row.column(3)?,
        target: row.column(4)?,
        reason: row.column(5)?,
    })
}

/// Sources' statuses, by name; [`source_status`] reads them.
pub(crate) const SYNC_SOURCES_SELECT: &str =
    "SELECT source, last_attempt, last_success, last_error, next_run FROM sync_sources ORDER BY source";

/// Ledger rows, for a `WHERE` on `day` to follow (then [`SYNC_DAYS_ORDER`]); [`sync_day`] reads
/// them.
pub(crate) const SYNC_DAYS_SELECT: &str = "SELECT source, day, category, new_count, cross_count, replace_count,
            replace_cross_count, fetched_at, state
     FROM sync_days";

pub(crate) const SYNC_DAYS_ORDER: &str = " ORDER BY source, day, category";

/// The latest day of a source held complete or estimated, for a `source = ` parameter to
/// follow.
pub(crate) const LAST_SYNCED_DAY: &str =
    "SELECT MAX(day) FROM sync_days WHERE state IN ('complete', 'estimated') AND source = ";

/// The most common primary categories, for a `LIMIT` to follow.
pub(crate) const COMMON_PRIMARY_CATEGORIES: &str = "SELECT primary_category FROM papers
     WHERE primary_category IS NOT NULL AND primary_category <> ''
     GROUP BY primary_category ORDER BY COUNT(*) DESC, primary_category LIMIT ";

/// A source's status from the columns of [`SYNC_SOURCES_SELECT`].
pub(crate) fn source_status(row: &impl RowRead) -> Result<SourceStatus, StoreError> {
    Ok(SourceStatus {
        source: row.column(0)?,
        last_attempt: row.column(1)?,
        last_success: row.column(2)?,
        last_error: row.column(3)?,
        next_run: row.column(4)?,
    })
}

/// A ledger row from the columns of [`SYNC_DAYS_SELECT`].
pub(crate) fn sync_day(row: &impl RowRead) -> Result<SyncDay, StoreError> {
    let source: String = row.column(0)?;
    let day = row.column(1)?;
    let state: String = row.column(8)?;
    let count = |index| -> Result<u64, StoreError> { Ok(u64::try_from(row.column::<i64>(index)?).unwrap_or(0)) };
    Ok(SyncDay {
        counts: AnnouncedCounts {
            new: count(3)?,
            cross: count(4)?,
            replace: count(5)?,
            replace_cross: count(6)?,
        },
        category: row.column(2)?,
        fetched_at: row.column(7)?,
        state: DayState::parse(&state).ok_or_else(|| StoreError::Corrupt {
            id: format!("sync day {source} {day}"),
            message: format!("unknown state {state:?}"),
        })?,
        source,
        day,
    })
}

/// A count as both drivers bind it.
pub(crate) fn sql_count(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// `limit` as a SQL `LIMIT` (both drivers bind `i64`).
pub(crate) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}
