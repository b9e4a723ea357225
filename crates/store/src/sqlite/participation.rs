//! Votes, comments, submissions and the audit log in SQLite.
//!
//! Every change that moves a paper's counter (`papers.votes`, `papers.comment_count`) or its
//! daily entries happens in one IMMEDIATE transaction with the row that justifies it: the write
//! lock is taken before anything is read, so two writers (threads here, or another process on
//! the same file, waiting through `busy_timeout`) never both act on the same stale read.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use paperboy_domain::ArxivId;
use rusqlite::{params, Connection, Params, TransactionBehavior};

use super::{collect, one, SqliteStore};
use crate::participation::{
    AddCommentOutcome, AuditEntry, Comment, ParticipationStore, Submission, SubmitOutcome, VoteOutcome,
};
use crate::rows::{self, sql_limit, RowRead, AUDIT_SELECT, COMMENT_SELECT, SUBMISSION_SELECT};
use crate::StoreError;

/// Bumps a paper's change sequence number past every other, so that derived indexes see it.
const BUMP_CHANGE_SEQ: &str =
    "UPDATE papers SET change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM papers) WHERE paper_key = ?1";

/// A list of strings as one JSON parameter, for `IN (SELECT value FROM json_each(?))`.
pub(super) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).expect("a list of strings serialises")
}

fn paper_key(conn: &Connection, id: &str) -> Result<Option<i64>, StoreError> {
    one(conn, "SELECT paper_key FROM papers WHERE id = ?1", [id], |r| {
        r.column(0)
    })
}

fn comment_where(conn: &Connection, condition: &str, params: impl Params) -> Result<Vec<Comment>, StoreError> {
    collect(conn, &format!("{COMMENT_SELECT} WHERE {condition}"), params, |r| {
        rows::comment(r)
    })
}

fn submission_where(conn: &Connection, condition: &str, params: impl Params) -> Result<Vec<Submission>, StoreError> {
    collect(conn, &format!("{SUBMISSION_SELECT} WHERE {condition}"), params, |r| {
        rows::submission(r)
    })
}

fn adjust_comment_count(conn: &Connection, paper_key: i64, by: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE papers SET comment_count = comment_count + ?2 WHERE paper_key = ?1")?
        .execute(params![paper_key, by])?;
    Ok(())
}

