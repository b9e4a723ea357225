//! Saved-search digests and their ledger in PostgreSQL (as the SQLite implementation behaves;
//! claims lock their row as the subscribers' ledger does).

use chrono::Utc;

use super::PostgresStore;
use crate::digest::{attempts_count, Claim, Frequency};
use crate::search_digest::{search_digest, SearchDigest, SearchDigestStore, SEARCH_DIGEST_SELECT};
use crate::StoreError;

impl SearchDigestStore for PostgresStore {
    fn set_search_digest(&self, user_id: i64, search_id: i64, digest: Option<Frequency>) -> Result<bool, StoreError> {
        let digest = digest.map(Frequency::as_str);
        self.with_client(|client| {
            Ok(client.execute(
                "UPDATE saved_searches SET digest = $3 WHERE id = $1 AND user_id = $2",
                &[&search_id, &user_id, &digest],
            )? > 0)
        })
    }

    fn stop_search_digest(&self, search_id: i64) -> Result<bool, StoreError> {
        self.with_client(|client| {
            Ok(client.execute("UPDATE saved_searches SET digest = NULL WHERE id = $1", &[&search_id])? > 0)
        })
    }

    fn search_digests(&self, frequency: Frequency) -> Result<Vec<SearchDigest>, StoreError> {
        self.with_client(|client| {
            let rows = client.query(
                &format!(
                    "{SEARCH_DIGEST_SELECT}
                     WHERE s.digest = $1 AND u.email_verified AND NOT u.banned ORDER BY s.id"
                ),
                &[&frequency.as_str()],
            )?;
            rows.iter().map(search_digest).collect()
        })
    }

    fn search_digests_done(&self, frequency: Frequency, period: &str) -> Result<Vec<i64>, StoreError> {
        self.with_client(|client| {
            let rows = client.query(
                "SELECT search_id FROM search_digest_deliveries
                 WHERE frequency = $1 AND period = $2 AND (state = 'sent' OR permanent) ORDER BY search_id",
                &[&frequency.as_str(), &period],
            )?;
            Ok(rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?)
        })
    }

    fn claim_search_delivery(
        &self,
        search_id: i64,
        frequency: Frequency,
        period: &str,
        message_id: &str,
    ) -> Result<Claim, StoreError> {
        let now = Utc::now();
        self.in_transaction(|tx| {
            let inserted = tx.execute(
                "INSERT INTO search_digest_deliveries
                 (search_id, frequency, period, state, attempts, message_id, updated_at)
                 VALUES ($1, $2, $3, 'pending', 1, $4, $5)
                 ON CONFLICT (search_id, frequency, period) DO NOTHING",
                &[&search_id, &frequency.as_str(), &period, &message_id, &now],
            )?;
            if inserted > 0 {
                return Ok(Claim::Claimed { attempts: 1 });
            }
            let found = tx.query_opt(
                "SELECT state, permanent, attempts FROM search_digest_deliveries
                 WHERE search_id = $1 AND frequency = $2 AND period = $3
                 FOR UPDATE",
                &[&search_id, &frequency.as_str(), &period],
            )?;
            let Some(row) = found else {
                return Err(StoreError::Other(format!(
                    "saved search {search_id} was removed while its {} digest for {period} was being claimed",
                    frequency.as_str()
                )));
            };
            let (state, permanent, attempts): (String, bool, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            if state == "sent" {
                return Ok(Claim::AlreadySent);
            }
            if permanent {
                return Ok(Claim::PermanentlyFailed);
            }
            tx.execute(
                "UPDATE search_digest_deliveries SET state = 'pending', attempts = attempts + 1, updated_at = $4
                 WHERE search_id = $1 AND frequency = $2 AND period = $3",
                &[&search_id, &frequency.as_str(), &period, &now],
            )?;
            Ok(Claim::Claimed {
                attempts: attempts_count(attempts + 1, search_id, period)?,
            })
        })
    }

    fn mark_search_sent(&self, search_id: i64, frequency: Frequency, period: &str) -> Result<(), StoreError> {
        self.with_client(|client| {
            client.execute(
                "UPDATE search_digest_deliveries SET state = 'sent', last_error = NULL, updated_at = $4
                 WHERE search_id = $1 AND frequency = $2 AND period = $3",
                &[&search_id, &frequency.as_str(), &period, &Utc::now()],
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
        self.with_client(|client| {
            client.execute(
                "UPDATE search_digest_deliveries SET state = 'failed', permanent = $4, last_error = $5, updated_at = $6
                 WHERE search_id = $1 AND frequency = $2 AND period = $3",
                &[
                    &search_id,
                    &frequency.as_str(),
                    &period,
                    &permanent,
                    &error,
                    &Utc::now(),
                ],
            )?;
            Ok(())
        })
    }
}
