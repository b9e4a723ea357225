//! Accounts, tokens, votes, comments, submissions and the audit log in SQLite.
//!
//! Every change that moves a paper's counter (`papers.votes`, `papers.comment_count`) or its
//! daily entries happens in one IMMEDIATE transaction with the row that justifies it: the write
//! lock is taken before anything is read, so two writers (threads here, or another process on
//! the same file, waiting through `busy_timeout`) never both act on the same stale read.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use paperboy_domain::ArxivId;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Params, Row, TransactionBehavior};

use super::SqliteStore;
use crate::community::{
    AddCommentOutcome, AuditEntry, Comment, CommunityStore, CreateUserOutcome, NewToken, NewUser, Submission,
    SubmitOutcome, TokenInfo, TokenKind, User, VoteOutcome,
};
use crate::StoreError;

const USER_COLUMNS: &str =
    "u.id, u.name, u.email, u.email_verified, u.password_hash, u.is_admin, u.banned, u.votes_public, u.created_at";

const TOKEN_COLUMNS: &str = "t.id, t.user_id, t.kind, t.label, t.created_at, t.expires_at, t.last_used_at";

/// How many columns [`token_row`] reads (a user's columns follow them in a join).
const TOKEN_WIDTH: usize = 7;

const COMMENT_SELECT: &str = "SELECT c.id, p.id, c.user_id, u.name, c.parent_id, c.body, c.created_at, c.edited_at,
            c.deleted, c.hidden
     FROM comments c JOIN papers p ON p.paper_key = c.paper_key JOIN users u ON u.id = c.user_id";

const SUBMISSION_SELECT: &str = "SELECT s.id, s.day, p.id, s.user_id, u.name, s.created_at, s.removed
     FROM submissions s JOIN papers p ON p.paper_key = s.paper_key JOIN users u ON u.id = s.user_id";

/// Bumps a paper's change sequence number past every other, so that derived indexes see it.
const BUMP_CHANGE_SEQ: &str =
    "UPDATE papers SET change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM papers) WHERE paper_key = ?1";

impl FromSql for TokenKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        TokenKind::parse(text).ok_or_else(|| FromSqlError::Other(format!("unknown token kind {text:?}").into()))
    }
}

/// A user from the columns of [`USER_COLUMNS`], starting at column `at`.
fn user_row(row: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(at)?,
        name: row.get(at + 1)?,
        email: row.get(at + 2)?,
        email_verified: row.get(at + 3)?,
        password_hash: row.get(at + 4)?,
        is_admin: row.get(at + 5)?,
        banned: row.get(at + 6)?,
        votes_public: row.get(at + 7)?,
        created_at: row.get(at + 8)?,
    })
}

fn token_row(row: &Row<'_>) -> rusqlite::Result<TokenInfo> {
    Ok(TokenInfo {
        id: row.get(0)?,
        user_id: row.get(1)?,
        kind: row.get(2)?,
        label: row.get(3)?,
        created_at: row.get(4)?,
        expires_at: row.get(5)?,
        last_used_at: row.get(6)?,
    })
}

fn comment_row(row: &Row<'_>) -> rusqlite::Result<Comment> {
    Ok(Comment {
        id: row.get(0)?,
        paper_id: row.get(1)?,
        user_id: row.get(2)?,
        author: row.get(3)?,
        parent_id: row.get(4)?,
        body: row.get(5)?,
        created_at: row.get(6)?,
        edited_at: row.get(7)?,
        deleted: row.get(8)?,
        hidden: row.get(9)?,
    })
}

fn submission_row(row: &Row<'_>) -> rusqlite::Result<Submission> {
    Ok(Submission {
        id: row.get(0)?,
        day: row.get(1)?,
        paper_id: row.get(2)?,
        user_id: row.get(3)?,
        submitter: row.get(4)?,
        created_at: row.get(5)?,
        removed: row.get(6)?,
    })
}

/// Runs a cached query and collects its rows.
fn collect<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, map)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Runs a cached query expected to return at most one row.
fn one<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>, StoreError> {
    Ok(conn.prepare_cached(sql)?.query_row(params, map).optional()?)
}

fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A list of strings as one JSON parameter, for `IN (SELECT value FROM json_each(?))`.
fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).expect("a list of strings serialises")
}

fn paper_key(conn: &Connection, id: &str) -> Result<Option<i64>, StoreError> {
    one(conn, "SELECT paper_key FROM papers WHERE id = ?1", [id], |r| r.get(0))
}

