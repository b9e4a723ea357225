//! Embeddings in PostgreSQL: one row per paper, keyed by the paper's `paper_key`, as in SQLite.
//! `text_hash` (a `u64`) is stored as its two's-complement `bigint`; vectors as `bytea`.

use std::collections::HashMap;

use paperboy_domain::ArxivId;
use postgres::GenericClient;

use super::papers::{to_bigint, write_state};
use super::{lock_embed_feed, PostgresStore};
use crate::embeddings::{vector_from_bytes, vector_to_bytes, VectorRow};
use crate::{EmbeddingStore, EmbeddingWrite, StoreError, StoredVector};

impl EmbeddingStore for PostgresStore {
    fn embedding_hashes(&self, model: &str, ids: &[ArxivId]) -> Result<Vec<(ArxivId, u64)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.with_client(|client| {
            let wanted: Vec<&str> = ids.iter().map(ArxivId::as_str).collect();
            let by_id: HashMap<String, i64> = client
                .query(
                    "SELECT p.id, e.text_hash FROM embeddings e JOIN papers p ON p.paper_key = e.paper_key
                     WHERE e.model = $1 AND p.id = ANY($2)",
                    &[&model, &wanted],
                )?
                .iter()
                .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
                .collect::<Result<_, StoreError>>()?;
            Ok(ids
                .iter()
                .filter_map(|id| by_id.get(id.as_str()).map(|hash| (id.clone(), *hash as u64)))
                .collect())
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
        self.in_transaction(|tx| {
            let mut seq = lock_embed_feed(tx)?;
            let key_of = tx.prepare("SELECT paper_key FROM papers WHERE id = $1")?;
            let upsert = tx.prepare(
                "INSERT INTO embeddings (paper_key, model, text_hash, vector, embed_seq) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (paper_key) DO UPDATE SET model = excluded.model, text_hash = excluded.text_hash,
                    vector = excluded.vector, embed_seq = excluded.embed_seq",
            )?;
            for row in rows {
                let Some(key) = tx.query_opt(&key_of, &[&row.id.as_str()])? else {
                    return Err(StoreError::Other(format!(
                        "cannot store an embedding for {}: the paper is not in the store",
                        row.id
                    )));
                };
                let key: i64 = key.try_get(0)?;
                tx.execute(
                    &upsert,
                    &[
                        &key,
                        &model,
                        &(row.text_hash as i64),
                        &vector_to_bytes(row.vector),
                        &seq,
                    ],
                )?;
                seq += 1;
            }
            let touch = tx.prepare(
                "UPDATE embeddings SET embed_seq = $1
                 WHERE model = $2 AND paper_key = (SELECT paper_key FROM papers WHERE id = $3)",
            )?;
            for id in touched {
                tx.execute(&touch, &[&seq, &model, &id.as_str()])?;
                seq += 1;
            }
            write_state(tx, cursor_key, Some(&cursor.to_string()))
        })
    }

    fn vectors_since(&self, model: &str, after_seq: i64, limit: usize) -> Result<Vec<StoredVector>, StoreError> {
        self.with_client(|client| vectors(client, "e.vector", model, after_seq, limit))
    }

    fn vector_meta(&self, model: &str) -> Result<Vec<StoredVector>, StoreError> {
        self.with_client(|client| vectors(client, "''::bytea", model, 0, usize::MAX))
    }

    fn vector_of(&self, model: &str, id: &ArxivId) -> Result<Option<Vec<f32>>, StoreError> {
        self.with_client(|client| {
            let row = client.query_opt(
                "SELECT e.vector FROM embeddings e JOIN papers p ON p.paper_key = e.paper_key
                 WHERE p.id = $1 AND e.model = $2",
                &[&id.as_str(), &model],
            )?;
            let Some(row) = row else {
                return Ok(None);
            };
            let bytes: Vec<u8> = row.try_get(0)?;
            vector_from_bytes(&bytes)
                .ok_or_else(|| StoreError::Corrupt {
                    id: id.to_string(),
                    message: "embedding has a partial float".into(),
                })
                .map(Some)
        })
    }

    fn embedding_count(&self, model: &str) -> Result<(u64, i64), StoreError> {
        self.with_client(|client| {
            let row = client.query_one(
                "SELECT COUNT(*), COALESCE(MAX(embed_seq), 0) FROM embeddings WHERE model = $1",
                &[&model],
            )?;
            let count: i64 = row.try_get(0)?;
            Ok((count as u64, row.try_get(1)?))
        })
    }

    fn papers_changed_after(&self, after_seq: i64, at_most: u64) -> Result<u64, StoreError> {
        let at_most = i64::try_from(at_most).unwrap_or(i64::MAX);
        self.with_client(|client| {
            let count: i64 = client
                .query_one(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM papers WHERE change_seq > $1 LIMIT $2) AS pending",
                    &[&after_seq, &at_most],
                )?
                .try_get(0)?;
            Ok(count as u64)
        })
    }
}

/// Embedding rows by `model` after `after_seq`; `vector_column` is the vector or an empty one.
fn vectors(
    client: &mut impl GenericClient,
    vector_column: &str,
    model: &str,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<StoredVector>, StoreError> {
    let sql = format!(
        "SELECT e.embed_seq, e.paper_key, p.id, p.announced, p.published, p.categories::text, {vector_column}
         FROM embeddings e JOIN papers p ON p.paper_key = e.paper_key
         WHERE e.model = $1 AND e.embed_seq > $2 ORDER BY e.embed_seq LIMIT $3"
    );
    client
        .query(&sql, &[&model, &after_seq, &to_bigint(limit)])?
        .iter()
        .map(|row| VectorRow::read(row)?.decode())
        .collect()
}
