//! Embeddings in SQLite: one row per paper, keyed by the paper's row number.

use std::collections::HashMap;

use chrono::Utc;
use paperboy_domain::ArxivId;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::{collect, SqliteStore};
use crate::embeddings::{vector_from_bytes, vector_to_bytes, VectorRow};
use crate::rows::sql_limit;
use crate::{EmbeddingStore, EmbeddingWrite, StoreError, StoredVector};

/// SQLite caps bound parameters per statement; look ids up in chunks below it.
const IDS_PER_QUERY: usize = 500;

impl EmbeddingStore for SqliteStore {
    fn embedding_hashes(&self, model: &str, ids: &[ArxivId]) -> Result<Vec<(ArxivId, u64)>, StoreError> {
        self.read(|conn| {
            let mut found = Vec::new();
            for chunk in ids.chunks(IDS_PER_QUERY) {
                let placeholders = vec!["?"; chunk.len()].join(",");
                let sql = format!(
                    "SELECT p.id, e.text_hash FROM embeddings e JOIN papers p ON p.paper_key = e.paper_key \
                     WHERE e.model = ? AND p.id IN ({placeholders})"
                );
                let mut select = conn.prepare(&sql)?;
                let params = std::iter::once(model).chain(chunk.iter().map(ArxivId::as_str));
                let by_id: HashMap<String, i64> = select
                    .query_map(rusqlite::params_from_iter(params), |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                found.extend(
                    chunk
                        .iter()
                        .filter_map(|id| by_id.get(id.as_str()).map(|hash| (id.clone(), *hash as u64))),
                );
            }
            Ok(found)
        })
    }

    fn put_embeddings(
        &self,
        model: &str,
        rows: &[EmbeddingWrite<'_>],
        touched: &[ArxivId],
        cursor_key: &str,
        cursor: i64,
    ) -> Result<(), StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut seq: i64 = tx.query_row("SELECT COALESCE(MAX(embed_seq), 0) FROM embeddings", [], |r| r.get(0))?;
            {
                let mut key_of = tx.prepare_cached("SELECT paper_key FROM papers WHERE id = ?1")?;
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO embeddings (paper_key, model, text_hash, vector, embed_seq) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(paper_key) DO UPDATE SET model = excluded.model, text_hash = excluded.text_hash,
                        vector = excluded.vector, embed_seq = excluded.embed_seq",
                )?;
                for row in rows {
                    let Some(key) = key_of.query_row([row.id.as_str()], |r| r.get::<_, i64>(0)).optional()? else {
                        return Err(StoreError::Other(format!(
                            "cannot store an embedding for {}: the paper is not in the store",
                            row.id
                        )));
                    };
                    seq += 1;
                    upsert.execute(params![
                        key,
                        model,
                        row.text_hash as i64,
                        vector_to_bytes(row.vector),
                        seq
                    ])?;
                }
                let mut touch = tx.prepare_cached(
                    "UPDATE embeddings SET embed_seq = ?1
                     WHERE model = ?2 AND paper_key = (SELECT paper_key FROM papers WHERE id = ?3)",
                )?;
                for id in touched {
                    seq += 1;
                    touch.execute(params![seq, model, id.as_str()])?;
                }
            }
            tx.execute(
                "INSERT INTO state (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![cursor_key, cursor.to_string(), Utc::now().to_rfc3339()],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn vectors_since(&self, model: &str, after_seq: i64, limit: usize) -> Result<Vec<StoredVector>, StoreError> {
        self.read(|conn| vectors(conn, "e.vector", model, after_seq, limit))
    }

    fn vector_meta(&self, model: &str) -> Result<Vec<StoredVector>, StoreError> {
        self.read(|conn| vectors(conn, "x''", model, 0, usize::MAX))
    }

    fn vector_of(&self, model: &str, id: &ArxivId) -> Result<Option<Vec<f32>>, StoreError> {
        self.read(|conn| {
            let bytes: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT e.vector FROM embeddings e JOIN papers p ON p.paper_key = e.paper_key
                     WHERE p.id = ?1 AND e.model = ?2",
                    params![id.as_str(), model],
                    |r| r.get(0),
                )
                .optional()?;
            bytes
                .map(|b| {
                    vector_from_bytes(&b).ok_or_else(|| StoreError::Corrupt {
                        id: id.to_string(),
                        message: "embedding has a partial float".into(),
                    })
                })
                .transpose()
        })
    }

    fn embedding_count(&self, model: &str) -> Result<(u64, i64), StoreError> {
        self.read(|conn| {
            let (count, seq): (i64, i64) = conn.query_row(
                "SELECT COUNT(*), COALESCE(MAX(embed_seq), 0) FROM embeddings WHERE model = ?1",
                [model],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok((count as u64, seq))
        })
    }

    fn papers_changed_after(&self, after_seq: i64, at_most: u64) -> Result<u64, StoreError> {
        let at_most = i64::try_from(at_most).unwrap_or(i64::MAX);
        self.read(|conn| {
            let count: i64 = conn.query_row(
                "SELECT COUNT(*) FROM (SELECT 1 FROM papers WHERE change_seq > ?1 LIMIT ?2)",
                [after_seq, at_most],
                |r| r.get(0),
            )?;
            Ok(count as u64)
        })
    }
}

/// Embedding rows by `model` after `after_seq`; `vector_column` is the vector or an empty blob.
fn vectors(
    conn: &rusqlite::Connection,
    vector_column: &str,
    model: &str,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<StoredVector>, StoreError> {
    let sql = format!(
        "SELECT e.embed_seq, e.paper_key, p.id, p.announced, p.published, p.categories, {vector_column}
         FROM embeddings e JOIN papers p ON p.paper_key = e.paper_key
         WHERE e.model = ?1 AND e.embed_seq > ?2 ORDER BY e.embed_seq LIMIT ?3"
    );
    collect(conn, &sql, params![model, after_seq, sql_limit(limit)], |r| {
        VectorRow::read(r)?.decode()
    })
}
