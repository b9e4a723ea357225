//! Saved-search digests and their ledger in SQLite (the subscribers' ledger, keyed by search).

use chrono::Utc;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::{collect, SqliteStore};
use crate::digest::{Claim, Frequency};
use crate::search_digest::{search_digest, SearchDigest, SearchDigestStore, SEARCH_DIGEST_SELECT};
use crate::StoreError;

impl SearchDigestStore for SqliteStore {
    fn set_search_digest(&self, user_id: i64, search_id: i64, digest: Option<Frequency>) -> Result<bool, StoreError> {
        self.write(|conn| {
            Ok(conn
                .prepare_cached("UPDATE saved_searches SET digest = ?3 WHERE id = ?1 AND user_id = ?2")?
                .execute(params![search_id, user_id, digest.map(Frequency::as_str)])?
                > 0)
        })
    }

    fn stop_search_digest(&self, search_id: i64) -> Result<bool, StoreError> {
        self.write(|conn| {
            Ok(conn
                .prepare_cached("UPDATE saved_searches SET digest = NULL WHERE id = ?1")?
                .execute([search_id])?
                > 0)
        })
    }

    fn search_digests(&self, frequency: Frequency) -> Result<Vec<SearchDigest>, StoreError> {
        self.read(|conn| {
            collect(
                conn,
                &format!(
                    "{SEARCH_DIGEST_SELECT}
                     WHERE s.digest = ?1 AND u.email_verified = 1 AND u.banned = 0 ORDER BY s.id"
                ),
                [frequency.as_str()],
                |r| search_digest(r),
            )
        })
    }

    fn search_digests_done(&self, frequency: Frequency, period: &str) -> Result<Vec<i64>, StoreError> {
        self.read(|conn| {
            collect(
                conn,
                "SELECT search_id FROM search_digest_deliveries
                 WHERE frequency = ?1 AND period = ?2 AND (state = 'sent' OR permanent = 1) ORDER BY search_id",
                params![frequency.as_str(), period],
                |r| Ok(r.get(0)?),
            )
        })
    }

    fn claim_search_delivery(
        &self,
        search_id: i64,
        frequency: Frequency,
        period: &str,
        message_id: &str,
    ) -> Result<Claim, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let found: Option<(String, bool, u32)> = tx
                .query_row(
                    "SELECT state, permanent, attempts FROM search_digest_deliveries
                     WHERE search_id = ?1 AND frequency = ?2 AND period = ?3",
                    params![search_id, frequency.as_str(), period],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let claim = match found {
                Some((state, _, _)) if state == "sent" => Claim::AlreadySent,
                Some((_, true, _)) => Claim::PermanentlyFailed,
                Some((_, false, attempts)) => {
                    tx.execute(
                        "UPDATE search_digest_deliveries SET state = 'pending', attempts = attempts + 1, updated_at = ?4
                         WHERE search_id = ?1 AND frequency = ?2 AND period = ?3",
                        params![search_id, frequency.as_str(), period, Utc::now()],
                    )?;
                    Claim::Claimed { attempts: attempts + 1 }
                }
                None => {
                    tx.execute(
                        "INSERT INTO search_digest_deliveries
                         (search_id, frequency, period, state, attempts, message_id, updated_at)
                         VALUES (?1, ?2, ?3, 'pending', 1, ?4, ?5)",
                        params![search_id, frequency.as_str(), period, message_id, Utc::now()],
                    )?;
                    Claim::Claimed { attempts: 1 }
                }
            };
            tx.commit()?;
            Ok(claim)
        })
    }

    fn mark_search_sent(&self, search_id: i64, frequency: Frequency, period: &str) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "UPDATE search_digest_deliveries SET state = 'sent', last_error = NULL, updated_at = ?4
                 WHERE search_id = ?1 AND frequency = ?2 AND period = ?3",
                params![search_id, frequency.as_str(), period, Utc::now()],
            )?;
            Ok(())
        })
    }

    fn mark_search_failed(
        &self,
        search_id: i64,
        frequency: Frequency,
        period: &str,
        error: &str,
        permanent: bool,
    ) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "UPDATE search_digest_deliveries SET state = 'failed', permanent = ?4, last_error = ?5, updated_at = ?6
                 WHERE search_id = ?1 AND frequency = ?2 AND period = ?3",
                params![search_id, frequency.as_str(), period, permanent, error, Utc::now()],
            )?;
            Ok(())
        })
    }
}
