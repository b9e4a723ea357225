//! The mail outbox in SQLite. The single writer connection serialises claims, so the oldest
//! due row is simply taken and marked in one statement.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::SqliteStore;
use crate::outbox::{
    self, MailOutcome, NewMail, OutboxCounts, OutboxStore, QueuedMail, COUNTS_SELECT, NEXT_DUE, QUEUED_COLUMNS,
};
use crate::StoreError;

impl OutboxStore for SqliteStore {
    fn enqueue_mail(&self, mail: &NewMail<'_>, now: DateTime<Utc>) -> Result<i64, StoreError> {
        self.write(|conn| {
            Ok(conn.query_row(
                "INSERT INTO outbox (kind, recipient, payload, state, attempts, created_at, next_attempt_at)
                 VALUES (?1, ?2, ?3, 'queued', 0, ?4, ?4) RETURNING id",
                params![mail.kind.as_str(), mail.recipient, mail.payload, now],
                |row| row.get(0),
            )?)
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
        self.write(|conn| {
            let sql = format!(
                "UPDATE outbox SET claimed_by = ?1, claimed_until = ?2
                 WHERE id = (SELECT id FROM outbox
                             WHERE state = 'queued' AND next_attempt_at <= ?3
                               AND (claimed_until IS NULL OR claimed_until < ?3)
                               AND (?4 IS NULL OR id = ?4)
                             ORDER BY next_attempt_at, id LIMIT 1)
                 RETURNING {QUEUED_COLUMNS}"
            );
            conn.query_row(&sql, params![holder, until, now, only], |row| {
                Ok(outbox::queued_mail(row))
            })
            .optional()?
            .transpose()
        })
    }

    fn prepare_mail(&self, id: i64, holder: &str, recipient: &str, message: &[u8]) -> Result<bool, StoreError> {
        self.write(|conn| {
            let changed = conn.execute(
                "UPDATE outbox SET kind = 'message', recipient = ?3, payload = ?4
                 WHERE id = ?1 AND claimed_by = ?2 AND state = 'queued'",
                params![id, holder, recipient, message],
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
        self.write(|conn| {
            let changed = match outcome {
                MailOutcome::Retry { at, .. } => conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4,
                         claimed_by = NULL, claimed_until = NULL
                     WHERE id = ?1 AND claimed_by = ?2 AND state = 'queued'",
                    params![id, holder, error, at],
                )?,
                _ => conn.execute(
                    "UPDATE outbox SET state = ?3, last_error = ?4, finished_at = ?5, payload = x'',
                         attempts = attempts + CASE WHEN ?3 = 'dropped' THEN 0 ELSE 1 END,
                         claimed_by = NULL, claimed_until = NULL
                     WHERE id = ?1 AND claimed_by = ?2 AND state = 'queued'",
                    params![id, holder, state, error, now],
                )?,
            };
            Ok(changed == 1)
        })
    }

    fn next_mail_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.read(|conn| Ok(conn.query_row(NEXT_DUE, [], |row| row.get(0))?))
    }

    fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        self.read(|conn| conn.query_row(COUNTS_SELECT, [], |row| Ok(outbox::outbox_counts(row)))?)
    }

    fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.write(|conn| {
            let deleted = conn.execute(
                "DELETE FROM outbox WHERE state <> 'queued' AND finished_at < ?1",
                params![before],
            )?;
            Ok(deleted as u64)
        })
    }
}
