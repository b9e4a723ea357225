//! [`RateLimitStore`] for PostgreSQL: one row per bucket, its window restarting in place.

use std::time::Duration;

use super::PostgresStore;
use crate::rate_limit::RateLimitStore;
use crate::StoreError;

/// Buckets whose window ended longer ago than this are swept, now and then.
const SWEEP_AFTER_SECONDS: f64 = 86_400.0;

impl RateLimitStore for PostgresStore {
    fn count_event(&self, bucket: &str, window: Duration) -> Result<(u32, Duration), StoreError> {
        let seconds = window.as_secs_f64().max(0.001);
        self.with_client(|client| {
            // The window is aligned on the epoch, so every instance computes the same one.
            let row = client.query_one(
                "WITH w AS (
                     SELECT to_timestamp(floor(extract(epoch FROM now())::float8 / $2::float8) * $2::float8) AS start
                 )
                 INSERT INTO rate_limits (bucket, window_start, count)
                 SELECT $1, w.start, 1 FROM w
                 ON CONFLICT (bucket) DO UPDATE SET
                     count = CASE WHEN rate_limits.window_start = excluded.window_start
                                  THEN rate_limits.count + 1 ELSE 1 END,
                     window_start = excluded.window_start
                 RETURNING count,
                           extract(epoch FROM (rate_limits.window_start + make_interval(secs => $2::float8) - now()))::float8",
                &[&bucket, &seconds],
            )?;
            let count: i64 = row.get(0);
            let left: f64 = row.get(1);
            // About one call in a thousand clears out long-dead buckets.
            if rand_u16() < 64 {
                client.execute(
                    "DELETE FROM rate_limits WHERE window_start < now() - make_interval(secs => $1)",
                    &[&SWEEP_AFTER_SECONDS],
                )?;
            }
            Ok((
                u32::try_from(count).unwrap_or(u32::MAX),
                Duration::from_secs_f64(left.max(0.0)),
            ))
        })
    }

    fn peek_count(&self, bucket: &str, window: Duration) -> Result<(u32, Duration), StoreError> {
        let seconds = window.as_secs_f64().max(0.001);
        self.with_client(|client| {
            // The same epoch-aligned window as `count_event`; a row from an earlier one is none.
            let row = client.query_one(
                "WITH w AS (
                     SELECT to_timestamp(floor(extract(epoch FROM now())::float8 / $2::float8) * $2::float8) AS start
                 )
                 SELECT coalesce((SELECT count FROM rate_limits, w
                                  WHERE bucket = $1 AND window_start = w.start), 0)::int8,
                        extract(epoch FROM (w.start + make_interval(secs => $2::float8) - now()))::float8
                 FROM w",
                &[&bucket, &seconds],
            )?;
            let count: i64 = row.get(0);
            let left: f64 = row.get(1);
            Ok((
                u32::try_from(count).unwrap_or(u32::MAX),
                Duration::from_secs_f64(left.max(0.0)),
            ))
        })
    }
}

/// A cheap non-cryptographic draw (the sweep only needs to happen sometimes).
fn rand_u16() -> u16 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (nanos ^ (nanos >> 16)) as u16
}
