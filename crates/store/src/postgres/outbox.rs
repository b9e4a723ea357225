//! The mail outbox in PostgreSQL. Instances share the queue: a claim skips rows another
//! instance is claiming at the same moment (`FOR UPDATE SKIP LOCKED`).

use chrono::{DateTime, Utc};

use super::PostgresStore;
use crate::outbox::{
    self, MailOutcome, NewMail, OutboxCounts, OutboxStore, QueuedMail, COUNTS_SELECT, NEXT_DUE, QUEUED_COLUMNS,
};
use crate::StoreError;

impl OutboxStore for PostgresStore {
    fn enqueue_mail(&self, mail: &NewMail<'_>, now: DateTime<Utc>) -> Result<i64, StoreError> {
        self.with_client(|client| {
            Ok(client
                .query_one(
                    "INSERT INTO outbox (kind, recipient, payload, state, attempts, created_at, next_attempt_at)
                     VALUES ($1, $2, $3, 'queued', 0, $4, $4) RETURNING id",
                    &[&mail.kind.as_str(), &mail.recipient, &mail.payload, &now],
                )?
                .get(0))
        })
    }

    fn claim_mail(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        lease: std::time::Duration,
        only: Option<i64>,
    ) -> Result<Option<QueuedMail>, StoreError> {
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        self.with_client(|client| {
            let sql = format!(
                "UPDATE outbox SET claimed_by = $1, claimed_until = $2
                 WHERE id = (SELECT id FROM outbox
                             WHERE state = 'queued' AND next_attempt_at <= $3
                               AND (claimed_until IS NULL OR claimed_until < $3)
                               AND ($4::BIGINT IS NULL OR id = $4)
                             ORDER BY next_attempt_at, id LIMIT 1
                             FOR UPDATE SKIP LOCKED)
                 RETURNING {QUEUED_COLUMNS}"
            );
            client
                .query_opt(&sql, &[&holder, &until, &now, &only])?
                .map(|row| outbox::queued_mail(&row))
                .transpose()
        })
    }

    fn prepare_mail(&self, id: i64, holder: &str, recipient: &str, message: &[u8]) -> Result<bool, StoreError> {
        self.with_client(|client| {
            let changed = client.execute(
                "UPDATE outbox SET kind = 'message', recipient = $3, payload = $4
                 WHERE id = $1 AND claimed_by = $2 AND state = 'queued'",
                &[&id, &holder, &recipient, &message],
            )?;
            Ok(changed == 1)
        })
    }

    fn finish_mail(
        &self,
        id: i64,
        holder: &str,
        outcome: MailOutcome<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (state, error) = outbox::finished_columns(outcome);
        self.with_client(|client| {
            let changed = match outcome {
                MailOutcome::Retry { at, .. } => client.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4,
                         claimed_by = NULL, claimed_until = NULL
                     WHERE id = $1 AND claimed_by = $2 AND state = 'queued'",
                    &[&id, &holder, &error, &at],
                )?,
                _ => client.execute(
                    "UPDATE outbox SET state = $3, last_error = $4, finished_at = $5, payload = ''::BYTEA,
                         attempts = attempts + CASE WHEN $3 = 'dropped' THEN 0 ELSE 1 END,
                         claimed_by = NULL, claimed_until = NULL
                     WHERE id = $1 AND claimed_by = $2 AND state = 'queued'",
                    &[&id, &holder, &state, &error, &now],
                )?,
            };
            Ok(changed == 1)
        })
    }

    fn next_mail_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.with_client(|client| Ok(client.query_one(NEXT_DUE, &[])?.get(0)))
    }

    fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        self.with_client(|client| outbox::outbox_counts(&client.query_one(COUNTS_SELECT, &[])?))
    }

    fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.with_client(|client| {
            Ok(client.execute(
                "DELETE FROM outbox WHERE state <> 'queued' AND finished_at < $1",
                &[&before],
            )?)
        })
    }
}
