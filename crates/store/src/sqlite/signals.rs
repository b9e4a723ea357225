//! Follows, saved searches and "not interested" marks in SQLite.

use chrono::Utc;
use paperboy_domain::ArxivId;
use rusqlite::{params, Connection, TransactionBehavior};

use super::{collect, one, SqliteStore};
use crate::rows::sql_limit;
use crate::signals::{
    follow, follow_key, saved_search, Added, Follow, FollowKind, NewSavedSearch, NotInterested, SavedSearch,
    SignalCounts, SignalStore, FOLLOW_SELECT, SAVED_SEARCH_SELECT,
};
use crate::StoreError;

fn count(conn: &Connection, table: &str, user_id: i64) -> Result<u64, StoreError> {
    let n: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM {table} WHERE user_id = ?1"))?
        .query_row([user_id], |r| r.get(0))?;
    Ok(n as u64)
}

fn counts(conn: &Connection, user_id: i64) -> Result<SignalCounts, StoreError> {
    Ok(SignalCounts {
        follows: count(conn, "follows", user_id)?,
        saved_searches: count(conn, "saved_searches", user_id)?,
        not_interested: count(conn, "not_interested", user_id)?,
    })
}

impl SignalStore for SqliteStore {
    fn follow(&self, user_id: i64, kind: FollowKind, value: &str) -> Result<Added<Follow>, StoreError> {
        let key = follow_key(value);
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let inserted = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO follows (user_id, kind, value, value_key, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![user_id, kind.as_str(), value.trim(), key, Utc::now()])?;
            let row = one(
                &tx,
                &format!("{FOLLOW_SELECT} WHERE user_id = ?1 AND kind = ?2 AND value_key = ?3"),
                params![user_id, kind.as_str(), key],
                |r| follow(r),
            )?
            .ok_or_else(|| StoreError::Other("a follow just stored could not be read back".into()))?;
            tx.commit()?;
            Ok(if inserted > 0 {
                Added::Created(row)
            } else {
                Added::Existing(row)
            })
        })
    }

    fn follows(&self, user_id: i64) -> Result<Vec<Follow>, StoreError> {
        self.read(|conn| {
            collect(
                conn,
                &format!("{FOLLOW_SELECT} WHERE user_id = ?1 ORDER BY id"),
                [user_id],
                |r| follow(r),
            )
        })
    }

    fn unfollow(&self, user_id: i64, follow_id: i64) -> Result<bool, StoreError> {
        self.write(|conn| {
            let removed = conn
                .prepare_cached("DELETE FROM follows WHERE id = ?1 AND user_id = ?2")?
                .execute(params![follow_id, user_id])?;
            Ok(removed > 0)
        })
    }

    fn save_search(&self, user_id: i64, search: &NewSavedSearch) -> Result<Added<SavedSearch>, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let replaced = tx
                .prepare_cached("UPDATE saved_searches SET query = ?3, mode = ?4 WHERE user_id = ?1 AND name = ?2")?
                .execute(params![user_id, search.name, search.query, search.mode])?;
            if replaced == 0 {
                tx.prepare_cached(
                    "INSERT INTO saved_searches (user_id, name, query, mode, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![user_id, search.name, search.query, search.mode, Utc::now()])?;
            }
            let row = one(
                &tx,
                &format!("{SAVED_SEARCH_SELECT} WHERE user_id = ?1 AND name = ?2"),
                params![user_id, search.name],
                |r| saved_search(r),
            )?
            .ok_or_else(|| StoreError::Other("a saved search just stored could not be read back".into()))?;
            tx.commit()?;
            Ok(if replaced == 0 {
                Added::Created(row)
            } else {
                Added::Existing(row)
            })
        })
    }

    fn saved_searches(&self, user_id: i64) -> Result<Vec<SavedSearch>, StoreError> {
        self.read(|conn| {
            collect(
                conn,
                &format!("{SAVED_SEARCH_SELECT} WHERE user_id = ?1 ORDER BY id"),
                [user_id],
                |r| saved_search(r),
            )
        })
    }

    fn delete_saved_search(&self, user_id: i64, search_id: i64) -> Result<bool, StoreError> {
        self.write(|conn| {
            let removed = conn
                .prepare_cached("DELETE FROM saved_searches WHERE id = ?1 AND user_id = ?2")?
                .execute(params![search_id, user_id])?;
            Ok(removed > 0)
        })
    }

    fn set_not_interested(&self, user_id: i64, paper: &ArxivId, on: bool) -> Result<Option<bool>, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some(key) = one(
                &tx,
                "SELECT paper_key FROM papers WHERE id = ?1",
                [paper.as_str()],
                |r| Ok(r.get::<_, i64>(0)?),
            )?
            else {
                return Ok(None);
            };
            let changed = if on {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO not_interested (user_id, paper_key, created_at) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![user_id, key, Utc::now()])?
            } else {
                tx.prepare_cached("DELETE FROM not_interested WHERE user_id = ?1 AND paper_key = ?2")?
                    .execute(params![user_id, key])?
            };
            tx.commit()?;
            Ok(Some(changed > 0))
        })
    }

    fn not_interested(&self, user_id: i64, limit: usize) -> Result<Vec<NotInterested>, StoreError> {
        self.read(|conn| {
            collect(
                conn,
                "SELECT p.id, n.created_at FROM not_interested n JOIN papers p ON p.paper_key = n.paper_key
                 WHERE n.user_id = ?1 ORDER BY n.created_at DESC, p.id LIMIT ?2",
                params![user_id, sql_limit(limit)],
                |r| {
                    Ok(NotInterested {
                        paper_id: r.get(0)?,
                        at: r.get(1)?,
                    })
                },
            )
        })
    }

    fn signal_counts(&self, user_id: i64) -> Result<SignalCounts, StoreError> {
        self.read(|conn| counts(conn, user_id))
    }

    fn delete_signals(&self, user_id: i64) -> Result<SignalCounts, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let before = counts(&tx, user_id)?;
            for table in ["follows", "saved_searches", "not_interested"] {
                tx.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [user_id])?;
            }
            tx.commit()?;
            Ok(before)
        })
    }
}
