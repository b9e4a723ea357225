//! Named leases on the database's clock (instances' clocks may disagree; the server's is one).

use std::time::Duration;

use postgres::Client;

use super::PostgresStore;
use crate::{LeaseStore, StoreError};

impl LeaseStore for PostgresStore {
    fn acquire_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        self.with_client(|client| acquire(client, name, holder, ttl))
    }

    fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        self.with_client(|client| release(client, name, holder))
    }
}

/// Takes or renews the lease; see [`LeaseStore::acquire_lease`].
pub fn acquire(client: &mut Client, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
    let seconds = ttl.as_secs_f64();
    let taken = client.query_opt(
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at < now()
         RETURNING holder",
        &[&name, &holder, &seconds],
    )?;
    Ok(taken.is_some())
}

pub fn release(client: &mut Client, name: &str, holder: &str) -> Result<(), StoreError> {
    client.execute("DELETE FROM leases WHERE name = $1 AND holder = $2", &[&name, &holder])?;
    Ok(())
}
