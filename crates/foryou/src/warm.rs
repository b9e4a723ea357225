//! Keeping the default window ready, so that no reader waits for it.
//!
//! The first ranking of a new window reads its papers from the store and analyses their words
//! (about a second for 10,000 papers on two cores). Without this, the first reader after each
//! announcement — or after a restart — pays that. A background thread does it instead, once the
//! store has stopped changing for a while (not during an ingest, when the window would be made
//! again and again).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use paperboy_search::{sleep_unless_stopped, Searcher};
use paperboy_store::Backend;

use crate::{Models, Pool};

/// What the window was made from: the day, the store's papers and the vector index.
type Made = (chrono::NaiveDate, i64, Option<i64>);

/// Every `every`, makes the window of `days` announcement days ready in `models` when the store
/// or the vector index has changed since it was last made and stayed the same since the last
/// look (and once at start). Ends when `stop` is set.
pub fn keep_warm(
    store: Arc<dyn Backend>,
    searcher: Arc<Searcher>,
    models: Arc<Models>,
    days: u32,
    every: Duration,
    stop: Arc<AtomicBool>,
) -> Option<JoinHandle<()>> {
    let spawned = std::thread::Builder::new()
        .name("for-you-warm".into())
        .spawn(move || {
            let (mut made, mut last_seen): (Option<Made>, Option<Made>) = (None, None);
            while !stop.load(Ordering::Relaxed) {
                match store.change_seq() {
                    Ok(seq) => {
                        let now = (chrono::Utc::now().date_naive(), seq, searcher.vectors_seq());
                        // The first look, or a state that held for a whole interval.
                        let settled = last_seen.is_none() || last_seen == Some(now);
                        if settled && made != Some(now) {
                            match make(&store, &searcher, &models, now.0, days) {
                                Ok(()) => made = Some(now),
                                Err(e) => tracing::warn!(error = %e, "could not prepare the For you window; a reader's request will"),
                            }
                        }
                        last_seen = Some(now);
                    }
                    Err(e) => tracing::warn!(error = %e, "could not read the store's change sequence"),
                }
                sleep_unless_stopped(every, &stop);
            }
        });
    match spawned {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::warn!(error = %e, "could not start the For you warmer; the first reader of a window will wait for it");
            None
        }
    }
}

fn make(
    store: &Arc<dyn Backend>,
    searcher: &Searcher,
    models: &Models,
    today: chrono::NaiveDate,
    days: u32,
) -> Result<(), crate::ForYouError> {
    let started = Instant::now();
    let pool = Pool::new(searcher, models, models.window(store, today, days)?);
    tracing::debug!(
        papers = pool.papers.len(),
        ms = started.elapsed().as_millis() as u64,
        "For you window ready"
    );
    Ok(())
}
