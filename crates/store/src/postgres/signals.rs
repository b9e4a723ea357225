//! Follows, saved searches and "not interested" marks in PostgreSQL (as the SQLite
//! implementation behaves). Each write is one statement or one transaction whose conflict
//! clause decides, so two instances adding the same follow at once store it once.

use chrono::Utc;
use paperboy_domain::ArxivId;
use postgres::GenericClient;

use super::PostgresStore;
use crate::rows::sql_limit;
use crate::signals::{
    follow, follow_key, saved_search, Added, Follow, FollowKind, NewSavedSearch, NotInterested, SavedSearch,
    SignalCounts, SignalStore, FOLLOW_SELECT, SAVED_SEARCH_SELECT,
};
use crate::StoreError;

fn counts(client: &mut impl GenericClient, user_id: i64) -> Result<SignalCounts, StoreError> {
    let row = client.query_one(
        "SELECT (SELECT COUNT(*) FROM follows WHERE user_id = $1),
                (SELECT COUNT(*) FROM saved_searches WHERE user_id = $1),
                (SELECT COUNT(*) FROM not_interested WHERE user_id = $1)",
        &[&user_id],
    )?;
    let count = |i: usize| -> Result<u64, StoreError> { Ok(row.try_get::<_, i64>(i)? as u64) };
    Ok(SignalCounts {
        follows: count(0)?,
        saved_searches: count(1)?,
        not_interested: count(2)?,
    })
}

impl SignalStore for PostgresStore {
    fn follow(&self, user_id: i64, kind: FollowKind, value: &str) -> Result<Added<Follow>, StoreError> {
        let key = follow_key(value);
        self.in_transaction(|tx| {
            let inserted = tx.execute(
                "INSERT INTO follows (user_id, kind, value, value_key, created_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (user_id, kind, value_key) DO NOTHING",
                &[&user_id, &kind.as_str(), &value.trim(), &key, &Utc::now()],
            )?;
            let row = tx.query_one(
                &format!("{FOLLOW_SELECT} WHERE user_id = $1 AND kind = $2 AND value_key = $3"),
                &[&user_id, &kind.as_str(), &key],
            )?;
            let found = follow(&row)?;
            Ok(if inserted > 0 {
                Added::Created(found)
            } else {
                Added::Existing(found)
            })
        })
    }

    fn follows(&self, user_id: i64) -> Result<Vec<Follow>, StoreError> {
        self.with_client(|client| {
            let rows = client.query(&format!("{FOLLOW_SELECT} WHERE user_id = $1 ORDER BY id"), &[&user_id])?;
            rows.iter().map(follow).collect()
        })
    }

    fn unfollow(&self, user_id: i64, follow_id: i64) -> Result<bool, StoreError> {
        self.with_client(|client| {
            let removed = client.execute(
                "DELETE FROM follows WHERE id = $1 AND user_id = $2",
                &[&follow_id, &user_id],
            )?;
            Ok(removed > 0)
        })
    }

    fn save_search(&self, user_id: i64, search: &NewSavedSearch) -> Result<Added<SavedSearch>, StoreError> {
        self.in_transaction(|tx| {
            // `xmax = 0` only for a row this statement inserted (not one it updated).
            let row = tx.query_one(
                "INSERT INTO saved_searches (user_id, name, query, mode, created_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (user_id, name) DO UPDATE SET query = EXCLUDED.query, mode = EXCLUDED.mode
                 RETURNING id, (xmax = 0) AS inserted",
                &[&user_id, &search.name, &search.query, &search.mode, &Utc::now()],
            )?;
            let id: i64 = row.try_get(0)?;
            let inserted: bool = row.try_get(1)?;
            let stored = tx.query_one(&format!("{SAVED_SEARCH_SELECT} WHERE id = $1"), &[&id])?;
            let found = saved_search(&stored)?;
            Ok(if inserted {
                Added::Created(found)
            } else {
                Added::Existing(found)
            })
        })
    }

    fn saved_searches(&self, user_id: i64) -> Result<Vec<SavedSearch>, StoreError> {
        self.with_client(|client| {
            let rows = client.query(
                &format!("{SAVED_SEARCH_SELECT} WHERE user_id = $1 ORDER BY id"),
                &[&user_id],
            )?;
            rows.iter().map(saved_search).collect()
        })
    }

    fn delete_saved_search(&self, user_id: i64, search_id: i64) -> Result<bool, StoreError> {
        self.with_client(|client| {
            let removed = client.execute(
                "DELETE FROM saved_searches WHERE id = $1 AND user_id = $2",
                &[&search_id, &user_id],
            )?;
            Ok(removed > 0)
        })
    }

    fn set_not_interested(&self, user_id: i64, paper: &ArxivId, on: bool) -> Result<Option<bool>, StoreError> {
        self.with_client(|client| {
            let Some(key) = client
                .query_opt("SELECT paper_key FROM papers WHERE id = $1", &[&paper.as_str()])?
                .map(|r| r.try_get::<_, i64>(0))
                .transpose()?
            else {
                return Ok(None);
            };
            let changed = if on {
                client.execute(
                    "INSERT INTO not_interested (user_id, paper_key, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                    &[&user_id, &key, &Utc::now()],
                )?
            } else {
                client.execute(
                    "DELETE FROM not_interested WHERE user_id = $1 AND paper_key = $2",
                    &[&user_id, &key],
                )?
            };
            Ok(Some(changed > 0))
        })
    }

    fn not_interested(&self, user_id: i64, limit: usize) -> Result<Vec<NotInterested>, StoreError> {
        self.with_client(|client| {
            let rows = client.query(
                r#"SELECT p.id, n.created_at FROM not_interested n JOIN papers p ON p.paper_key = n.paper_key
                   WHERE n.user_id = $1 ORDER BY n.created_at DESC, p.id COLLATE "C" LIMIT $2"#,
                &[&user_id, &sql_limit(limit)],
            )?;
            rows.iter()
                .map(|r| {
                    Ok(NotInterested {
                        paper_id: r.try_get(0)?,
                        at: r.try_get(1)?,
                    })
                })
                .collect()
        })
    }

    fn signal_counts(&self, user_id: i64) -> Result<SignalCounts, StoreError> {
        self.with_client(|client| counts(client, user_id))
    }

    fn delete_signals(&self, user_id: i64) -> Result<SignalCounts, StoreError> {
        self.in_transaction(|tx| {
            let before = counts(tx, user_id)?;
            for table in ["follows", "saved_searches", "not_interested"] {
                tx.execute(&format!("DELETE FROM {table} WHERE user_id = $1"), &[&user_id])?;
            }
            Ok(before)
        })
    }
}