fn user_where(conn: &Connection, condition: &str, param: impl rusqlite::ToSql) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE {condition}");
    one(conn, &sql, [param], |r| user_row(r, 0))
}

fn token_with_user(conn: &Connection, hash: &str, kind: TokenKind) -> Result<Option<(TokenInfo, User)>, StoreError> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS}, {USER_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id
         WHERE t.hash = ?1 AND t.kind = ?2"
    );
    one(conn, &sql, params![hash, kind.as_str()], |r| {
        Ok((token_row(r)?, user_row(r, TOKEN_WIDTH)?))
    })
}

/// Whether a found token may be used at `now`: unexpired, and its user not banned.
fn usable(token: &TokenInfo, user: &User, now: DateTime<Utc>) -> bool {
    let expired = matches!(token.expires_at, Some(expires) if expires <= now);
    !expired && !user.banned
}

fn comment_where(conn: &Connection, condition: &str, params: impl Params) -> Result<Vec<Comment>, StoreError> {
    collect(
        conn,
        &format!("{COMMENT_SELECT} WHERE {condition}"),
        params,
        comment_row,
    )
}

fn submission_where(conn: &Connection, condition: &str, params: impl Params) -> Result<Vec<Submission>, StoreError> {
    collect(
        conn,
        &format!("{SUBMISSION_SELECT} WHERE {condition}"),
        params,
        submission_row,
    )
}

fn adjust_comment_count(conn: &Connection, paper_key: i64, by: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE papers SET comment_count = comment_count + ?2 WHERE paper_key = ?1")?
        .execute(params![paper_key, by])?;
    Ok(())
}

