//! Rate-limit counters shared by every instance on one database (PostgreSQL). The embedded
//! store has one process, which counts in memory instead (`paperboy_accounts::RateLimiter`).

use std::time::Duration;

use crate::StoreError;

pub trait RateLimitStore: Send + Sync {
    /// Counts one event in `bucket` ("sign_in:203.0.113.9") in the fixed window of length
    /// `window` that holds the current time (the database's clock, one for all instances).
    /// Returns the events counted in this window so far, this one included, and how long
    /// the window has left.
    fn count_event(&self, bucket: &str, window: Duration) -> Result<(u32, Duration), StoreError>;

    /// The events in `bucket` in the current window of length `window`, and how long it has
    /// left, adding nothing: a sign-in reads an account's failures this way, so that only
    /// failures (counted with [`RateLimitStore::count_event`]) fill the account's bucket.
    /// A bucket never counted, or whose window has ended, reads as none.
    fn peek_count(&self, bucket: &str, window: Duration) -> Result<(u32, Duration), StoreError>;
}
