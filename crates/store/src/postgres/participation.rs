//! Votes, comments, submissions and the audit log in PostgreSQL.
//!
//! Behaves as the SQLite implementation does. SQLite gets its safety from one writer at a
//! time; here several instances write at once (READ COMMITTED), so every check that a write
//! depends on is tied to it by a lock or by the write itself:
//!
//! - a counter (`papers.votes`, `papers.comment_count`) moves in the transaction of the row
//!   that justifies it, and only when that row changed: `INSERT … ON CONFLICT DO NOTHING` or
//!   `DELETE` says whether it did, and `SET votes = votes + 1` reads the value it writes;
//! - a submission locks the account's row before counting the day's submissions, and checks
//!   the paper's listing again once it holds the change-feed lock ([`super::lock_change_feed`]),
//!   which every writer of daily entries holds until it commits;
//! - a comment's state (deleted, hidden) is read under its row lock before a count moves.
//!
//! The change-feed lock is taken as late as possible, but before the first write to a paper's
//! row or its daily entries: `upsert_batch` takes it first and then writes those rows, so
//! taking it after writing them could deadlock with an import of the same paper.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use paperboy_domain::ArxivId;
use postgres::{GenericClient, Transaction};

use super::{Params, PostgresStore};
use crate::participation::{
    AddCommentOutcome, AuditEntry, Comment, ParticipationStore, Submission, SubmitOutcome, VoteOutcome,
};
use crate::rows::{self, sql_limit, AUDIT_SELECT, COMMENT_SELECT, SUBMISSION_SELECT};
use crate::StoreError;

/// The first column of every row.
fn column<T: for<'a> postgres::types::FromSql<'a>>(
    client: &mut impl GenericClient,
    sql: &str,
    params: &Params<'_>,
) -> Result<Vec<T>, StoreError> {
    let rows = client.query(sql, params)?;
    Ok(rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?)
}

fn paper_key(client: &mut impl GenericClient, id: &str) -> Result<Option<i64>, StoreError> {
    let row = client.query_opt("SELECT paper_key FROM papers WHERE id = $1", &[&id])?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

fn comment_where(
    client: &mut impl GenericClient,
    condition: &str,
    params: &Params<'_>,
) -> Result<Vec<Comment>, StoreError> {
    let rows = client.query(&format!("{COMMENT_SELECT} WHERE {condition}"), params)?;
    rows.iter().map(rows::comment).collect()
}

fn submission_where(
    client: &mut impl GenericClient,
    condition: &str,
    params: &Params<'_>,
) -> Result<Vec<Submission>, StoreError> {
    let rows = client.query(&format!("{SUBMISSION_SELECT} WHERE {condition}"), params)?;
    rows.iter().map(rows::submission).collect()
}

fn adjust_comment_count(tx: &mut Transaction<'_>, paper_key: i64, by: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE papers SET comment_count = comment_count + $2 WHERE paper_key = $1",
        &[&paper_key, &by],
    )?;
    Ok(())
}

/// Gives a paper the change sequence number `seq` (from [`super::lock_change_feed`], in the
/// same transaction), so that derived indexes see it.
fn set_change_seq(tx: &mut Transaction<'_>, paper_key: i64, seq: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE papers SET change_seq = $2 WHERE paper_key = $1",
        &[&paper_key, &seq],
    )?;
    Ok(())
}

/// The first day a paper is on a daily list.
fn first_listed(tx: &mut Transaction<'_>, paper: &ArxivId) -> Result<Option<NaiveDate>, StoreError> {
    let row = tx.query_one(
        "SELECT MIN(day) FROM daily_entries WHERE paper_id = $1",
        &[&paper.as_str()],
    )?;
    Ok(row.try_get(0)?)
}

