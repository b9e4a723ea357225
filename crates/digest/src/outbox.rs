//! Delivering the mail outbox (`paperboy_store::outbox`): claim what is due, turn intents into
//! messages, send, and record each attempt — retrying temporary failures later with a growing
//! wait, so that nothing is lost while the mail server is away, and giving up only after
//! [`RetryPolicy::give_up_after`].

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::address::Envelope;
use lettre::{Address, Message};
use paperboy_store::{MailKind, MailOutcome, NewMail, OutboxStore, QueuedMail, StoreError};

use crate::mail::{MailSender, SendError};

/// How long a worker's claim on a mail lasts: longer than one SMTP exchange (its timeout is
/// 30 s), so that only a dead worker's mail is taken over.
pub const CLAIM: Duration = Duration::from_secs(300);

/// When failed attempts are tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; doubled after each further one…
    pub first: Duration,
    /// …up to this.
    pub max: Duration,
    /// A mail still failing this long after it was queued is given up on.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            first: Duration::from_secs(30),
            max: Duration::from_secs(600),
            give_up_after: Duration::from_secs(3 * 24 * 3600),
        }
    }
}

impl RetryPolicy {
    /// When to try again after the `failures`-th failure (1 for the first) of a mail queued at
    /// `queued`; `None` once it is time to give up.
    pub fn next_attempt(&self, failures: u32, queued: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let doublings = failures.saturating_sub(1).min(30);
        let wait = self.first.saturating_mul(1 << doublings).min(self.max);
        let at = now + chrono::Duration::from_std(wait).ok()?;
        let deadline = queued + chrono::Duration::from_std(self.give_up_after).ok()?;
        (at <= deadline).then_some(at)
    }
}

/// What an intent became.
pub enum Prepared {
    /// A message for `recipient`.
    Message { recipient: String, message: Message },
    /// Nothing to send, and why (for the record; never shown to the asker).
    Nothing(String),
}

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: u64,
    pub dropped: u64,
    /// Failed for now; queued again for later.
    pub retried: u64,
    /// Refused for good, or given up on.
    pub failed: u64,
}

/// Queues a finished message for its first recipient.
pub fn enqueue_message(store: &dyn OutboxStore, message: &Message, now: DateTime<Utc>) -> Result<i64, StoreError> {
    let recipient = message
        .envelope()
        .to()
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    store.enqueue_mail(
        &NewMail {
            kind: MailKind::Message,
            recipient: &recipient,
            payload: &message.formatted(),
        },
        now,
    )
}

/// One worker's view of the outbox.
pub struct Outbox<'a> {
    pub store: &'a dyn OutboxStore,
    pub sender: &'a dyn MailSender,
    /// The envelope sender of every mail.
    pub from: &'a Address,
    pub policy: RetryPolicy,
    /// Who claims (see `paperboy_store::lease_holder`).
    pub holder: &'a str,
}

impl Outbox<'_> {
    /// Sends every mail due now (or only `only`), preparing intents with `prepare` (whose
    /// errors count as sending's: temporary ones are retried), until none is due. Store errors
    /// end the pass (the mail stays queued).
    pub fn deliver_due(
        &self,
        prepare: &dyn Fn(&QueuedMail) -> Result<Prepared, SendError>,
        only: Option<i64>,
    ) -> Result<DeliveryReport, StoreError> {
        let mut report = DeliveryReport::default();
        while let Some(mail) = self.store.claim_mail(self.holder, Utc::now(), CLAIM, only)? {
            self.deliver(&mail, prepare, &mut report)?;
            if only.is_some() {
                break;
            }
        }
        Ok(report)
    }

    fn deliver(
        &self,
        mail: &QueuedMail,
        prepare: &dyn Fn(&QueuedMail) -> Result<Prepared, SendError>,
        report: &mut DeliveryReport,
    ) -> Result<(), StoreError> {
        let attempt = match mail.kind {
            MailKind::Message => Ok((mail.recipient.clone(), mail.payload.clone())),
            _ => match prepare(mail) {
                Ok(Prepared::Message { recipient, message }) => {
                    let bytes = message.formatted();
                    // Recorded before sending, so that a retry sends this very message (one
                    // link, one Message-ID) rather than preparing another.
                    if !self.store.prepare_mail(mail.id, self.holder, &recipient, &bytes)? {
                        return Ok(());
                    }
                    Ok((recipient, bytes))
                }
                Ok(Prepared::Nothing(why)) => {
                    self.finish(mail, MailOutcome::Dropped(&why))?;
                    report.dropped += 1;
                    return Ok(());
                }
                Err(e) => Err(e),
            },
        };
        match attempt.and_then(|(recipient, bytes)| self.send(&recipient, &bytes)) {
            Ok(()) => {
                self.finish(mail, MailOutcome::Sent)?;
                report.sent += 1;
            }
            Err(SendError::Permanent(e)) => {
                tracing::warn!(mail = mail.id, error = %e, "mail refused for good");
                self.finish(mail, MailOutcome::Failed(&e))?;
                report.failed += 1;
            }
            Err(SendError::Transient(e)) => {
                let now = Utc::now();
                match self.policy.next_attempt(mail.attempts + 1, mail.created_at, now) {
                    Some(at) => {
                        tracing::info!(mail = mail.id, error = %e, retry_at = %at, "mail not sent yet; retrying later");
                        self.finish(mail, MailOutcome::Retry { error: &e, at })?;
                        report.retried += 1;
                    }
                    None => {
                        let error = format!("given up after {} attempts: {e}", mail.attempts + 1);
                        tracing::warn!(mail = mail.id, %error, "mail given up on");
                        self.finish(mail, MailOutcome::Failed(&error))?;
                        report.failed += 1;
                    }
                }
            }
        }
        Ok(())
    }

    fn send(&self, recipient: &str, bytes: &[u8]) -> Result<(), SendError> {
        let to: Address = recipient
            .parse()
            .map_err(|e| SendError::Permanent(format!("{recipient:?} is not a deliverable address: {e}")))?;
        let envelope = Envelope::new(Some(self.from.clone()), vec![to])
            .map_err(|e| SendError::Permanent(format!("cannot address the mail: {e}")))?;
        self.sender.send_raw(&envelope, bytes)
    }

    fn finish(&self, mail: &QueuedMail, outcome: MailOutcome<'_>) -> Result<(), StoreError> {
        if !self.store.finish_mail(mail.id, self.holder, outcome, Utc::now())? {
            tracing::warn!(mail = mail.id, "another worker took this mail over meanwhile");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_the_cap_and_stop_at_the_deadline() {
        let policy = RetryPolicy {
            first: Duration::from_secs(30),
            max: Duration::from_secs(600),
            give_up_after: Duration::from_secs(3600),
        };
        let queued = "2026-12-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let wait = |failures, now: DateTime<Utc>| {
            policy
                .next_attempt(failures, queued, now)
                .map(|at| (at - now).num_seconds())
        };
        assert_eq!(wait(1, queued), Some(30));
        assert_eq!(wait(2, queued), Some(60));
        assert_eq!(wait(3, queued), Some(120));
        assert_eq!(wait(6, queued), Some(600), "capped");
        assert_eq!(wait(40, queued), Some(600), "no overflow after many failures");
        let late = queued + chrono::Duration::minutes(55);
        assert_eq!(wait(9, late), None, "past the deadline: given up");
    }
}
