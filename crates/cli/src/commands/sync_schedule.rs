//! `serve` keeps the store current by itself: a background thread looks every
//! `[sources] check_seconds` for sources whose next run has come (`Syncer::run_due`) and runs
//! them. Instances sharing a database take turns by a lease, so a day is fetched once; the
//! others see the papers through the store (their index followers pick them up).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use paperboy_store::Backend;
use paperboy_sync::Syncer;
use paperboy_web::SyncActivity;

use crate::config::Config;

/// The lease's name: one fetching instance at a time, for every source.
const LEASE: &str = "sync";
/// How long a claim lasts: longer than a run (a backfill of a week at one request per 3 s
/// takes well under a minute); a dead holder's claim lapses after it.
const LEASE_TTL: Duration = Duration::from_secs(600);

/// The sources switched on, by name, for `/status`.
pub fn enabled_sources(config: &Config) -> Vec<String> {
    let sync = &config.sync;
    if !sync.enabled {
        return Vec::new();
    }
    let mut sources = vec!["arxiv".to_string()];
    if sync.huggingface.enabled {
        sources.push("huggingface".to_string());
    }
    sources
}

/// Starts the schedule thread (nothing when every source is off).
pub fn spawn(config: &Config, store: Arc<dyn Backend>, activity: Arc<SyncActivity>) {
    if !config.sync.enabled {
        tracing::info!("the sources are off ([sources] enabled = false or PAPERBOY_SYNC=0): nothing is fetched");
        return;
    }
    let (sync, every) = (config.sync.clone(), config.sync_check);
    let holder = paperboy_store::lease_holder();
    let spawned = std::thread::Builder::new()
        .name("sync-schedule".into())
        .spawn(move || loop {
            match store.acquire_lease(LEASE, &holder, LEASE_TTL) {
                Ok(true) => {
                    let syncer = Syncer {
                        papers: store.as_ref(),
                        ledger: store.as_ref(),
                        config: &sync,
                        progress: &paperboy_domain::NoProgress,
                    };
                    match syncer.run_due(Utc::now()) {
                        Ok(reports) => {
                            for report in &reports {
                                activity.record_run(report.fetched, report.complete());
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "the sources could not run; trying again at the next check")
                        }
                    }
                    if let Err(e) = store.release_lease(LEASE, &holder) {
                        tracing::warn!(error = %e, "could not give the sync lease up; it lapses by itself");
                    }
                }
                Ok(false) => tracing::debug!("another instance is fetching"),
                Err(e) => {
                    tracing::warn!(error = %e, "could not ask for the sync lease; trying again at the next check")
                }
            }
            activity.record_check();
            std::thread::sleep(every);
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the sources' schedule; run `paperboy sync` from cron instead");
    }
}
