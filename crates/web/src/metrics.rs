//! `/metrics` in Prometheus' text format: requests by route and status, a latency histogram per
//! route, and the sizes of the store and the search index. The format is a few lines of text,
//! so it is written here rather than pulled in with a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use tracing::Instrument;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::PageError;
use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Request counters, shared by every request (one short lock per request).
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Counters>,
}

#[derive(Default)]
struct Counters {
    /// (route, status) → requests.
    requests: BTreeMap<(String, u16), u64>,
    /// route → latency histogram.
    latency: BTreeMap<String, Histogram>,
}

#[derive(Default)]
struct Histogram {
    /// Requests at or under each bound of [`BUCKETS`] (not cumulative; summed when written).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    fn record(&self, route: String, status: u16, seconds: f64) {
        let mut counters = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *counters.requests.entry((route.clone(), status)).or_default() += 1;
        let histogram = counters.latency.entry(route).or_default();
        if let Some(i) = BUCKETS.iter().position(|&bound| seconds <= bound) {
            histogram.buckets[i] += 1;
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    fn write(&self, out: &mut String) {
        let counters = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP paperboy_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE paperboy_http_requests_total counter\n");
        for ((route, status), n) in &counters.requests {
            let _ = writeln!(
                out,
                "paperboy_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                label(route)
            );
        }
        out.push_str("# HELP paperboy_http_request_duration_seconds Time to answer a request, by route.\n");
        out.push_str("# TYPE paperboy_http_request_duration_seconds histogram\n");
        for (route, h) in &counters.latency {
            let route = label(route);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "paperboy_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "paperboy_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "paperboy_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "paperboy_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
    }
}

/// Middleware: times every request and counts it under its route pattern (`/papers/{*id}`, not
/// the path, so that the number of series stays bounded); unknown paths count as `unmatched`.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    // Every log line of a request (and of its blocking work, see `kit::blocking`) carries this.
    let span = tracing::info_span!("request", method = %request.method(), route = %route);
    let started = Instant::now();
    let response = next.run(request).instrument(span).await;
    state
        .metrics
        .record(route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
pub async fn show(State(state): State<AppState>) -> Result<Response, PageError> {
    let searcher = std::sync::Arc::clone(&state.searcher);
    let activity = state.sync.clone();
    let (stats, indexed, indexed_seq, sync) = state
        .with_store(move |s| {
            let indexed_seq = searcher.lexical.indexed_seq().unwrap_or(-1);
            let sync = crate::sync_status::compute(s, activity.as_deref(), chrono::Utc::now())?;
            Ok((s.stats()?, searcher.lexical.len(), indexed_seq, sync))
        })
        .await?;
    let mail = crate::outbox::MailStatus::read(&state).await?;
    let mut out = String::new();
    state.metrics.write(&mut out);
    write_sync(&mut out, &sync, state.sync.as_deref());
    write_mail(&mut out, &mail, &state.mail);
    write_digest_ledgers(&mut out, &mail.digests);
    if let Some(site) = &state.digests {
        out.push_str(
            "# HELP paperboy_digest_schedule_checks_total Times this process's digest scheduler looked for due digests.\n",
        );
        out.push_str("# TYPE paperboy_digest_schedule_checks_total counter\n");
        let checks = site.schedule_checks.load(std::sync::atomic::Ordering::Relaxed);
        let _ = writeln!(out, "paperboy_digest_schedule_checks_total {checks}");
    }
    for (name, help, value) in [
        ("paperboy_papers", "Papers in the store.", stats.papers as i64),
        (
            "paperboy_daily_days",
            "Days that have a daily list.",
            stats.daily_days as i64,
        ),
        (
            "paperboy_daily_entries",
            "Entries on all daily lists.",
            stats.daily_entries as i64,
        ),
        (
            "paperboy_store_change_seq",
            "The store's highest change sequence number.",
            stats.change_seq,
        ),
        (
            "paperboy_search_documents",
            "Papers in the keyword index.",
            indexed as i64,
        ),
        (
            "paperboy_search_indexed_seq",
            "The store change the keyword index has caught up to.",
            indexed_seq,
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
    }
    for (name, help, value) in [
        (
            "paperboy_page_cache_hits_total",
            "Pages served from the page cache.",
            state.pages.hits.load(std::sync::atomic::Ordering::Relaxed),
        ),
        (
            "paperboy_page_cache_misses_total",
            "Cacheable pages rendered afresh.",
            state.pages.misses.load(std::sync::atomic::Ordering::Relaxed),
        ),
        (
            "paperboy_search_cache_hits_total",
            "Search result pages served from their cache.",
            state.searches.hits.load(std::sync::atomic::Ordering::Relaxed),
        ),
        (
            "paperboy_search_cache_misses_total",
            "Search result pages rendered afresh.",
            state.searches.misses.load(std::sync::atomic::Ordering::Relaxed),
        ),
        (
            "paperboy_for_you_windows_analysed_total",
            "For you windows whose papers' words were analysed (once per window, ahead of readers when possible).",
            state.for_you.windows_analysed(),
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        out,
    )
        .into_response())
}

/// `paperboy_mail_*`: the outbox (shared by instances on one database) and what this
/// process's worker did.
fn write_mail(out: &mut String, counts: &crate::outbox::MailStatus, activity: &crate::outbox::MailActivity) {
    use std::sync::atomic::Ordering::Relaxed;
    let oldest = counts.oldest_queued_seconds.unwrap_or(0);
    for (name, help, value) in [
        (
            "paperboy_mail_queued",
            "Mails waiting in the outbox.",
            counts.queued as i64,
        ),
        (
            "paperboy_mail_retrying",
            "Queued mails that failed at least once.",
            counts.retrying as i64,
        ),
        (
            "paperboy_mail_failed",
            "Mails refused for good or given up on, kept a week.",
            counts.failed as i64,
        ),
        (
            "paperboy_mail_oldest_queued_seconds",
            "How long the oldest queued mail has waited (0: none queued).",
            oldest,
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
    }
    for (name, help, value) in [
        (
            "paperboy_mail_sent_total",
            "Mails this process sent from the outbox.",
            activity.sent.load(Relaxed),
        ),
        (
            "paperboy_mail_failed_attempts_total",
            "Attempts at sending that failed in this process (each retry counts).",
            activity.failed_attempts.load(Relaxed),
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
    }
}

/// `paperboy_digest_deliveries{frequency,state}`: the current periods' digest ledgers.
fn write_digest_ledgers(out: &mut String, ledgers: &[crate::outbox::DigestLedger]) {
    if ledgers.is_empty() {
        return;
    }
    out.push_str("# HELP paperboy_digest_deliveries The current digest periods' ledgers, by state.\n");
    out.push_str("# TYPE paperboy_digest_deliveries gauge\n");
    for ledger in ledgers {
        for (state, n) in [
            ("sent", ledger.sent),
            ("retrying", ledger.retrying),
            ("refused", ledger.refused),
        ] {
            let _ = writeln!(
                out,
                "paperboy_digest_deliveries{{frequency=\"{}\",state=\"{state}\"}} {n}",
                ledger.frequency
            );
        }
    }
}

/// `paperboy_sync_*`: per source, the last success and attempt (Unix seconds, 0 for never)
/// and the days missing; this process's runs, failed runs and records fetched.
fn write_sync(out: &mut String, status: &crate::sync_status::SyncStatus, activity: Option<&crate::SyncActivity>) {
    let seconds = |at: Option<chrono::DateTime<chrono::Utc>>| at.map_or(0, |t| t.timestamp());
    for (name, help, value) in [
        (
            "paperboy_sync_last_success_timestamp_seconds",
            "When the source last completed every day it set out to fetch (0: never).",
            &(|s: &crate::sync_status::SourceView| seconds(s.last_success)) as &dyn Fn(&_) -> i64,
        ),
        (
            "paperboy_sync_last_attempt_timestamp_seconds",
            "When the source last ran (0: never).",
            &|s: &crate::sync_status::SourceView| seconds(s.last_attempt),
        ),
        (
            "paperboy_sync_missing_days",
            "Announcement days of the source's last 30 still missing (fetched again at its next run).",
            &|s: &crate::sync_status::SourceView| {
                status
                    .days
                    .iter()
                    .filter(|d| d.source == s.source && d.state == paperboy_store::DayState::Missing)
                    .count() as i64
            },
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for source in &status.sources {
            let _ = writeln!(out, "{name}{{source=\"{}\"}} {}", label(&source.source), value(source));
        }
    }
    if let Some(activity) = activity {
        use std::sync::atomic::Ordering::Relaxed;
        for (name, help, value) in [
            (
                "paperboy_sync_checks_total",
                "Times this process's schedule looked for due sources (it runs them when it holds the lease).",
                &activity.checks,
            ),
            (
                "paperboy_sync_runs_total",
                "Source runs by this process's schedule.",
                &activity.runs,
            ),
            (
                "paperboy_sync_failures_total",
                "Source runs that left a day missing.",
                &activity.failures,
            ),
            (
                "paperboy_sync_fetched_total",
                "Records read from the sources by this process.",
                &activity.fetched,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Relaxed)
            );
        }
    }
}

/// A label value with `\`, `"` and newlines escaped as the format asks.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_counted() {
        let metrics = Metrics::default();
        metrics.record("/".into(), 200, 0.002);
        metrics.record("/".into(), 200, 0.03);
        metrics.record("/".into(), 404, 20.0);
        let mut out = String::new();
        metrics.write(&mut out);
        assert!(out.contains("paperboy_http_requests_total{route=\"/\",status=\"200\"} 2"));
        assert!(out.contains("paperboy_http_requests_total{route=\"/\",status=\"404\"} 1"));
        assert!(out.contains("_bucket{route=\"/\",le=\"0.001\"} 0"));
        assert!(out.contains("_bucket{route=\"/\",le=\"0.0025\"} 1"));
        assert!(out.contains("_bucket{route=\"/\",le=\"0.05\"} 2"));
        assert!(out.contains("_bucket{route=\"/\",le=\"10\"} 2"));
        assert!(out.contains("_bucket{route=\"/\",le=\"+Inf\"} 3"));
        assert!(out.contains("_count{route=\"/\"} 3"));
    }
}
