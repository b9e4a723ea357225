//! The sync ledger in SQLite.

use chrono::NaiveDate;
use rusqlite::params;

use super::SqliteStore;
use crate::rows::{
    self, COMMON_PRIMARY_CATEGORIES, LAST_SYNCED_DAY, SYNC_DAYS_ORDER, SYNC_DAYS_SELECT, SYNC_SOURCES_SELECT,
};
use crate::sync::{HeldCount, SourceStatus, SyncDay, SyncStore};
use crate::StoreError;

impl SyncStore for SqliteStore {
    fn sync_sources(&self) -> Result<Vec<SourceStatus>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(SYNC_SOURCES_SELECT)?;
            let mut rows = stmt.query([])?;
            let mut all = Vec::new();
            while let Some(row) = rows.next()? {
                all.push(rows::source_status(row)?);
            }
            Ok(all)
        })
    }

    fn save_sync_source(&self, status: &SourceStatus) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO sync_sources (source, last_attempt, last_success, last_error, next_run)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (source) DO UPDATE SET last_attempt = excluded.last_attempt,
                     last_success = excluded.last_success, last_error = excluded.last_error,
                     next_run = excluded.next_run",
                params![
                    status.source,
                    status.last_attempt,
                    status.last_success,
                    status.last_error,
                    status.next_run
                ],
            )?;
            Ok(())
        })
    }

    fn sync_days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<SyncDay>, StoreError> {
        self.read(|conn| {
            let sql = format!("{SYNC_DAYS_SELECT} WHERE day BETWEEN ?1 AND ?2{SYNC_DAYS_ORDER}");
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query(params![from, to])?;
            let mut all = Vec::new();
            while let Some(row) = rows.next()? {
                all.push(rows::sync_day(row)?);
            }
            Ok(all)
        })
    }

    fn save_sync_days(&self, days: &[SyncDay]) -> Result<(), StoreError> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            {
                let mut stmt = tx.prepare(
                    "INSERT INTO sync_days (source, day, category, new_count, cross_count, replace_count,
                                            replace_cross_count, fetched_at, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (source, day, category) DO UPDATE SET new_count = excluded.new_count,
                         cross_count = excluded.cross_count, replace_count = excluded.replace_count,
                         replace_cross_count = excluded.replace_cross_count,
                         fetched_at = excluded.fetched_at, state = excluded.state",
                )?;
                for d in days {
                    stmt.execute(params![
                        d.source,
                        d.day,
                        d.category,
                        rows::sql_count(d.counts.new),
                        rows::sql_count(d.counts.cross),
                        rows::sql_count(d.counts.replace),
                        rows::sql_count(d.counts.replace_cross),
                        d.fetched_at,
                        d.state.as_str()
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn last_synced_day(&self, source: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.read(|conn| Ok(conn.query_row(&format!("{LAST_SYNCED_DAY}?1"), [source], |r| r.get(0))?))
    }

    fn held_counts(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<HeldCount>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT p.announced, c.value, COUNT(*) FROM papers p, json_each(p.categories) c
                  WHERE p.announced BETWEEN ?1 AND ?2 GROUP BY p.announced, c.value
                 UNION ALL
                 SELECT day, '', COUNT(*) FROM daily_entries WHERE day BETWEEN ?1 AND ?2 GROUP BY day",
            )?;
            let found = stmt
                .query_map(params![from, to], |r| {
                    Ok(HeldCount {
                        day: r.get(0)?,
                        category: r.get(1)?,
                        papers: r.get::<_, i64>(2)?.max(0) as u64,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(found)
        })
    }

    fn common_primary_categories(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!("{COMMON_PRIMARY_CATEGORIES}?1"))?;
            let found = stmt
                .query_map([rows::sql_limit(limit)], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(found)
        })
    }
}
