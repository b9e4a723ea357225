//! Saved searches sent as digests of their own: each one's new matches in the period, mailed to
//! its owner's verified address, exactly once per saved search and period by the same rule as the
//! subscribers' digests (claim → send → mark; see [`crate::run`]), in a ledger keyed by the saved
//! search (`paperboy_store::SearchDigestStore`). Every mail has a signed one-click link that stops
//! that search's digest (and `List-Unsubscribe` headers pointing at it).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use paperboy_search::{Filters, Mode, SearchError, SearchRequest};
use paperboy_store::{Backend, Claim, Frequency, SearchDigest, StoreError};

use crate::compose::{matched_terms, Digest, Entry, TopicSection};
use crate::deliver::{Delivery, LedgerRow};
use crate::mail::{render_digest, MailSender, RenderedDigest, SubscriberLinks, DIGEST_LINK_DAYS};
use crate::period::Period;
use crate::run::{DigestError, Digests, Retry, RunReport};
use crate::token::Purpose;

/// Papers in a saved search's digest at most.
pub const SEARCH_DIGEST_LIMIT: usize = 20;

impl Digests<'_> {
    /// The saved searches of `frequency` whose digest for `period` is neither sent nor refused
    /// for good, and how many are.
    pub fn outstanding_searches(
        &self,
        frequency: Frequency,
        period: &Period,
    ) -> Result<(usize, Vec<SearchDigest>), DigestError> {
        let done: HashSet<i64> = self
            .readers
            .search_digests_done(frequency, &period.key())?
            .into_iter()
            .collect();
        let all = self.readers.search_digests(frequency)?;
        let total = all.len();
        Ok((
            total,
            all.into_iter().filter(|d| !done.contains(&d.search.id)).collect(),
        ))
    }

    /// A saved search's digest for `period`, or `None` when nothing new matches it.
    pub fn render_search(&self, period: &Period, digest: &SearchDigest) -> Result<Option<RenderedDigest>, DigestError> {
        let search = &digest.search;
        let request = SearchRequest {
            text: search.query.clone(),
            // Stored modes were checked when saved; an unknown one (an older spelling) is hybrid.
            mode: Mode::parse(&search.mode).unwrap_or(Mode::Hybrid),
            filters: Filters {
                from: Some(period.from),
                until: Some(period.until),
                categories: Vec::new(),
            },
            offset: 0,
            limit: SEARCH_DIGEST_LIMIT,
        };
        let response = match self.searcher.search(self.papers, &request) {
            Ok(response) => response,
            Err(SearchError::Query(e)) => {
                tracing::warn!(search = search.id, error = %e, "a saved search is not a valid query; skipped");
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let terms = paperboy_search::query_terms(&search.query);
        let mut entries = Vec::new();
        for hit in response.results {
            if let Some(doc) = self.papers.paper(&hit.id)? {
                entries.push(Entry::new(&doc, matched_terms(&terms, &doc)));
            }
        }
        if entries.is_empty() {
            return Ok(None);
        }
        let composed = Digest {
            period: period.clone(),
            trending: Vec::new(),
            trending_note: None,
            topics: vec![TopicSection {
                topic: search.name.clone(),
                entries,
            }],
            for_you: Vec::new(),
        };
        let expires = Utc::now() + chrono::Duration::days(DIGEST_LINK_DAYS);
        let links = SubscriberLinks {
            manage: self.settings.link("/settings/for-you"),
            unsubscribe: self.settings.link(&format!(
                "/unsubscribe/search?token={}",
                self.secret.sign(search.id, Purpose::StopSearch, expires)
            )),
        };
        let mut rendered = render_digest(self.settings, &composed, &digest.email, &links);
        rendered.subject = format!(
            "paperboy {} digest: your saved search \"{}\", {}",
            period.frequency.as_str(),
            search.name,
            period.label()
        );
        Ok(Some(rendered))
    }

    /// Sends (or with `sender` = `None`, only counts) the latest due digest of every saved
    /// search of `frequency`. `subscribers` in the report counts those saved searches.
    #[tracing::instrument(skip_all, fields(frequency = frequency.as_str(), dry_run = sender.is_none()))]
    pub fn run_searches(
        &self,
        frequency: Frequency,
        now: DateTime<Utc>,
        sender: Option<&dyn MailSender>,
        retry: Retry,
    ) -> Result<RunReport, DigestError> {
        let period = self.schedule.latest_period(frequency, now);
        let key = period.key();
        let (total, outstanding) = self.outstanding_searches(frequency, &period)?;
        let mut report = RunReport {
            frequency: frequency.as_str().into(),
            period: key.clone(),
            subscribers: total,
            already_sent: total - outstanding.len(),
            ..RunReport::default()
        };
        if outstanding.is_empty() {
            return Ok(report);
        }
        let lease_name = format!("digest-searches:{}:{key}", frequency.as_str());
        let holder = paperboy_store::lease_holder();
        if sender.is_some()
            && !self
                .subscribers
                .acquire_lease(&lease_name, &holder, self.schedule.lease)?
        {
            report.held_elsewhere = true;
            return Ok(report);
        }
        let result = self.send_searches(&period, &outstanding, sender, retry, &mut report);
        if sender.is_some() {
            if let Err(e) = self.subscribers.release_lease(&lease_name, &holder) {
                tracing::warn!(error = %e, "could not release the saved-search digest lease; it expires by itself");
            }
        }
        result?;
        Ok(report)
    }

    fn send_searches(
        &self,
        period: &Period,
        outstanding: &[SearchDigest],
        sender: Option<&dyn MailSender>,
        retry: Retry,
        report: &mut RunReport,
    ) -> Result<(), DigestError> {
        let (frequency, key) = (period.frequency, period.key());
        let ledger_key = format!("{}-{key}", frequency.as_str());
        for digest in outstanding {
            let started = std::time::Instant::now();
            let rendered = self.render_search(period, digest)?;
            report.compose_seconds += started.elapsed().as_secs_f64();
            let Some(rendered) = rendered else {
                report.empty += 1;
                continue;
            };
            let Some(sender) = sender else {
                report.would_send += 1;
                continue;
            };
            let delivery = Delivery {
                settings: self.settings,
                sender,
                retry,
            };
            let row = SearchRow {
                store: self.readers,
                id: digest.search.id,
                frequency,
                period: &key,
            };
            let message_id = self.settings.message_id("search-digest", digest.search.id, &ledger_key);
            delivery.once(&row, &rendered, &digest.email, message_id, report)?;
        }
        Ok(())
    }
}

/// A saved search's row in its own digest ledger.
struct SearchRow<'a> {
    store: &'a dyn Backend,
    id: i64,
    frequency: Frequency,
    period: &'a str,
}

impl LedgerRow for SearchRow<'_> {
    fn claim(&self, message_id: &str) -> Result<Claim, StoreError> {
        self.store
            .claim_search_delivery(self.id, self.frequency, self.period, message_id)
    }

    fn mark_sent(&self) -> Result<(), StoreError> {
        self.store.mark_search_sent(self.id, self.frequency, self.period)
    }

    fn mark_failed(&self, error: &str, permanent: bool) -> Result<(), StoreError> {
        self.store
            .mark_search_failed(self.id, self.frequency, self.period, error, permanent)
    }

    fn recipient(&self) -> String {
        format!("saved search {}", self.id)
    }
}
