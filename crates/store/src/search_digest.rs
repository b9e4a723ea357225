//! Saved searches sent as digests of their own: a reader asks for a daily or weekly mail of one
//! saved search's new matches, sent to their account's verified address.
//!
//! Delivery follows the subscribers' ledger (`digest_deliveries`) exactly: per saved search,
//! frequency and period a row is **claimed** (committed) before the SMTP exchange and **marked
//! sent** after it, so a re-run sends what is missing and nothing twice. The rows live in a
//! ledger of their own, `search_digest_deliveries`, keyed by the saved search: a reader's saved
//! search digest and the main digest of the same period never share a row.

use crate::digest::{Claim, Frequency};
use crate::signals::SavedSearch;
use crate::StoreError;

/// A saved search that is a digest, and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDigest {
    pub search: SavedSearch,
    pub frequency: Frequency,
    pub user_id: i64,
    /// The owner's verified address.
    pub email: String,
}

/// Saved-search digests and their ledger. Methods are blocking, like [`crate::PaperStore`]'s.
pub trait SearchDigestStore: Send + Sync {
    /// Sends (`Some`) or stops (`None`) one of the reader's saved searches as a digest. False
    /// when the reader has no saved search with that id (another reader's included).
    fn set_search_digest(&self, user_id: i64, search_id: i64, digest: Option<Frequency>) -> Result<bool, StoreError>;

    /// Stops a saved search's digest, whoever owns it: for the signed one-click unsubscribe
    /// link of its mails, which names the search. False when there is no such search.
    fn stop_search_digest(&self, search_id: i64) -> Result<bool, StoreError>;

    /// The saved searches sent as `frequency` digests whose owners have a verified address and
    /// are not banned, in id order.
    fn search_digests(&self, frequency: Frequency) -> Result<Vec<SearchDigest>, StoreError>;

    /// Saved searches whose `frequency` digest for `period` is sent or refused for good.
    fn search_digests_done(&self, frequency: Frequency, period: &str) -> Result<Vec<i64>, StoreError>;

    /// As [`crate::DigestStore::claim_delivery`], for a saved search's digest.
    fn claim_search_delivery(
        &self,
        search_id: i64,
        frequency: Frequency,
        period: &str,
        message_id: &str,
    ) -> Result<Claim, StoreError>;

    /// Records that the SMTP server accepted the mail.
    fn mark_search_sent(&self, search_id: i64, frequency: Frequency, period: &str) -> Result<(), StoreError>;

    /// Records a failed attempt; a `permanent` one is not retried for this period.
    fn mark_search_failed(
        &self,
        search_id: i64,
        frequency: Frequency,
        period: &str,
        error: &str,
        permanent: bool,
    ) -> Result<(), StoreError>;
}

/// A search digest's columns: the saved search's ([`crate::signals::SAVED_SEARCH_SELECT`]'s,
/// prefixed `s.`), then the owner's id and address.
pub(crate) const SEARCH_DIGEST_SELECT: &str =
    "SELECT s.id, s.name, s.query, s.mode, s.created_at, s.digest, u.id, u.email FROM saved_searches s
     JOIN users u ON u.id = s.user_id";

pub(crate) fn search_digest(row: &impl crate::rows::RowRead) -> Result<SearchDigest, StoreError> {
    let search = crate::signals::saved_search(row)?;
    let frequency = search.digest.ok_or_else(|| StoreError::Corrupt {
        id: format!("saved search {}", search.id),
        message: "listed as a digest without a frequency".into(),
    })?;
    Ok(SearchDigest {
        search,
        frequency,
        user_id: row.column(6)?,
        email: row.column(7)?,
    })
}
