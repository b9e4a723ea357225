//! The sync ledger in PostgreSQL.

use chrono::NaiveDate;

use super::PostgresStore;
use crate::rows::{
    self, COMMON_PRIMARY_CATEGORIES, LAST_SYNCED_DAY, SYNC_DAYS_ORDER, SYNC_DAYS_SELECT, SYNC_SOURCES_SELECT,
};
use crate::sync::{HeldCount, SourceStatus, SyncDay, SyncStore};
use crate::StoreError;

impl SyncStore for PostgresStore {
    fn sync_sources(&self) -> Result<Vec<SourceStatus>, StoreError> {
        self.with_client(|client| {
            client
                .query(SYNC_SOURCES_SELECT, &[])?
                .iter()
                .map(rows::source_status)
                .collect()
        })
    }

    fn save_sync_source(&self, status: &SourceStatus) -> Result<(), StoreError> {
        self.with_client(|client| {
            client.execute(
                "INSERT INTO sync_sources (source, last_attempt, last_success, last_error, next_run)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (source) DO UPDATE SET last_attempt = excluded.last_attempt,
                     last_success = excluded.last_success, last_error = excluded.last_error,
                     next_run = excluded.next_run",
                &[
                    &status.source,
                    &status.last_attempt,
                    &status.last_success,
                    &status.last_error,
                    &status.next_run,
                ],
            )?;
            Ok(())
        })
    }

    fn sync_days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<SyncDay>, StoreError> {
        self.with_client(|client| {
            let sql = format!("{SYNC_DAYS_SELECT} WHERE day BETWEEN $1 AND $2{SYNC_DAYS_ORDER}");
            client.query(&sql, &[&from, &to])?.iter().map(rows::sync_day).collect()
        })
    }

    fn save_sync_days(&self, days: &[SyncDay]) -> Result<(), StoreError> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let stmt = tx.prepare(
                "INSERT INTO sync_days (source, day, category, new_count, cross_count, replace_count,
                                        replace_cross_count, fetched_at, state)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (source, day, category) DO UPDATE SET new_count = excluded.new_count,
                     cross_count = excluded.cross_count, replace_count = excluded.replace_count,
                     replace_cross_count = excluded.replace_cross_count,
                     fetched_at = excluded.fetched_at, state = excluded.state",
            )?;
            for d in days {
                tx.execute(
                    &stmt,
                    &[
                        &d.source,
                        &d.day,
                        &d.category,
                        &rows::sql_count(d.counts.new),
                        &rows::sql_count(d.counts.cross),
                        &rows::sql_count(d.counts.replace),
                        &rows::sql_count(d.counts.replace_cross),
                        &d.fetched_at,
                        &d.state.as_str(),
                    ],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn last_synced_day(&self, source: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.with_client(|client| Ok(client.query_one(&format!("{LAST_SYNCED_DAY}$1"), &[&source])?.get(0)))
    }

    fn held_counts(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<HeldCount>, StoreError> {
        self.with_client(|client| {
            let rows = client.query(
                "SELECT announced, c, COUNT(*) FROM papers, jsonb_array_elements_text(categories) c
                  WHERE announced BETWEEN $1 AND $2 GROUP BY announced, c
                 UNION ALL
                 SELECT day, '', COUNT(*) FROM daily_entries WHERE day BETWEEN $1 AND $2 GROUP BY day",
                &[&from, &to],
            )?;
            Ok(rows
                .iter()
                .map(|r| HeldCount {
                    day: r.get(0),
                    category: r.get(1),
                    papers: r.get::<_, i64>(2).max(0) as u64,
                })
                .collect())
        })
    }

    fn common_primary_categories(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        self.with_client(|client| {
            let rows = client.query(&format!("{COMMON_PRIMARY_CATEGORIES}$1"), &[&rows::sql_limit(limit)])?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }
}
