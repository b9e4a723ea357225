//! One digest mail through a delivery ledger, exactly once: claim the recipient's row for the
//! period, send, then mark the row sent or failed. A crash between the send and the mark leaves
//! the row pending, and the next run's claim sends again only then (at-least-once at worst, never
//! twice for a row marked sent). The subscribers' digests and the saved searches' share this.

use paperboy_store::{Claim, StoreError};

use crate::mail::{digest_message, MailSender, MailSettings, RenderedDigest, SendError};
use crate::run::{send_with_retry, DigestError, Retry, RunReport};

/// A recipient's row in one of the store's delivery ledgers, for one period.
pub(crate) trait LedgerRow {
    fn claim(&self, message_id: &str) -> Result<Claim, StoreError>;
    fn mark_sent(&self) -> Result<(), StoreError>;
    fn mark_failed(&self, error: &str, permanent: bool) -> Result<(), StoreError>;
    /// The recipient, for the log ("subscriber 7", "saved search 3").
    fn recipient(&self) -> String;
}

/// Where a digest goes and how it is sent.
pub(crate) struct Delivery<'a> {
    pub settings: &'a MailSettings,
    pub sender: &'a dyn MailSender,
    pub retry: Retry,
}

impl Delivery<'_> {
    /// Sends `rendered` to `to` unless `row` says it was sent (or refused for good) already,
    /// and records the outcome in `row` and `report`.
    pub(crate) fn once(
        &self,
        row: &dyn LedgerRow,
        rendered: &RenderedDigest,
        to: &str,
        message_id: String,
        report: &mut RunReport,
    ) -> Result<(), DigestError> {
        match row.claim(&message_id)? {
            Claim::AlreadySent => {
                report.already_sent += 1;
                return Ok(());
            }
            Claim::PermanentlyFailed => {
                report.bounced += 1;
                return Ok(());
            }
            Claim::Claimed { .. } => {}
        }
        let outcome = digest_message(self.settings, rendered, to, message_id)
            .and_then(|message| send_with_retry(self.sender, &message, self.retry));
        match outcome {
            Ok(()) => {
                row.mark_sent()?;
                report.sent += 1;
            }
            Err(e) => {
                let permanent = matches!(e, SendError::Permanent(_));
                tracing::warn!(recipient = %row.recipient(), error = %e, "digest not delivered");
                row.mark_failed(&e.to_string(), permanent)?;
                if permanent {
                    report.bounced += 1;
                } else {
                    report.deferred += 1;
                }
            }
        }
        Ok(())
    }
}
