//! Background embedding gives the CPU to everything else first. A search needs more than its
//! query's embedding (HTTP, the keyword half on a second thread, rendering), and the query gate
//! only keeps new bulk batches from starting; the batches already running would still take an
//! equal share of the cores from all of it. So bulk batches run on threads a few nice steps
//! below their caller: the kernel hands a core to anything at normal priority the moment it
//! wants one, and the background keeps whatever is left (all of it, on an idle server).

/// Nice steps bulk threads run below their caller (see [`crate::Tuning::bulk_nice`]).
pub const BULK_NICE: i32 = 10;

/// Lowers the calling thread's CPU priority by `steps` nice levels, up to the lowest (19).
/// Linux sets nice per thread; elsewhere, or when the kernel refuses, nothing changes: the
/// work only runs at the caller's priority, so a failure is not worth an error.
pub(crate) fn lower_this_thread(steps: i32) {
    if steps <= 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let thread = Some(rustix::thread::gettid());
        let lowered = getpriority_process(thread)
            .and_then(|nice| setpriority_process(thread, nice.saturating_add(steps).min(19)));
        if let Err(error) = lowered {
            tracing::debug!(%error, "could not lower the background embedder's priority");
        }
    }
}
