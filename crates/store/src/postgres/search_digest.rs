//! Saved-search digests and their ledger in PostgreSQL (as the SQLite implementation behaves;
//! claims lock their row as the subscribers' ledger does).

use super::{digest, PostgresStore};
use crate::digest::{Claim, Frequency, Ledger};
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
        self.in_transaction(|tx| digest::claim_row(tx, Ledger::SavedSearches, search_id, frequency, period, message_id))
    }

    fn mark_search_sent(&self, search_id: i64, frequency: Frequency, period: &str) -> Result<(), StoreError> {
        self.with_client(|client| digest::mark_row_sent(client, Ledger::SavedSearches, search_id, frequency, period))
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
            digest::mark_row_failed(
                client,
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