impl ParticipationStore for PostgresStore {
    fn vote(&self, user_id: i64, paper: &ArxivId, up: bool) -> Result<Option<VoteOutcome>, StoreError> {
        self.in_transaction(|tx| {
            let Some(key) = paper_key(tx, paper.as_str())? else {
                return Ok(None);
            };
            // Read before the paper's row is locked below, so that the lock is held no longer.
            let imported: i64 = tx
                .query_one(
                    "SELECT COALESCE(MAX(upvotes), 0)::BIGINT FROM daily_entries WHERE paper_id = $1",
                    &[&paper.as_str()],
                )?
                .try_get(0)?;
            // The counter moves only when the row did: a repeated click changes nothing. A
            // concurrent vote of the same user on the same paper waits for this one's row, then
            // finds it (or its absence) and changes nothing either.
            let rows = if up {
                tx.execute(
                    "INSERT INTO votes (user_id, paper_key, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                    &[&user_id, &key, &Utc::now()],
                )?
            } else {
                tx.execute(
                    "DELETE FROM votes WHERE user_id = $1 AND paper_key = $2",
                    &[&user_id, &key],
                )?
            };
            let changed = rows > 0;
            let votes: i64 = if changed {
                tx.query_one(
                    "UPDATE papers SET votes = votes + $2 WHERE paper_key = $1 RETURNING votes",
                    &[&key, &if up { 1_i64 } else { -1 }],
                )?
                .try_get(0)?
            } else {
                tx.query_one("SELECT votes FROM papers WHERE paper_key = $1", &[&key])?
                    .try_get(0)?
            };
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
        self.with_client(|client| {
            let ids: Vec<String> = column(
                client,
                "SELECT p.id FROM votes v JOIN papers p ON p.paper_key = v.paper_key
                 WHERE v.user_id = $1 AND p.id = ANY($2)",
                &[&user_id, &papers],
            )?;
            Ok(ids.into_iter().collect())
        })
    }

    fn upvoted_by(&self, user_id: i64, limit: usize) -> Result<Vec<String>, StoreError> {
        self.with_client(|client| {
            // Ties in byte order of the id, as SQLite sorts them.
            column(
                client,
                r#"SELECT p.id FROM votes v JOIN papers p ON p.paper_key = v.paper_key
                   WHERE v.user_id = $1 ORDER BY v.created_at DESC, p.id COLLATE "C" LIMIT $2"#,
                &[&user_id, &sql_limit(limit)],
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
        self.in_transaction(|tx| {
            let Some(key) = paper_key(tx, paper.as_str())? else {
                return Ok(AddCommentOutcome::NoSuchPaper);
            };
            if let Some(parent) = parent_id {
                // Shared-locked until commit: the parent cannot be deleted under the reply, and
                // a delete that committed first is seen (the row is read again after the wait).
                let replyable = tx.query_opt(
                    "SELECT id FROM comments WHERE id = $1 AND paper_key = $2 AND NOT deleted FOR SHARE",
                    &[&parent, &key],
                )?;
                if replyable.is_none() {
                    return Ok(AddCommentOutcome::BadParent);
                }
            }
            let id: i64 = tx
                .query_one(
                    "INSERT INTO comments (paper_key, user_id, parent_id, body, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    &[&key, &user_id, &parent_id, &body, &Utc::now()],
                )?
                .try_get(0)?;
            adjust_comment_count(tx, key, 1)?;
            let comment = comment_where(tx, "c.id = $1", &[&id])?
                .pop()
                .ok_or_else(|| StoreError::Other("a comment vanished while being added".into()))?;
            Ok(AddCommentOutcome::Added(comment))
        })
    }

    fn comment(&self, id: i64) -> Result<Option<Comment>, StoreError> {
        self.with_client(|client| Ok(comment_where(client, "c.id = $1", &[&id])?.pop()))
    }

    fn comments_on(&self, paper: &ArxivId) -> Result<Vec<Comment>, StoreError> {
        self.with_client(|client| comment_where(client, "p.id = $1 ORDER BY c.id", &[&paper.as_str()]))
    }

    fn comments_by(&self, user_id: i64, limit: usize) -> Result<Vec<Comment>, StoreError> {
        self.with_client(|client| {
            comment_where(
                client,
                "c.user_id = $1 ORDER BY c.id DESC LIMIT $2",
                &[&user_id, &sql_limit(limit)],
            )
        })
    }

    fn edit_comment(&self, id: i64, body: &str) -> Result<bool, StoreError> {
        self.with_client(|client| {
            Ok(client.execute(
                "UPDATE comments SET body = $2, edited_at = $3 WHERE id = $1 AND NOT deleted",
                &[&id, &body, &Utc::now()],
            )? > 0)
        })
    }

    fn delete_comment(&self, id: i64) -> Result<bool, StoreError> {
        self.in_transaction(|tx| {
            // The update locks the row first, so `hidden` is current: a concurrent hide either
            // committed before (and is seen) or waits for this transaction.
            let deleted = tx.query_opt(
                "UPDATE comments SET deleted = TRUE WHERE id = $1 AND NOT deleted RETURNING paper_key, hidden",
                &[&id],
            )?;
            let Some(row) = deleted else {
                return Ok(false);
            };
            let (key, hidden): (i64, bool) = (row.try_get(0)?, row.try_get(1)?);
            if !hidden {
                adjust_comment_count(tx, key, -1)?;
            }
            Ok(true)
        })
    }

    fn set_comment_hidden(&self, id: i64, hidden: bool) -> Result<bool, StoreError> {
        self.in_transaction(|tx| {
            // Locked, so that a concurrent delete or hide cannot move the count on a stale read.
            let found = tx.query_opt(
                "SELECT paper_key, deleted, hidden FROM comments WHERE id = $1 FOR UPDATE",
                &[&id],
            )?;
            let Some(row) = found else {
                return Ok(false);
            };
            let (key, deleted, was_hidden): (i64, bool, bool) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            if was_hidden != hidden {
                tx.execute("UPDATE comments SET hidden = $2 WHERE id = $1", &[&id, &hidden])?;
                // A deleted comment is out of the count either way.
                if !deleted {
                    adjust_comment_count(tx, key, if hidden { -1 } else { 1 })?;
                }
            }
            Ok(true)
        })
    }

    fn comment_counts(&self, papers: &[String]) -> Result<HashMap<String, i64>, StoreError> {
        if papers.is_empty() {
            return Ok(HashMap::new());
        }
        self.with_client(|client| {
            let rows = client.query(
                "SELECT id, comment_count FROM papers WHERE id = ANY($1) AND comment_count > 0",
                &[&papers],
            )?;
            rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
        })
    }

    fn submit(
        &self,
        day: NaiveDate,
        paper: &ArxivId,
        user_id: i64,
        daily_limit: u32,
    ) -> Result<SubmitOutcome, StoreError> {
        self.in_transaction(|tx| {
            let Some(key) = paper_key(tx, paper.as_str())? else {
                return Ok(SubmitOutcome::NoSuchPaper);
            };
            if let Some(first) = first_listed(tx, paper)? {
                return Ok(SubmitOutcome::AlreadyListed(first));
            }
            // The account's row, locked until commit: its submissions take turns, so the count
            // below stays true. NO KEY UPDATE leaves its votes and comments (whose foreign keys
            // only share-lock the key) free to go on meanwhile.
            let name: String = tx
                .query_opt("SELECT name FROM users WHERE id = $1 FOR NO KEY UPDATE", &[&user_id])?
                .ok_or_else(|| StoreError::Other(format!("no account with id {user_id}")))?
                .try_get(0)?;
            let submitted: i64 = tx
                .query_one(
                    "SELECT COUNT(*) FROM submissions WHERE user_id = $1 AND day = $2 AND NOT removed",
                    &[&user_id, &day],
                )?
                .try_get(0)?;
            if submitted >= i64::from(daily_limit) {
                return Ok(SubmitOutcome::LimitReached);
            }
            // Every writer of daily entries holds the change-feed lock until it commits, so from
            // here on the listing cannot change under us: look again, now for certain.
            let seq = super::lock_change_feed(tx)?;
            if let Some(first) = first_listed(tx, paper)? {
                return Ok(SubmitOutcome::AlreadyListed(first));
            }
            tx.execute(
                "INSERT INTO daily_entries (day, paper_id, upvotes, comments, submitted_by, source)
                 VALUES ($1, $2, 0, 0, $3, 'submitted')",
                &[&day, &paper.as_str(), &name],
            )?;
            let id: i64 = tx
                .query_one(
                    "INSERT INTO submissions (day, paper_key, user_id, created_at) VALUES ($1, $2, $3, $4)
                     RETURNING id",
                    &[&day, &key, &user_id, &Utc::now()],
                )?
                .try_get(0)?;
            set_change_seq(tx, key, seq)?;
            let submission = submission_where(tx, "s.id = $1", &[&id])?
                .pop()
                .ok_or_else(|| StoreError::Other("a submission vanished while being added".into()))?;
            Ok(SubmitOutcome::Added(submission))
        })
    }

    fn submission(&self, id: i64) -> Result<Option<Submission>, StoreError> {
        self.with_client(|client| Ok(submission_where(client, "s.id = $1", &[&id])?.pop()))
    }

    fn submissions_by(&self, user_id: i64, limit: usize) -> Result<Vec<Submission>, StoreError> {
        self.with_client(|client| {
            submission_where(
                client,
                "s.user_id = $1 ORDER BY s.id DESC LIMIT $2",
                &[&user_id, &sql_limit(limit)],
            )
        })
    }

    fn remove_submission(&self, id: i64) -> Result<bool, StoreError> {
        self.in_transaction(|tx| {
            let removed = tx.query_opt(
                "UPDATE submissions SET removed = TRUE WHERE id = $1 AND NOT removed RETURNING day, paper_key",
                &[&id],
            )?;
            let Some(row) = removed else {
                return Ok(false);
            };
            let (day, key): (NaiveDate, i64) = (row.try_get(0)?, row.try_get(1)?);
            // Only the entry the submission made: a paper an importer also listed that day
            // keeps its imported entry. Looked for before taking the change-feed lock, so that
            // a submission whose entry is gone does not wait for it.
            let entry: Option<String> = tx
                .query_opt(
                    "SELECT d.paper_id FROM daily_entries d JOIN papers p ON p.id = d.paper_id
                     WHERE d.day = $1 AND p.paper_key = $2 AND d.source = 'submitted'",
                    &[&day, &key],
                )?
                .map(|r| r.try_get(0))
                .transpose()?;
            let Some(paper_id) = entry else {
                return Ok(true);
            };
            let seq = super::lock_change_feed(tx)?;
            let unlisted = tx.execute(
                "DELETE FROM daily_entries WHERE day = $1 AND paper_id = $2 AND source = 'submitted'",
                &[&day, &paper_id],
            )?;
            if unlisted > 0 {
                set_change_seq(tx, key, seq)?;
            }
            Ok(true)
        })
    }

    fn record_audit(&self, admin_id: i64, action: &str, target: &str, reason: Option<&str>) -> Result<(), StoreError> {
        self.with_client(|client| {
            client.execute(
                "INSERT INTO audit_log (at, admin_id, action, target, reason) VALUES ($1, $2, $3, $4, $5)",
                &[&Utc::now(), &admin_id, &action, &target, &reason],
            )?;
            Ok(())
        })
    }

    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.with_client(|client| {
            let rows = client.query(&format!("{AUDIT_SELECT} LIMIT $1"), &[&sql_limit(limit)])?;
            rows.iter().map(rows::audit_entry).collect()
        })
    }
}
