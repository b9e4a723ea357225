//! Politeness towards the sites fetched from, as arXiv's robots policy asks: one connection,
//! at most one request per `delay`, and retries (5xx, 429, honouring `Retry-After`) bounded
//! per request.

use std::cell::Cell;
use std::time::{Duration, Instant};

use paperboy_ingest::harvest::{self, HarvestOptions};

use crate::SyncConfig;

/// The longest `Retry-After` waited out within a run; a longer one fails the day, and the
/// next run tries again.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// One client for one run: requests go out one at a time, `delay` apart.
pub struct Polite {
    agent: ureq::Agent,
    options: HarvestOptions,
    last: Cell<Option<Instant>>,
}

impl Polite {
    pub fn new(config: &SyncConfig) -> Polite {
        Polite {
            agent: paperboy_ingest::source::http_agent(),
            options: HarvestOptions {
                delay: config.delay,
                max_retries: config.max_retries,
                max_retry_after: MAX_RETRY_AFTER,
                ..HarvestOptions::default()
            },
            last: Cell::new(None),
        }
    }

    /// GETs `url` once its turn comes; the body, or why there is none.
    pub fn get(&self, url: &str) -> Result<Vec<u8>, String> {
        if let Some(last) = self.last.get() {
            let wait = self.options.delay.saturating_sub(last.elapsed());
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
        }
        let body = harvest::fetch(&self.agent, url, &self.options).map_err(|e| e.to_string());
        self.last.set(Some(Instant::now()));
        body
    }
}
