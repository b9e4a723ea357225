//! Which `serve` instance embeds new papers: a lease in the store, so that instances sharing one
//! database do not all embed the same papers. The others add the vectors it stores.

use std::sync::Arc;
use std::time::{Duration, Instant};

use paperboy_search::EmbedTurn;
use paperboy_store::LeaseStore;

/// How long a claim lasts without renewal. The holder renews it once a third of it has passed
/// (the follower asks every round: 2 s apart, or one embedding round of at most 64 papers), so
/// only a dead instance lets it lapse; the next instance then takes over within this time and
/// [`ASK_AGAIN`].
const LEASE: Duration = Duration::from_secs(60);

/// How often an instance that does not hold the lease asks for it again (each ask is a write).
const ASK_AGAIN: Duration = Duration::from_secs(10);

pub struct EmbedLease {
    store: Arc<dyn LeaseStore>,
    name: String,
    holder: String,
    /// Whether the last round was ours, to log changes of hands once rather than every round.
    held: Option<bool>,
    /// When this process last took or renewed the lease: a holder asks the store again only
    /// when a third of the lease has passed, rather than writing every round.
    renewed: Option<Instant>,
    /// When this process last found the lease held by another.
    refused: Option<Instant>,
}

impl EmbedLease {
    /// The lease on embedding with `model_id` (one per model: instances with different models
    /// embed independently).
    pub fn new(store: Arc<dyn LeaseStore>, model_id: &str) -> EmbedLease {
        EmbedLease {
            store,
            name: format!("embed:{model_id}"),
            holder: paperboy_store::lease_holder(),
            held: None,
            renewed: None,
            refused: None,
        }
    }
}

impl EmbedTurn for EmbedLease {
    fn take(&mut self) -> bool {
        if self.renewed.is_some_and(|at| at.elapsed() < LEASE / 3) {
            return true;
        }
        if self.refused.is_some_and(|at| at.elapsed() < ASK_AGAIN) {
            return false;
        }
        let ours = match self.store.acquire_lease(&self.name, &self.holder, LEASE) {
            Ok(ours) => ours,
            Err(e) => {
                // Embedding twice wastes work but loses nothing; not embedding would stall search.
                tracing::warn!(error = %e, lease = %self.name, "could not check the embedding lease; embedding anyway");
                true
            }
        };
        if self.held != Some(ours) {
            if ours {
                tracing::info!(lease = %self.name, "this instance embeds new papers");
            } else {
                tracing::info!(lease = %self.name, "another instance embeds new papers; following its vectors");
            }
            self.held = Some(ours);
        }
        self.renewed = ours.then(Instant::now);
        self.refused = (!ours).then(Instant::now);
        ours
    }

    fn give_up(&mut self) {
        if self.held == Some(true) {
            if let Err(e) = self.store.release_lease(&self.name, &self.holder) {
                tracing::warn!(error = %e, lease = %self.name, "could not release the embedding lease; it lapses in a minute");
            }
        }
    }
}
