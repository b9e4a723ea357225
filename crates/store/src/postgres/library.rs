//! Libraries in PostgreSQL, as the SQLite implementation behaves. Each change is one
//! statement, and `ON CONFLICT DO NOTHING` makes two concurrent saves of one paper one row.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use paperboy_domain::ArxivId;

use super::PostgresStore;
use crate::library::{LibraryStore, SavedPaper};
use crate::rows::sql_limit;
use crate::{Page, StoreError};

impl LibraryStore for PostgresStore {
    fn set_saved(&self, user_id: i64, paper: &ArxivId, saved: bool) -> Result<Option<bool>, StoreError> {
        self.with_client(|client| {
            let Some(row) = client.query_opt("SELECT paper_key FROM papers WHERE id = $1", &[&paper.as_str()])? else {
                return Ok(None);
            };
            let key: i64 = row.try_get(0)?;
            let rows = if saved {
                client.execute(
                    "INSERT INTO library (user_id, paper_key, saved_at) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                    &[&user_id, &key, &Utc::now()],
                )?
            } else {
                client.execute(
                    "DELETE FROM library WHERE user_id = $1 AND paper_key = $2",
                    &[&user_id, &key],
                )?
            };
            Ok(Some(rows > 0))
        })
    }

    fn save_all(&self, user_id: i64, papers: &[String]) -> Result<usize, StoreError> {
        if papers.is_empty() {
            return Ok(0);
        }
        self.with_client(|client| {
            let added = client.execute(
                "INSERT INTO library (user_id, paper_key, saved_at)
                 SELECT $1, paper_key, $3 FROM papers WHERE id = ANY($2)
                 ON CONFLICT DO NOTHING",
                &[&user_id, &papers, &Utc::now()],
            )?;
            Ok(usize::try_from(added).unwrap_or(usize::MAX))
        })
    }

    fn saved(&self, user_id: i64, papers: &[String]) -> Result<HashSet<String>, StoreError> {
        if papers.is_empty() {
            return Ok(HashSet::new());
        }
        self.with_client(|client| {
            let rows = client.query(
                "SELECT p.id FROM library l JOIN papers p ON p.paper_key = l.paper_key
                 WHERE l.user_id = $1 AND p.id = ANY($2)",
                &[&user_id, &papers],
            )?;
            rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
        })
    }

    fn library(&self, user_id: i64, page: Page) -> Result<Vec<SavedPaper>, StoreError> {
        self.with_client(|client| {
            // Ties in byte order of the id, as SQLite sorts them.
            let rows = client.query(
                r#"SELECT p.id, l.saved_at FROM library l JOIN papers p ON p.paper_key = l.paper_key
                   WHERE l.user_id = $1 ORDER BY l.saved_at DESC, p.id COLLATE "C" LIMIT $2 OFFSET $3"#,
                &[
                    &user_id,
                    &sql_limit(page.limit as usize),
                    &i64::try_from(page.offset).unwrap_or(i64::MAX),
                ],
            )?;
            rows.iter()
                .map(|r| {
                    Ok(SavedPaper {
                        id: r.try_get(0)?,
                        saved_at: r.try_get(1)?,
                    })
                })
                .collect()
        })
    }

    fn library_size(&self, user_id: i64) -> Result<u64, StoreError> {
        self.with_client(|client| {
            let count: i64 = client
                .query_one("SELECT COUNT(*) FROM library WHERE user_id = $1", &[&user_id])?
                .try_get(0)?;
            Ok(u64::try_from(count).unwrap_or(0))
        })
    }

    fn stored_ids(&self, ids: &[String]) -> Result<HashSet<String>, StoreError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        self.with_client(|client| {
            let rows = client.query("SELECT id FROM papers WHERE id = ANY($1)", &[&ids])?;
            rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
        })
    }

    fn ids_by_doi(&self, dois: &[String]) -> Result<HashMap<String, String>, StoreError> {
        if dois.is_empty() {
            return Ok(HashMap::new());
        }
        self.with_client(|client| {
            let rows = client.query(
                r#"SELECT lower(doi), id FROM papers WHERE lower(doi) = ANY($1) ORDER BY id COLLATE "C""#,
                &[&dois],
            )?;
            // Two papers with one DOI (rare, but the data allows it): the first id wins.
            let mut by_doi = HashMap::new();
            for row in &rows {
                let (doi, id): (String, String) = (row.try_get(0)?, row.try_get(1)?);
                by_doi.entry(doi).or_insert(id);
            }
            Ok(by_doi)
        })
    }
}
