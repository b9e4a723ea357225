//! Libraries in SQLite. A save is one row; the one writer connection makes each change atomic.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use paperboy_domain::ArxivId;
use rusqlite::params;

use super::participation::json_list;
use super::{collect, one, SqliteStore};
use crate::library::{LibraryStore, SavedPaper};
use crate::rows::{sql_limit, RowRead};
use crate::{Page, StoreError};

impl LibraryStore for SqliteStore {
    fn set_saved(&self, user_id: i64, paper: &ArxivId, saved: bool) -> Result<Option<bool>, StoreError> {
        self.write(|conn| {
            let Some(key): Option<i64> = one(
                conn,
                "SELECT paper_key FROM papers WHERE id = ?1",
                [paper.as_str()],
                |r| r.column(0),
            )?
            else {
                return Ok(None);
            };
            let rows = if saved {
                conn.prepare_cached("INSERT OR IGNORE INTO library (user_id, paper_key, saved_at) VALUES (?1, ?2, ?3)")?
                    .execute(params![user_id, key, Utc::now()])?
            } else {
                conn.prepare_cached("DELETE FROM library WHERE user_id = ?1 AND paper_key = ?2")?
                    .execute(params![user_id, key])?
            };
            Ok(Some(rows > 0))
        })
    }

    fn save_all(&self, user_id: i64, papers: &[String]) -> Result<usize, StoreError> {
        if papers.is_empty() {
            return Ok(0);
        }
        self.write(|conn| {
            let tx = conn.transaction()?;
            let added = tx.execute(
                "INSERT OR IGNORE INTO library (user_id, paper_key, saved_at)
                 SELECT ?1, paper_key, ?3 FROM papers WHERE id IN (SELECT value FROM json_each(?2))",
                params![user_id, json_list(papers), Utc::now()],
            )?;
            tx.commit()?;
            Ok(added)
        })
    }

    fn saved(&self, user_id: i64, papers: &[String]) -> Result<HashSet<String>, StoreError> {
        if papers.is_empty() {
            return Ok(HashSet::new());
        }
        self.read(|conn| {
            let ids = collect(
                conn,
                "SELECT p.id FROM library l JOIN papers p ON p.paper_key = l.paper_key
                 WHERE l.user_id = ?1 AND p.id IN (SELECT value FROM json_each(?2))",
                params![user_id, json_list(papers)],
                |r| r.column(0),
            )?;
            Ok(ids.into_iter().collect())
        })
    }

    fn library(&self, user_id: i64, page: Page) -> Result<Vec<SavedPaper>, StoreError> {
        self.read(|conn| {
            collect(
                conn,
                "SELECT p.id, l.saved_at FROM library l JOIN papers p ON p.paper_key = l.paper_key
                 WHERE l.user_id = ?1 ORDER BY l.saved_at DESC, p.id LIMIT ?2 OFFSET ?3",
                params![
                    user_id,
                    sql_limit(page.limit as usize),
                    i64::try_from(page.offset).unwrap_or(i64::MAX)
                ],
                |r| {
                    Ok(SavedPaper {
                        id: r.column(0)?,
                        saved_at: r.column(1)?,
                    })
                },
            )
        })
    }

    fn library_size(&self, user_id: i64) -> Result<u64, StoreError> {
        self.read(|conn| {
            let count: i64 = conn
                .prepare_cached("SELECT COUNT(*) FROM library WHERE user_id = ?1")?
                .query_row([user_id], |r| r.get(0))?;
            Ok(u64::try_from(count).unwrap_or(0))
        })
    }

    fn stored_ids(&self, ids: &[String]) -> Result<HashSet<String>, StoreError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        self.read(|conn| {
            let found = collect(
                conn,
                "SELECT id FROM papers WHERE id IN (SELECT value FROM json_each(?1))",
                [json_list(ids)],
                |r| r.column(0),
            )?;
            Ok(found.into_iter().collect())
        })
    }

    fn ids_by_doi(&self, dois: &[String]) -> Result<HashMap<String, String>, StoreError> {
        if dois.is_empty() {
            return Ok(HashMap::new());
        }
        self.read(|conn| {
            let found = collect(
                conn,
                "SELECT lower(doi), id FROM papers
                 WHERE lower(doi) IN (SELECT value FROM json_each(?1)) ORDER BY id",
                [json_list(dois)],
                |r| Ok((r.column(0)?, r.column(1)?)),
            )?;
            // Two papers with one DOI (rare, but the data allows it): the first id wins.
            let mut by_doi = HashMap::new();
            for (doi, id) in found {
                by_doi.entry(doi).or_insert(id);
            }
            Ok(by_doi)
        })
    }
}