impl ParticipationStore for SqliteStore {
    fn vote(&self, user_id: i64, paper: &ArxivId, up: bool) -> Result<Option<VoteOutcome>, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some(key) = paper_key(&tx, paper.as_str())? else {
                return Ok(None);
            };
            // The counter moves only when the row did: a repeated click changes nothing.
            let rows = if up {
                tx.prepare_cached("INSERT OR IGNORE INTO votes (user_id, paper_key, created_at) VALUES (?1, ?2, ?3)")?
                    .execute(params![user_id, key, Utc::now()])?
            } else {
                tx.prepare_cached("DELETE FROM votes WHERE user_id = ?1 AND paper_key = ?2")?
                    .execute(params![user_id, key])?
            };
            let changed = rows > 0;
            if changed {
                tx.prepare_cached("UPDATE papers SET votes = votes + ?2 WHERE paper_key = ?1")?
                    .execute(params![key, if up { 1 } else { -1 }])?;
            }
            let votes: i64 = tx
                .prepare_cached("SELECT votes FROM papers WHERE paper_key = ?1")?
                .query_row([key], |r| r.get(0))?;
            let imported: i64 = tx
                .prepare_cached("SELECT COALESCE(MAX(upvotes), 0) FROM daily_entries WHERE paper_id = ?1")?
                .query_row([paper.as_str()], |r| r.get(0))?;
            tx.commit()?;
            Ok(Some(VoteOutcome {
                changed,
                voted: up,
                votes,
                upvotes: votes + imported,
            }))
        })
    }

    fn voted(&self, user_id: i64, papers: &[String]) -> Result<HashSet<String>, StoreError> {
        if papers.is_empty() {
            return Ok(HashSet::new());
        }
        self.read(|conn| {
            let ids = collect(
                conn,
                "SELECT p.id FROM votes v JOIN papers p ON p.paper_key = v.paper_key
                 WHERE v.user_id = ?1 AND p.id IN (SELECT value FROM json_each(?2))",
                params![user_id, json_list(papers)],
                |r| r.column(0),
            )?;
            Ok(ids.into_iter().collect())
        })
    }

    fn upvoted_by(&self, user_id: i64, limit: usize) -> Result<Vec<String>, StoreError> {
        self.read(|conn| {
            collect(
                conn,
                "SELECT p.id FROM votes v JOIN papers p ON p.paper_key = v.paper_key
                 WHERE v.user_id = ?1 ORDER BY v.created_at DESC, p.id LIMIT ?2",
                params![user_id, sql_limit(limit)],
                |r| r.column(0),
            )
        })
    }

    fn add_comment(
        &self,
        paper: &ArxivId,
        user_id: i64,
        parent_id: Option<i64>,
        body: &str,
    ) -> Result<AddCommentOutcome, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some(key) = paper_key(&tx, paper.as_str())? else {
                return Ok(AddCommentOutcome::NoSuchPaper);
            };
            if let Some(parent) = parent_id {
                let replyable = one(
                    &tx,
                    "SELECT 1 FROM comments WHERE id = ?1 AND paper_key = ?2 AND deleted = 0",
                    params![parent, key],
                    |_| Ok(()),
                )?;
                if replyable.is_none() {
                    return Ok(AddCommentOutcome::BadParent);
                }
            }
            tx.prepare_cached(
                "INSERT INTO comments (paper_key, user_id, parent_id, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![key, user_id, parent_id, body, Utc::now()])?;
            let id = tx.last_insert_rowid();
            adjust_comment_count(&tx, key, 1)?;
            let comment = comment_where(&tx, "c.id = ?1", [id])?
                .pop()
                .ok_or_else(|| StoreError::Other("a comment vanished while being added".into()))?;
            tx.commit()?;
            Ok(AddCommentOutcome::Added(comment))
        })
    }

    fn comment(&self, id: i64) -> Result<Option<Comment>, StoreError> {
        self.read(|conn| Ok(comment_where(conn, "c.id = ?1", [id])?.pop()))
    }

    fn comments_on(&self, paper: &ArxivId) -> Result<Vec<Comment>, StoreError> {
        self.read(|conn| comment_where(conn, "p.id = ?1 ORDER BY c.id", [paper.as_str()]))
    }

    fn comments_by(&self, user_id: i64, limit: usize) -> Result<Vec<Comment>, StoreError> {
        self.read(|conn| {
            comment_where(
                conn,
                "c.user_id = ?1 ORDER BY c.id DESC LIMIT ?2",
                params![user_id, sql_limit(limit)],
            )
        })
    }

    fn edit_comment(&self, id: i64, body: &str) -> Result<bool, StoreError> {
        self.write(|conn| {
            Ok(conn.execute(
                "UPDATE comments SET body = ?2, edited_at = ?3 WHERE id = ?1 AND deleted = 0",
                params![id, body, Utc::now()],
            )? > 0)
        })
    }

    fn delete_comment(&self, id: i64) -> Result<bool, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let deleted: Option<(i64, bool)> = one(
                &tx,
                "UPDATE comments SET deleted = 1 WHERE id = ?1 AND deleted = 0 RETURNING paper_key, hidden",
                [id],
                |r| Ok((r.column(0)?, r.column(1)?)),
            )?;
            let Some((key, hidden)) = deleted else {
                return Ok(false);
            };
            if !hidden {
                adjust_comment_count(&tx, key, -1)?;
            }
            tx.commit()?;
            Ok(true)
        })
    }

    fn set_comment_hidden(&self, id: i64, hidden: bool) -> Result<bool, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let found: Option<(i64, bool, bool)> = one(
                &tx,
                "SELECT paper_key, deleted, hidden FROM comments WHERE id = ?1",
                [id],
                |r| Ok((r.column(0)?, r.column(1)?, r.column(2)?)),
            )?;
            let Some((key, deleted, was_hidden)) = found else {
                return Ok(false);
            };
            if was_hidden != hidden {
                tx.execute("UPDATE comments SET hidden = ?2 WHERE id = ?1", params![id, hidden])?;
                // A deleted comment is out of the count either way.
                if !deleted {
                    adjust_comment_count(&tx, key, if hidden { -1 } else { 1 })?;
                }
            }
            tx.commit()?;
            Ok(true)
        })
    }

    fn comment_counts(&self, papers: &[String]) -> Result<HashMap<String, i64>, StoreError> {
        if papers.is_empty() {
            return Ok(HashMap::new());
        }
        self.read(|conn| {
            let counts = collect(
                conn,
                "SELECT id, comment_count FROM papers
                 WHERE id IN (SELECT value FROM json_each(?1)) AND comment_count > 0",
                [json_list(papers)],
                |r| Ok((r.column(0)?, r.column(1)?)),
            )?;
            Ok(counts.into_iter().collect())
        })
    }

    fn submit(
        &self,
        day: NaiveDate,
        paper: &ArxivId,
        user_id: i64,
        daily_limit: u32,
    ) -> Result<SubmitOutcome, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some(key) = paper_key(&tx, paper.as_str())? else {
                return Ok(SubmitOutcome::NoSuchPaper);
            };
            let listed: Option<NaiveDate> = tx
                .prepare_cached("SELECT MIN(day) FROM daily_entries WHERE paper_id = ?1")?
                .query_row([paper.as_str()], |r| r.get(0))?;
            if let Some(first) = listed {
                return Ok(SubmitOutcome::AlreadyListed(first));
            }
            let submitted: i64 = tx
                .prepare_cached("SELECT COUNT(*) FROM submissions WHERE user_id = ?1 AND day = ?2 AND removed = 0")?
                .query_row(params![user_id, day], |r| r.get(0))?;
            if submitted >= i64::from(daily_limit) {
                return Ok(SubmitOutcome::LimitReached);
            }
            let name: String = one(&tx, "SELECT name FROM users WHERE id = ?1", [user_id], |r| r.column(0))?
                .ok_or_else(|| StoreError::Other(format!("no account with id {user_id}")))?;
            tx.execute(
                "INSERT INTO submissions (day, paper_key, user_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![day, key, user_id, Utc::now()],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO daily_entries (day, paper_id, upvotes, comments, submitted_by, source)
                 VALUES (?1, ?2, 0, 0, ?3, 'submitted')",
                params![day, paper.as_str(), name],
            )?;
            tx.execute(BUMP_CHANGE_SEQ, [key])?;
            let submission = submission_where(&tx, "s.id = ?1", [id])?
                .pop()
                .ok_or_else(|| StoreError::Other("a submission vanished while being added".into()))?;
            tx.commit()?;
            Ok(SubmitOutcome::Added(submission))
        })
    }

    fn submission(&self, id: i64) -> Result<Option<Submission>, StoreError> {
        self.read(|conn| Ok(submission_where(conn, "s.id = ?1", [id])?.pop()))
    }

    fn submissions_by(&self, user_id: i64, limit: usize) -> Result<Vec<Submission>, StoreError> {
        self.read(|conn| {
            submission_where(
                conn,
                "s.user_id = ?1 ORDER BY s.id DESC LIMIT ?2",
                params![user_id, sql_limit(limit)],
            )
        })
    }

    fn remove_submission(&self, id: i64) -> Result<bool, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let removed: Option<(NaiveDate, i64)> = one(
                &tx,
                "UPDATE submissions SET removed = 1 WHERE id = ?1 AND removed = 0 RETURNING day, paper_key",
                [id],
                |r| Ok((r.column(0)?, r.column(1)?)),
            )?;
            let Some((day, key)) = removed else {
                return Ok(false);
            };
            // Only the entry the submission made: a paper an importer also listed that day
            // keeps its imported entry.
            let unlisted = tx.execute(
                "DELETE FROM daily_entries WHERE day = ?1 AND source = 'submitted'
                    AND paper_id = (SELECT id FROM papers WHERE paper_key = ?2)",
                params![day, key],
            )?;
            if unlisted > 0 {
                tx.execute(BUMP_CHANGE_SEQ, [key])?;
            }
            tx.commit()?;
            Ok(true)
        })
    }

    fn record_audit(&self, admin_id: i64, action: &str, target: &str, reason: Option<&str>) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO audit_log (at, admin_id, action, target, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![Utc::now(), admin_id, action, target, reason],
            )?;
            Ok(())
        })
    }

    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(|conn| {
            collect(conn, &format!("{AUDIT_SELECT} LIMIT ?1"), [sql_limit(limit)], |r| {
                rows::audit_entry(r)
            })
        })
    }
}
