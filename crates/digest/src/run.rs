//! Running digests: the period's content (computed once, shared by all subscribers), then for
//! each subscriber compose, claim in the ledger, send, record.
//!
//! ## Exactly once, and the crash window
//! Per subscriber and period the order is: **claim** (a committed ledger row, state `pending`)
//! → **send** (SMTP) → **mark sent** (committed). A re-run skips rows marked sent and sends the
//! rest, so a kill -9 anywhere loses no mail. The one window that can duplicate is between the
//! server's "250 accepted" and the commit of "sent" (a few milliseconds, one SQLite commit):
//! a crash there leaves the row `pending`, and the re-run sends again. We choose that
//! (at-least-once in that window) over skipping pending rows (which would silently lose the mail
//! of every subscriber whose send was cut off before the server accepted — the common case of a
//! crash mid-run). The re-sent copy carries the same Message-ID, derived from (subscriber,
//! period), so receiving systems that deduplicate by Message-ID drop it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use paperboy_domain::PaperDocument;
use paperboy_foryou::{ForYouError, Models, Pool};
use paperboy_search::{Filters, Mode, SearchError, SearchRequest, Searcher};
use paperboy_store::{
    Backend, Claim, DeliveryState, DigestStore, Frequency, Page, Store, StoreError, Subscriber, SubscriberStatus,
};

use crate::compose::{compose, matched_terms, topic_key, Entry, Trending, TOPIC_LIMIT};
use crate::deliver::{Delivery, LedgerRow};
use crate::mail::{
    confirmation_message, render_digest, MailSender, MailSettings, RenderedDigest, SendError, SubscriberLinks,
    CONFIRM_LINK_HOURS, DIGEST_LINK_DAYS,
};
use crate::period::{Period, Schedule};
use crate::token::{Purpose, Secret};
use crate::trending::trending;

/// Hard bounces (5xx) in a row after which a subscriber is paused.
pub const PAUSE_AFTER_BOUNCES: u32 = 3;
/// The period's papers a "For you" section chooses from at most: each subscriber's ranking
/// costs in proportion (daily lists first, then announcements; a busy week has more).
pub const FOR_YOU_CANDIDATES: usize = 2_000;
/// Papers in a "For you" section.
pub const FOR_YOU_LIMIT: usize = 5;
/// Papers sent in earlier "For you" sections that are remembered (and not sent again).
const SENT_REMEMBERED: usize = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    ForYou(#[from] ForYouError),
}

/// How transient failures are retried within one run (later runs retry again).
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Tries per mail, the first included.
    pub attempts: u32,
    /// Wait before the second try; doubled before each further one.
    pub backoff: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            attempts: 3,
            backoff: Duration::from_secs(2),
        }
    }
}

/// What a run did, for one frequency.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RunReport {
    pub frequency: String,
    pub period: String,
    /// Active subscribers with this frequency.
    pub subscribers: usize,
    pub sent: usize,
    /// Would be sent (dry run).
    pub would_send: usize,
    pub already_sent: usize,
    /// Nothing for them this period: no mail.
    pub empty: usize,
    /// Digests (sent or would be) with a "For you" section.
    pub for_you: usize,
    /// Left for the next run (temporary failures after retries).
    pub deferred: usize,
    /// Refused for good (5xx) this run or before.
    pub bounced: usize,
    /// Seconds spent composing (search, ranking, rendering), SMTP excluded.
    pub compose_seconds: f64,
    /// Another process is sending this period's digests (it holds the lease): nothing was
    /// sent here; a later run finishes whatever that one leaves.
    pub held_elsewhere: bool,
    /// The saved searches sent as digests of their own for the same period
    /// ([`Digests::run_searches`]; `subscribers` counts those searches), when they were run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_searches: Option<Box<RunReport>>,
}

/// The parts of a period's digests that every subscriber shares.
pub struct PeriodContent {
    pub period: Period,
    pub trending: Trending,
    pub by_topic: HashMap<String, Vec<Entry>>,
    /// The period's "For you" candidates with their vectors, loaded once when some subscriber
    /// opted in; each such subscriber's section is a ranking of it.
    pub for_you: Option<Pool>,
    /// The readers' models while this period's sections are ranked (saved-search queries
    /// are embedded once for all of them).
    models: Models,
}

