//! Live OAI-PMH harvesting from arXiv (`paperboy harvest arxiv`).
//!
//! Politeness and robustness, as arXiv asks of harvesters:
//! - one request at a time, `delay` apart (arXiv asks for a few seconds);
//! - `503` with `Retry-After` is flow control, not failure: wait as told, then ask again;
//! - other transient failures (5xx, connection errors) are retried with exponential backoff.
//!
//! Resumable: after each page's records are committed, the next resumption token is saved in
//! the store under a key naming the request. Interrupted, the same command continues from
//! the saved token (a page may be fetched twice; merging is idempotent). When arXiv no longer
//! knows the token (`badResumptionToken`), the range is harvested again from its start.

use std::io::{BufReader, Read};
use std::time::Duration;

use chrono::NaiveDate;
use paperboy_domain::{NoProgress, Progress};
use paperboy_store::{PaperStore, StoreError};

use crate::formats::oai::OaiParser;
use crate::pipeline::{ingest_records, IngestReport};
use crate::record::{IssueKind, SourceContext};
use crate::source::http_agent;

/// arXiv's OAI-PMH endpoint.
pub const ARXIV_OAI_ENDPOINT: &str = "https://oaipmh.arxiv.org/oai";

/// What to harvest.
#[derive(Debug, Clone)]
pub struct HarvestRequest {
    pub endpoint: String,
    pub metadata_prefix: String,
    pub set: Option<String>,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// How to behave while harvesting.
#[derive(Debug, Clone)]
pub struct HarvestOptions {
    /// Pause between requests.
    pub delay: Duration,
    /// Retries of one request before giving up.
    pub max_retries: u32,
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    pub max_retry_after: Duration,
    /// Ignore a saved resumption point and start the range again.
    pub restart: bool,
    pub batch_size: usize,
}

impl Default for HarvestOptions {
    fn default() -> Self {
        HarvestOptions {
            delay: Duration::from_secs(3),
            max_retries: 5,
            max_retry_after: Duration::from_secs(600),
            restart: false,
            batch_size: crate::pipeline::DEFAULT_BATCH_SIZE,
        }
    }
}

/// How a harvest ended.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct HarvestSummary {
    pub pages: u64,
    pub resumed: bool,
    pub complete_list_size: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    #[error("{url}: {message}")]
    Http { url: String, message: String },
    #[error("{url}: OAI-PMH error {code}: {message}")]
    Oai { url: String, code: String, message: String },
    #[error("{url}: the response could not be read: {message}; run the same command again to resume")]
    BrokenPage { url: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HarvestRequest {
    /// The store key under which this request's resumption point is kept.
    pub fn state_key(&self) -> String {
        format!(
            "harvest:{}|{}|{}|{}|{}",
            self.endpoint,
            self.metadata_prefix,
            self.set.as_deref().unwrap_or(""),
            self.from,
            self.until.map(|d| d.to_string()).unwrap_or_default()
        )
    }

    /// The first page's URL.
    pub fn first_url(&self) -> String {
        let mut url = format!(
            "{}?verb=ListRecords&metadataPrefix={}&from={}",
            self.endpoint,
            encode(&self.metadata_prefix),
            self.from
        );
        if let Some(until) = self.until {
            url.push_str(&format!("&until={until}"));
        }
        if let Some(set) = &self.set {
            url.push_str(&format!("&set={}", encode(set)));
        }
        url
    }

    /// The URL of the page after `token`.
    pub fn resume_url(&self, token: &str) -> String {
        format!("{}?verb=ListRecords&resumptionToken={}", self.endpoint, encode(token))
    }
}

/// Harvests `request` into `store`, page by page, recording each record in `report`.
pub fn harvest(
    store: &dyn PaperStore,
    request: &HarvestRequest,
    options: &HarvestOptions,
    report: &mut IngestReport,
) -> Result<HarvestSummary, HarvestError> {
    harvest_with_progress(store, request, options, report, &NoProgress)
}

/// [`harvest`], telling `progress` of each record, with the list's size as the total once the
/// server says it (`completeListSize`).
pub fn harvest_with_progress(
    store: &dyn PaperStore,
    request: &HarvestRequest,
    options: &HarvestOptions,
    report: &mut IngestReport,
    progress: &dyn Progress,
) -> Result<HarvestSummary, HarvestError> {
    progress.start("harvesting records", None);
    let summary = harvest_pages(store, request, options, report, progress);
    progress.finish();
    summary
}

fn harvest_pages(
    store: &dyn PaperStore,
    request: &HarvestRequest,
    options: &HarvestOptions,
    report: &mut IngestReport,
    progress: &dyn Progress,
) -> Result<HarvestSummary, HarvestError> {
    let key = request.state_key();
    if options.restart {
        store.set_state(&key, None)?;
    }
    let mut token = store.state(&key)?;
    let mut summary = HarvestSummary {
        resumed: token.is_some(),
        ..HarvestSummary::default()
    };
    if let Some(saved) = &token {
        tracing::info!(token = %saved, "resuming an interrupted harvest");
    }
    let agent = http_agent();
    loop {
        if summary.pages > 0 {
            std::thread::sleep(options.delay);
        }
        let url = match &token {
            Some(t) => request.resume_url(t),
            None => request.first_url(),
        };
        tracing::info!(%url, page = summary.pages + 1, "fetching");
        let body = fetch(&agent, &url, options)?;
        let context = SourceContext {
            name: url.clone(),
            listing_day: None,
        };
        let mut parser = OaiParser::new(Box::new(BufReader::new(std::io::Cursor::new(body))), context);
        let mut oai_error = None;
        let mut fatal = None;
        let records = std::iter::from_fn(|| match parser.next()? {
            Err(issue) if matches!(issue.kind, IssueKind::OaiError { .. }) => {
                oai_error = Some(issue);
                None
            }
            Err(issue) if issue.kind == IssueKind::Fatal => {
                fatal = Some(issue);
                None
            }
            other => Some(other),
        });
        ingest_records(store, &url, records, options.batch_size, report, progress)?;
        summary.pages += 1;
        if let Some(issue) = fatal {
            return Err(HarvestError::BrokenPage {
                url,
                message: issue.message,
            });
        }
        if let Some(issue) = oai_error {
            let IssueKind::OaiError { code } = issue.kind else {
                unreachable!("matched above")
            };
            match code.as_str() {
                "noRecordsMatch" => break,
                "badResumptionToken" if token.is_some() => {
                    tracing::warn!("the server no longer knows the saved resumption token; harvesting the range again");
                    token = None;
                    store.set_state(&key, None)?;
                    continue;
                }
                _ => {
                    return Err(HarvestError::Oai {
                        url,
                        code,
                        message: issue.message,
                    })
                }
            }
        }
        let next = parser.resumption_token();
        if let Some(size) = next.as_ref().and_then(|t| t.complete_list_size) {
            if summary.complete_list_size != Some(size) {
                progress.set_total(size);
            }
            summary.complete_list_size = Some(size);
        }
        match next.map(|t| t.token).filter(|t| !t.trim().is_empty()) {
            Some(next_token) => {
                store.set_state(&key, Some(&next_token))?;
                token = Some(next_token);
            }
            None => break,
        }
    }
    store.set_state(&key, None)?;
    Ok(summary)
}

/// GETs `url`, waiting out `503 Retry-After` and retrying transient failures (5xx, 429,
/// connection errors) with backoff, at most `options.max_retries` times. The caller keeps the
/// pace between requests (`options.delay` is not waited here).
pub fn fetch(agent: &ureq::Agent, url: &str, options: &HarvestOptions) -> Result<Vec<u8>, HarvestError> {
    let http_error = |message: String| HarvestError::Http {
        url: url.into(),
        message,
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let wait = match agent.get(url).call() {
            Ok(response) if response.status().is_success() => {
                let mut body = Vec::new();
                let read = response.into_body().into_reader().read_to_end(&mut body);
                match read {
                    Ok(_) => return Ok(body),
                    Err(e) => Retry::Backoff(format!("reading the response failed: {e}")),
                }
            }
            Ok(response) => {
                let status = response.status();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                match (status.as_u16(), retry_after) {
                    (503, Some(wait)) | (429, Some(wait)) => {
                        Retry::After(wait.min(options.max_retry_after), status.to_string())
                    }
                    (500..=599, _) | (429, _) => Retry::Backoff(format!("server answered {status}")),
                    _ => return Err(http_error(format!("server answered {status}"))),
                }
            }
            Err(e) => Retry::Backoff(e.to_string()),
        };
        if attempt > options.max_retries {
            let reason = match wait {
                Retry::After(_, reason) | Retry::Backoff(reason) => reason,
            };
            return Err(http_error(format!("giving up after {attempt} attempts: {reason}")));
        }
        let pause = match wait {
            Retry::After(pause, reason) => {
                tracing::info!(seconds = pause.as_secs_f64(), %reason, "server asked to retry later; waiting");
                pause
            }
            Retry::Backoff(reason) => {
                let pause = Duration::from_secs(2u64.saturating_pow(attempt.min(8)));
                tracing::warn!(%reason, seconds = pause.as_secs(), "request failed; retrying");
                pause
            }
        };
        std::thread::sleep(pause);
    }
}

enum Retry {
    After(Duration, String),
    Backoff(String),
}

/// `Retry-After` is either seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let seconds = (when.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .num_seconds()
        .max(0);
    Some(Duration::from_secs(seconds as u64))
}

/// Percent-encodes a query value (resumption tokens contain `|` and other reserved bytes).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b':') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_dates() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn tokens_are_encoded() {
        assert_eq!(encode("1403493|1001"), "1403493%7C1001");
        assert_eq!(encode("cs:AI"), "cs:AI");
    }
}
