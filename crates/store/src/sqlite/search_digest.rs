//! Saved-search digests and their ledger in SQLite (the subscribers' ledger, keyed by search).

use rusqlite::params;

use super::{collect, digest, SqliteStore};
use crate::digest::{Claim, Frequency, Ledger};
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
        self.write(|conn| digest::claim_row(conn, Ledger::SavedSearches, search_id, frequency, period, message_id))
    }

    fn mark_search_sent(&self, search_id: i64, frequency: Frequency, period: &str) -> Result<(), StoreError> {
        self.write(|conn| digest::mark_row_sent(conn, Ledger::SavedSearches, search_id, frequency, period))
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
            digest::mark_row_failed(
                conn,
                Ledger::SavedSearches,
                search_id,
                frequency,
                period,
                error,
                permanent,
            )
        })
    }
}
