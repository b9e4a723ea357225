//! `serve` runs the digest schedule itself: a background thread wakes each minute (the first
//! time a minute after the start) and runs the due digests. The delivery ledger makes that
//! idempotent, also alongside a cron job running `paperboy digest run`.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use paperboy_digest::{Digests, Retry};
use paperboy_search::Searcher;
use paperboy_store::{Backend, Frequency};
use paperboy_web::DigestSite;

use super::digest::{mail_settings, secret, smtp_sender};
use crate::config::Config;

/// The subscription pages' wiring, when an SMTP server is configured.
pub fn digest_site(config: &Config, store: Arc<dyn Backend>) -> anyhow::Result<Option<DigestSite>> {
    if config.mail.smtp_url.is_none() {
        tracing::info!("email digests are off (no PAPERBOY_SMTP_URL)");
        return Ok(None);
    }
    let secret = secret(config, store.as_ref())?;
    Ok(Some(DigestSite {
        subscribers: store,
        settings: mail_settings(config)?,
        secret,
        sender: smtp_sender(config)?,
        schedule: config.mail.schedule,
        retry: config.mail.retry,
        schedule_checks: Arc::default(),
    }))
}

/// Starts the scheduler thread.
pub fn spawn(config: &Config, store: Arc<dyn Backend>, searcher: Arc<Searcher>, site: &DigestSite) {
    let settings = site.settings.clone();
    let secret = site.secret.clone();
    let sender = Arc::clone(&site.sender);
    let schedule = site.schedule;
    let every = config.mail.digest_check;
    let checks = Arc::clone(&site.schedule_checks);
    let spawned = std::thread::Builder::new()
        .name("digest-scheduler".into())
        .spawn(move || {
            // Per frequency, the period and outstanding subscribers last handled: when nothing
            // changed (everyone left has an empty digest), the period's content is not recomputed.
            let mut handled: HashMap<Frequency, (String, Vec<i64>)> = HashMap::new();
            let mut handled_searches: HashMap<Frequency, (String, Vec<i64>)> = HashMap::new();
            loop {
                // First a pause, then a pass: a server just started (or restarted) sends what is
                // due within one check interval, and one started for a few requests (a test, a
                // second instance behind a load balancer) does not race them with a digest.
                std::thread::sleep(every);
                let digests = Digests {
                    papers: store.as_ref(),
                    subscribers: store.as_ref(),
                    searcher: searcher.as_ref(),
                    settings: &settings,
                    secret: &secret,
                    schedule,
                    readers: store.as_ref(),
                };
                let now = Utc::now();
                for frequency in [Frequency::Daily, Frequency::Weekly] {
                    let period = schedule.latest_period(frequency, now);
                    // Saved searches sent as digests of their own, by the same rule.
                    match digests.outstanding_searches(frequency, &period) {
                        Ok((_, outstanding)) if !outstanding.is_empty() => {
                            let state = (period.key(), outstanding.iter().map(|d| d.search.id).collect::<Vec<_>>());
                            if handled_searches.get(&frequency) != Some(&state) {
                                match digests.run_searches(frequency, now, Some(sender.as_ref()), Retry::default()) {
                                    Ok(report) => {
                                        tracing::info!(frequency = frequency.as_str(), period = %report.period, sent = report.sent,
                                        deferred = report.deferred, empty = report.empty, "saved-search digests run");
                                        if report.deferred == 0 && !report.held_elsewhere {
                                            handled_searches.insert(frequency, state);
                                        }
                                    }
                                    Err(e) => tracing::warn!(error = %e, "saved-search digest run failed; retrying next minute"),
                                }
                            }
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "digest schedule: cannot read saved-search digests"),
                    }
                    let outstanding = match digests.outstanding(frequency, &period) {
                        Ok((_, outstanding, _, _)) => outstanding.iter().map(|s| s.id).collect::<Vec<_>>(),
                        Err(e) => {
                            tracing::warn!(error = %e, "digest schedule: cannot read subscribers");
                            continue;
                        }
                    };
                    let state = (period.key(), outstanding);
                    if state.1.is_empty() || handled.get(&frequency) == Some(&state) {
                        continue;
                    }
                    match digests.run(frequency, now, Some(sender.as_ref()), Retry::default()) {
                        Ok(report) => {
                            tracing::info!(frequency = frequency.as_str(), period = %report.period, sent = report.sent,
                            deferred = report.deferred, bounced = report.bounced, empty = report.empty, "digests run");
                            if report.deferred == 0 && !report.held_elsewhere {
                                handled.insert(frequency, state);
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "digest run failed; retrying next minute"),
                    }
                }
                checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the digest scheduler; use `paperboy digest run` from cron");
    }
}
