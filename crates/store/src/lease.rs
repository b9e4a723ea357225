//! Named leases: one process at a time does a job (a period's digests, embedding new papers)
//! among several that could. A lease has an expiry, so a holder that dies loses it.

/// Storage for leases. Implemented by every store backend.
pub trait LeaseStore: Send + Sync {
    /// Takes the lease `name` for `holder` until `ttl` from now, or renews it when `holder`
    /// has it already. False while another holder's lease runs. A holder that dies loses the
    /// lease when it expires. (Digest runs take one per frequency and period, so that two
    /// instances never send the same period's mail at once; `serve` takes one per embedding
    /// model, so that one instance embeds new papers.)
    fn acquire_lease(&self, name: &str, holder: &str, ttl: std::time::Duration) -> Result<bool, crate::StoreError>;

    /// Gives the lease up, if `holder` has it.
    fn release_lease(&self, name: &str, holder: &str) -> Result<(), crate::StoreError>;
}

/// Names this process as a lease holder: host, process and a random part (a restarted process
/// with a reused pid is still someone else).
pub fn lease_holder() -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let mut random = [0u8; 6];
    let _ = getrandom::fill(&mut random);
    let random: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}:{}:{random}", host.trim(), std::process::id())
}