/// Everything a digest run needs, borrowed.
pub struct Digests<'a> {
    pub papers: &'a dyn Store,
    pub subscribers: &'a dyn DigestStore,
    pub searcher: &'a Searcher,
    pub settings: &'a MailSettings,
    pub secret: &'a Secret,
    pub schedule: Schedule,
    /// The accounts behind subscribers: their upvotes, saves, follows, saved searches and
    /// "not interested" marks, which the "For you" section is ranked from.
    pub readers: &'a dyn Backend,
}

impl Digests<'_> {
    /// The period's trending papers, for each distinct topic its matching new papers, and
    /// with `for_you` the candidates of "For you" sections.
    pub fn period_content<'t>(
        &self,
        period: &Period,
        topics: impl IntoIterator<Item = &'t str>,
        for_you: bool,
    ) -> Result<PeriodContent, DigestError> {
        let trending = trending(self.papers, period)?;
        let mut by_topic = HashMap::new();
        let mut documents: HashMap<String, PaperDocument> = HashMap::new();
        for topic in topics {
            let key = topic_key(topic);
            if key.is_empty() || by_topic.contains_key(&key) {
                continue;
            }
            let entries = self.topic_entries(period, &key, &mut documents)?;
            by_topic.insert(key, entries);
        }
        let models = Models::default();
        let for_you = if for_you {
            Some(Pool::between(
                self.readers,
                self.searcher,
                &models,
                period.from,
                period.until,
                FOR_YOU_CANDIDATES,
            )?)
        } else {
            None
        };
        Ok(PeriodContent {
            period: period.clone(),
            trending,
            by_topic,
            for_you,
            models,
        })
    }

    fn topic_entries(
        &self,
        period: &Period,
        topic: &str,
        documents: &mut HashMap<String, PaperDocument>,
    ) -> Result<Vec<Entry>, DigestError> {
        let request = SearchRequest {
            text: topic.to_string(),
            mode: Mode::Hybrid,
            filters: Filters {
                from: Some(period.from),
                until: Some(period.until),
                categories: Vec::new(),
            },
            offset: 0,
            limit: TOPIC_LIMIT,
        };
        let response = match self.searcher.search(self.papers, &request) {
            Ok(response) => response,
            // A subscriber's odd query must not stop everyone's digest.
            Err(SearchError::Query(e)) => {
                tracing::warn!(topic, error = %e, "topic is not a valid query; skipped");
                return Ok(Vec::new());
            }
            Err(e) => return Err(e.into()),
        };
        let terms = paperboy_search::query_terms(topic);
        let mut entries = Vec::new();
        for hit in response.results {
            let key = hit.id.as_str().to_string();
            if !documents.contains_key(&key) {
                let Some(doc) = self.papers.paper(&hit.id)? else {
                    continue;
                };
                documents.insert(key.clone(), doc);
            }
            let doc = &documents[&key];
            entries.push(Entry::new(doc, matched_terms(&terms, doc)));
        }
        Ok(entries)
    }

    /// Signed manage and unsubscribe links for a subscriber.
    pub fn links(&self, subscriber_id: i64, now: DateTime<Utc>) -> SubscriberLinks {
        let expires = now + chrono::Duration::days(DIGEST_LINK_DAYS);
        SubscriberLinks {
            manage: self.settings.link(&format!(
                "/subscribe/manage?token={}",
                self.secret.sign(subscriber_id, Purpose::Manage, expires)
            )),
            unsubscribe: self.settings.link(&format!(
                "/unsubscribe?token={}",
                self.secret.sign(subscriber_id, Purpose::Unsubscribe, expires)
            )),
        }
    }

    /// A subscriber's rendered digest, or `None` when there is nothing for them. Links expire
    /// counting from the real clock, not from `--at`: a past period's digest made today has
    /// links that work.
    pub fn render_for(&self, content: &PeriodContent, subscriber: &Subscriber) -> Option<RenderedDigest> {
        let mut digest = compose(
            &content.period,
            &content.trending,
            &content.by_topic,
            &subscriber.topics,
        );
        if subscriber.like_upvoted {
            // A nicety: if it fails, the rest of the digest still goes out.
            match self.for_you(content, subscriber) {
                Ok(entries) => digest.for_you = entries,
                Err(e) => tracing::warn!(subscriber = subscriber.id, error = %e, "the For you section failed"),
            }
        }
        if digest.is_empty() {
            return None;
        }
        Some(render_digest(
            self.settings,
            &digest,
            &subscriber.email,
            &self.links(subscriber.id, Utc::now()),
        ))
    }

    /// The subscriber's "For you" section: the period's candidates ranked for the account
    /// whose verified address is the subscriber's, each with its reasons. Papers the reader
    /// judged (liked, "not interested") are not ranked, papers an earlier section sent are left
    /// out, and a reader who has told paperboy nothing gets no section (it would repeat trending).
    fn for_you(&self, content: &PeriodContent, subscriber: &Subscriber) -> Result<Vec<Entry>, DigestError> {
        let Some(pool) = &content.for_you else {
            return Ok(Vec::new());
        };
        let Some(reader) = self.subscribers.account_of_subscriber(subscriber.id)? else {
            return Ok(Vec::new());
        };
        let ranking = pool.rank(self.readers, self.searcher, &content.models, reader)?;
        if ranking.cold {
            return Ok(Vec::new());
        }
        // Not presented: what earlier sections sent, and what the reader upvoted or saved (the
        // ranking leaves those out only when they are embedded).
        let mut sent: HashSet<String> = self
            .subscribers
            .papers_sent(subscriber.id, SENT_REMEMBERED)?
            .into_iter()
            .collect();
        sent.extend(self.readers.upvoted_by(reader, SENT_REMEMBERED)?);
        let kept = Page {
            offset: 0,
            limit: SENT_REMEMBERED as u64,
        };
        sent.extend(self.readers.library(reader, kept)?.into_iter().map(|p| p.id));
        Ok(ranking
            .order
            .into_iter()
            .filter(|r| !sent.contains(pool.papers[r.index].paper.id.as_str()))
            .take(FOR_YOU_LIMIT)
            .map(|r| {
                let mut entry = Entry::new(&pool.papers[r.index], Vec::new());
                entry.reasons = r.reasons.iter().map(ToString::to_string).collect();
                entry
            })
            .collect())
    }

    /// What `subscriber` gets for the latest period at `now` (`preview`).
    pub fn preview(
        &self,
        subscriber: &Subscriber,
        now: DateTime<Utc>,
    ) -> Result<(Period, Option<RenderedDigest>), DigestError> {
        let period = self.schedule.latest_period(subscriber.frequency, now);
        let content = self.period_content(
            &period,
            subscriber.topics.iter().map(String::as_str),
            subscriber.like_upvoted,
        )?;
        let rendered = self.render_for(&content, subscriber);
        Ok((period, rendered))
    }

    /// Active subscribers of `frequency` whose digest for `period` is neither sent nor
    /// refused for good.
    pub fn outstanding(
        &self,
        frequency: Frequency,
        period: &Period,
    ) -> Result<(usize, Vec<Subscriber>, usize, usize), DigestError> {
        let ledger = self.subscribers.deliveries(frequency, &period.key())?;
        let sent: HashSet<i64> = ledger
            .iter()
            .filter(|d| d.state == DeliveryState::Sent)
            .map(|d| d.subscriber_id)
            .collect();
        let bounced: HashSet<i64> = ledger.iter().filter(|d| d.permanent).map(|d| d.subscriber_id).collect();
        let active: Vec<Subscriber> = self
            .subscribers
            .subscribers()?
            .into_iter()
            .filter(|s| s.status == SubscriberStatus::Active && s.frequency == frequency)
            .collect();
        let total = active.len();
        let (mut already, mut refused) = (0, 0);
        let outstanding = active
            .into_iter()
            .filter(|s| {
                if sent.contains(&s.id) {
                    already += 1;
                    false
                } else if bounced.contains(&s.id) {
                    refused += 1;
                    false
                } else {
                    true
                }
            })
            .collect();
        Ok((total, outstanding, already, refused))
    }

    /// Sends (or with `sender` = `None`, only counts) the latest due digest of `frequency`.
    #[tracing::instrument(skip_all, fields(frequency = frequency.as_str(), dry_run = sender.is_none()))]
    pub fn run(
        &self,
        frequency: Frequency,
        now: DateTime<Utc>,
        sender: Option<&dyn MailSender>,
        retry: Retry,
    ) -> Result<RunReport, DigestError> {
        let period = self.schedule.latest_period(frequency, now);
        let key = period.key();
        let (total, outstanding, already_sent, bounced) = self.outstanding(frequency, &period)?;
        let mut report = RunReport {
            frequency: frequency.as_str().into(),
            period: key.clone(),
            subscribers: total,
            already_sent,
            bounced,
            ..RunReport::default()
        };
        if outstanding.is_empty() {
            return Ok(report);
        }
        let Some(sender) = sender else {
            self.compose_all(&period, &outstanding, &mut report).map(|composed| {
                report.would_send = composed.len();
            })?;
            return Ok(report);
        };
        // One process at a time sends a period's digests; taken before composing, so that a
        // second process does not even compose what the first is sending.
        let lease_name = format!("digest:{}:{key}", frequency.as_str());
        let holder = paperboy_store::lease_holder();
        if !self
            .subscribers
            .acquire_lease(&lease_name, &holder, self.schedule.lease)?
        {
            tracing::info!(lease = %lease_name, "another process is sending these digests; leaving them to it");
            report.held_elsewhere = true;
            return Ok(report);
        }
        let lost = AtomicBool::new(false);
        let finished = AtomicBool::new(false);
        let result = std::thread::scope(|scope| {
            // Renews the lease while this run lives, however long composing or one SMTP
            // exchange takes: only a dead process lets it lapse.
            scope.spawn(|| self.keep_lease(&lease_name, &holder, &finished, &lost));
            let result = self
                .compose_all(&period, &outstanding, &mut report)
                .and_then(|composed| self.send_all(frequency, &key, composed, sender, retry, &mut report, &lost));
            finished.store(true, Ordering::SeqCst);
            result
        });
        if let Err(e) = self.subscribers.release_lease(&lease_name, &holder) {
            tracing::warn!(error = %e, "could not release the digest lease; it expires by itself");
        }
        result?;
        Ok(report)
    }

    /// Each outstanding subscriber's digest; those with nothing in it are counted as empty.
    fn compose_all<'s>(
        &self,
        period: &Period,
        outstanding: &'s [Subscriber],
        report: &mut RunReport,
    ) -> Result<Vec<(&'s Subscriber, RenderedDigest)>, DigestError> {
        let started = std::time::Instant::now();
        let content = self.period_content(
            period,
            outstanding.iter().flat_map(|s| s.topics.iter().map(String::as_str)),
            outstanding.iter().any(|s| s.like_upvoted),
        )?;
        // Each subscriber's digest is composed on its own (their For you sections, a ranking
        // each, are most of the work): the subscribers are shared out among the cores, and
        // their digests kept in the subscribers' order.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, outstanding.len().max(1));
        let share = outstanding.len().div_ceil(threads).max(1);
        let rendered: Vec<Option<RenderedDigest>> = std::thread::scope(|scope| {
            let parts: Vec<_> = outstanding
                .chunks(share)
                .map(|part| {
                    let content = &content;
                    scope.spawn(move || {
                        part.iter()
                            .map(|subscriber| self.render_for(content, subscriber))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts
                .into_iter()
                .flat_map(|part| part.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        let mut composed = Vec::with_capacity(outstanding.len());
        for (subscriber, rendered) in outstanding.iter().zip(rendered) {
            match rendered {
                Some(rendered) => {
                    report.for_you += usize::from(!rendered.for_you.is_empty());
                    composed.push((subscriber, rendered));
                }
                None => report.empty += 1,
            }
        }
        report.compose_seconds = started.elapsed().as_secs_f64();
        Ok(composed)
    }

    /// Renews the lease every third of its length until `finished`; sets `lost` when another
    /// holder has it (this process stalled past the lease).
    fn keep_lease(&self, name: &str, holder: &str, finished: &AtomicBool, lost: &AtomicBool) {
        let every = self.schedule.lease / 3;
        let mut last = std::time::Instant::now();
        while !finished.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50).min(every));
            if last.elapsed() < every {
                continue;
            }
            last = std::time::Instant::now();
            match self.subscribers.acquire_lease(name, holder, self.schedule.lease) {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(lease = %name, "the digest lease passed to another process; stopping this run");
                    lost.store(true, Ordering::SeqCst);
                    return;
                }
                Err(e) => tracing::warn!(error = %e, "could not renew the digest lease; retrying"),
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn send_all(
        &self,
        frequency: Frequency,
        key: &str,
        composed: Vec<(&Subscriber, RenderedDigest)>,
        sender: &dyn MailSender,
        retry: Retry,
        report: &mut RunReport,
        lost: &AtomicBool,
    ) -> Result<(), DigestError> {
        let ledger_key = format!("{}-{key}", frequency.as_str());
        let delivery = Delivery {
            settings: self.settings,
            sender,
            retry,
        };
        for (subscriber, rendered) in composed {
            if lost.load(Ordering::SeqCst) {
                report.deferred += 1;
                continue;
            }
            let row = SubscriberRow {
                store: self.subscribers,
                id: subscriber.id,
                frequency,
                period: key,
                for_you: &rendered.for_you,
            };
            let message_id = self.settings.message_id("digest", subscriber.id, &ledger_key);
            delivery.once(&row, &rendered, &subscriber.email, message_id, report)?;
        }
        Ok(())
    }
}

/// A subscriber's row in the digest ledger; marking it sent also records the For you papers
/// sent (never shown again) and clears the subscriber's bounce count.
struct SubscriberRow<'a> {
    store: &'a dyn DigestStore,
    id: i64,
    frequency: Frequency,
    period: &'a str,
    for_you: &'a [String],
}

impl LedgerRow for SubscriberRow<'_> {
    fn claim(&self, message_id: &str) -> Result<Claim, StoreError> {
        self.store
            .claim_delivery(self.id, self.frequency, self.period, message_id)
    }

    fn mark_sent(&self) -> Result<(), StoreError> {
        self.store.mark_sent(self.id, self.frequency, self.period, self.for_you)
    }

    fn mark_failed(&self, error: &str, permanent: bool) -> Result<(), StoreError> {
        self.store.mark_failed(
            self.id,
            self.frequency,
            self.period,
            error,
            permanent,
            PAUSE_AFTER_BOUNCES,
        )
    }

    fn recipient(&self) -> String {
        format!("subscriber {}", self.id)
    }
}

/// The double opt-in mail for `subscriber`, with a signed confirmation link that expires
/// [`CONFIRM_LINK_HOURS`] after `now`.
pub fn confirmation(
    settings: &MailSettings,
    secret: &Secret,
    subscriber: &Subscriber,
    now: DateTime<Utc>,
) -> Result<lettre::Message, SendError> {
    let expires = now + chrono::Duration::hours(CONFIRM_LINK_HOURS);
    let token = secret.sign(subscriber.id, Purpose::Confirm, expires);
    let url = settings.link(&format!("/subscribe/confirm?token={token}"));
    let message_id = settings.message_id("confirm", subscriber.id, &now.timestamp().to_string());
    confirmation_message(
        settings,
        &subscriber.email,
        subscriber.frequency.as_str(),
        &url,
        message_id,
    )
}

/// Sends, retrying temporary failures with exponential backoff.
pub fn send_with_retry(sender: &dyn MailSender, message: &lettre::Message, retry: Retry) -> Result<(), SendError> {
    let mut wait = retry.backoff;
    let mut attempt = 1;
    loop {
        match sender.send(message) {
            Err(SendError::Transient(e)) if attempt < retry.attempts.max(1) => {
                tracing::info!(attempt, error = %e, wait_ms = wait.as_millis() as u64, "temporary SMTP failure; retrying");
                std::thread::sleep(wait);
                wait *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}