impl CommunityStore for SqliteStore {
    fn create_user(&self, user: &NewUser<'_>) -> Result<CreateUserOutcome, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Checked first, under the write lock, so the outcome names what clashed; the
            // unique indexes stay the last word.
            let taken = |column: &str, value: &str| {
                let sql = format!("SELECT 1 FROM users WHERE lower({column}) = lower(?1)");
                one(&tx, &sql, [value], |_| Ok(())).map(|found| found.is_some())
            };
            if taken("name", user.name)? {
                return Ok(CreateUserOutcome::NameTaken);
            }
            if taken("email", user.email)? {
                return Ok(CreateUserOutcome::EmailTaken);
            }
            tx.execute(
                "INSERT INTO users (name, email, email_verified, password_hash, is_admin, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    user.name,
                    user.email,
                    user.email_verified,
                    user.password_hash,
                    user.is_admin,
                    Utc::now()
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(CreateUserOutcome::Created(id))
        })
    }

    fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        self.read(|conn| user_where(conn, "u.id = ?1", id))
    }

    fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        self.read(|conn| user_where(conn, "lower(u.name) = lower(?1)", name))
    }

    fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.read(|conn| user_where(conn, "lower(u.email) = lower(?1)", email))
    }

    fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                params![user_id, password_hash],
            )?;
            tx.execute(
                "DELETE FROM tokens WHERE user_id = ?1 AND kind = ?2",
                params![user_id, TokenKind::Session.as_str()],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn set_email_verified(&self, user_id: i64) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute("UPDATE users SET email_verified = 1 WHERE id = ?1", [user_id])?;
            Ok(())
        })
    }

    fn set_votes_public(&self, user_id: i64, public: bool) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "UPDATE users SET votes_public = ?2 WHERE id = ?1",
                params![user_id, public],
            )?;
            Ok(())
        })
    }

    fn set_banned(&self, user_id: i64, banned: bool) -> Result<(), StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("UPDATE users SET banned = ?2 WHERE id = ?1", params![user_id, banned])?;
            if banned {
                tx.execute(
                    "DELETE FROM tokens WHERE user_id = ?1 AND kind IN (?2, ?3)",
                    params![user_id, TokenKind::Session.as_str(), TokenKind::Api.as_str()],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn set_admin(&self, user_id: i64, admin: bool) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute("UPDATE users SET is_admin = ?2 WHERE id = ?1", params![user_id, admin])?;
            Ok(())
        })
    }

    fn users(&self, offset: u64, limit: u64) -> Result<Vec<User>, StoreError> {
        let (offset, limit) = (offset.min(i64::MAX as u64) as i64, limit.min(i64::MAX as u64) as i64);
        self.read(|conn| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id LIMIT ?1 OFFSET ?2");
            let mut select = conn.prepare(&sql)?;
            let users = select.query_map(params![limit, offset], |r| user_row(r, 0))?;
            Ok(users.collect::<Result<_, _>>()?)
        })
    }

    fn insert_token(&self, token: &NewToken<'_>) -> Result<i64, StoreError> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO tokens (hash, user_id, kind, label, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    token.hash,
                    token.user_id,
                    token.kind.as_str(),
                    token.label,
                    Utc::now(),
                    token.expires_at
                ],
            )?;
            Ok(conn.last_insert_rowid())
        })
    }

    fn find_token(
        &self,
        hash: &str,
        kind: TokenKind,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenInfo, User)>, StoreError> {
        // Looked up on a read connection, so that unknown and expired tokens (every request of
        // a signed-out visitor) never wait for the writer.
        let found = self.read(|conn| token_with_user(conn, hash, kind))?;
        let Some((mut token, user)) = found.filter(|(token, user)| usable(token, user, now)) else {
            return Ok(None);
        };
        // Recording every use would make each signed-in request a write (serialised with all
        // others); once a minute is enough to show "last used" in settings.
        let fresh = token
            .last_used_at
            .is_some_and(|t| now - t < chrono::Duration::seconds(60));
        if fresh {
            return Ok(Some((token, user)));
        }
        // Recording the use is also the check that the token still exists: a sign-out or a ban
        // that committed since the lookup deletes the row, and then the token is refused.
        let recorded = self.write(|conn| {
            Ok(conn
                .prepare_cached("UPDATE tokens SET last_used_at = ?2 WHERE id = ?1")?
                .execute(params![token.id, now])?)
        })?;
        if recorded == 0 {
            return Ok(None);
        }
        token.last_used_at = Some(now);
        Ok(Some((token, user)))
    }

    fn take_token(&self, hash: &str, kind: TokenKind, now: DateTime<Utc>) -> Result<Option<User>, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some((token, user)) = token_with_user(&tx, hash, kind)? else {
                return Ok(None);
            };
            // One-time: spent whether or not it is still usable (an expired link is dead anyway).
            tx.execute("DELETE FROM tokens WHERE id = ?1", [token.id])?;
            tx.commit()?;
            Ok(usable(&token, &user, now).then_some(user))
        })
    }

    fn delete_token(&self, hash: &str) -> Result<bool, StoreError> {
        self.write(|conn| Ok(conn.execute("DELETE FROM tokens WHERE hash = ?1", [hash])? > 0))
    }

    fn delete_token_of(&self, user_id: i64, token_id: i64) -> Result<bool, StoreError> {
        self.write(|conn| {
            Ok(conn.execute(
                "DELETE FROM tokens WHERE id = ?1 AND user_id = ?2",
                params![token_id, user_id],
            )? > 0)
        })
    }

    fn delete_tokens(&self, user_id: i64, kind: TokenKind) -> Result<usize, StoreError> {
        self.write(|conn| {
            Ok(conn.execute(
                "DELETE FROM tokens WHERE user_id = ?1 AND kind = ?2",
                params![user_id, kind.as_str()],
            )?)
        })
    }

    fn tokens(&self, user_id: i64, kind: TokenKind) -> Result<Vec<TokenInfo>, StoreError> {
        self.read(|conn| {
            collect(
                conn,
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.user_id = ?1 AND t.kind = ?2 ORDER BY t.id DESC"
                ),
                params![user_id, kind.as_str()],
                token_row,
            )
        })
    }

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
                |r| r.get(0),
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
                |r| r.get(0),
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
                |r| Ok((r.get(0)?, r.get(1)?)),
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
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
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
                |r| Ok((r.get(0)?, r.get(1)?)),
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
            let name: String = one(&tx, "SELECT name FROM users WHERE id = ?1", [user_id], |r| r.get(0))?
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
                |r| Ok((r.get(0)?, r.get(1)?)),
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
            collect(
                conn,
                "SELECT a.id, a.at, u.name, a.action, a.target, a.reason
                 FROM audit_log a JOIN users u ON u.id = a.admin_id ORDER BY a.id DESC LIMIT ?1",
                [sql_limit(limit)],
                |r| {
                    Ok(AuditEntry {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        admin: r.get(2)?,
                        action: r.get(3)?,
                        target: r.get(4)?,
                        reason: r.get(5)?,
                    })
                },
            )
        })
    }
}
