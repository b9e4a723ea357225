//! The worker that sends the outbox: woken by requests that queue mail, and by the clock for
//! retries; it runs beside the server for as long as it serves.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use paperboy_digest::{DeliveryReport, Outbox};
use paperboy_store::StoreError;

use super::intents;
use crate::kit::blocking;
use crate::{AppError, AppState};

/// Looked at at least this often, for mail queued by other instances sharing the store.
const POLL: Duration = Duration::from_secs(30);
/// The shortest wait between passes, so that no state of the queue makes the worker spin.
const BREATH: Duration = Duration::from_millis(20);
/// Sent, dropped and failed rows are kept this long (for `/status`), then deleted.
const KEPT_FOR: chrono::TimeDelta = chrono::TimeDelta::days(7);
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Starts the worker on the current runtime, when mail is configured.
pub fn spawn_worker(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
    state.digests.as_ref()?;
    let state = state.clone();
    Some(tokio::spawn(async move {
        let holder = Arc::new(paperboy_store::lease_holder());
        let mut pruned: Option<Instant> = None;
        loop {
            let prune = pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY);
            let wait = match pass(&state, Arc::clone(&holder), prune).await {
                Ok((report, next_due)) => {
                    state.mail.record(&report);
                    if prune {
                        pruned = Some(Instant::now());
                    }
                    next_due.map_or(POLL, |at| (at - Utc::now()).to_std().unwrap_or_default().min(POLL))
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the mail outbox could not be read; trying again shortly");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                () = state.mail.wake.notified() => {}
                () = tokio::time::sleep(wait.max(BREATH)) => {}
            }
        }
    }))
}

/// Sends what is due; returns what it did and when the next mail is due.
async fn pass(
    state: &AppState,
    holder: Arc<String>,
    prune: bool,
) -> Result<(DeliveryReport, Option<chrono::DateTime<Utc>>), AppError> {
    let state = state.clone();
    blocking(move || {
        let site = state
            .digests
            .as_ref()
            .expect("the worker runs only with mail configured");
        let store = state.store.as_ref();
        let outbox = Outbox {
            store,
            sender: site.sender.as_ref(),
            from: &site.settings.from.email,
            policy: site.retry,
            holder: &holder,
        };
        let report = outbox.deliver_due(&|mail| intents::prepare(store, site, mail), None)?;
        if prune {
            store.prune_outbox(Utc::now() - KEPT_FOR)?;
        }
        Ok::<_, StoreError>((report, store.next_mail_due()?))
    })
    .await
}
