//! Subscribers and the delivery ledger in PostgreSQL.
//!
//! Behaves as the SQLite ledger does. Where SQLite gets its safety from having one writer,
//! here several instances write at once: subscribers are added with `ON CONFLICT DO NOTHING`
//! (two requests for one address create one row), and a claim locks its ledger row
//! (`FOR UPDATE`), so that a claim racing a `mark_sent` sees either the pending row, before
//! the send is recorded, or the sent one, never a stale copy.

use chrono::Utc;
use postgres::GenericClient;

use super::{Params, PostgresStore};
use crate::digest::{
    attempts_count, delivery_row, subscriber_row, Claim, Delivery, DigestStore, Frequency, Ledger, Subscriber,
    SubscriberStatus, DELIVERY_COLUMNS,
};
use crate::StoreError;

/// `topics` comes back as JSON text, decoded in Rust as SQLite's text column is.
const SUBSCRIBER_COLUMNS: &str =
    "id, email, frequency, topics::text, status, hard_bounces, created_at, confirmed_at, like_upvoted";

fn query_subscribers(
    client: &mut impl GenericClient,
    filter: &str,
    params: &Params<'_>,
) -> Result<Vec<Subscriber>, StoreError> {
    let sql = format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers {filter} ORDER BY id");
    client.query(&sql, params)?.iter().map(subscriber_row).collect()
}

/// JSON text for a `$n::text::jsonb` parameter.
fn topics_json(topics: &[String]) -> String {
    serde_json::to_string(topics).expect("a list of strings serialises")
}

impl DigestStore for PostgresStore {
    fn add_subscriber(
        &self,
        email: &str,
        frequency: Frequency,
        topics: &[String],
        status: SubscriberStatus,
    ) -> Result<(Subscriber, bool), StoreError> {
        let now = Utc::now();
        let confirmed_at = (status == SubscriberStatus::Active).then_some(now);
        let topics = topics_json(topics);
        self.with_client(|client| {
            // The existing row can be deleted between a conflicting insert and the select that
            // reads it; then inserting again is right. Twice in a row would be a bug elsewhere.
            for _ in 0..3 {
                let inserted = client.query_opt(
                    &format!(
                        "INSERT INTO subscribers (email, frequency, topics, status, created_at, confirmed_at)
                         VALUES ($1, $2, $3::text::jsonb, $4, $5, $6)
                         ON CONFLICT (email) DO NOTHING
                         RETURNING {SUBSCRIBER_COLUMNS}"
                    ),
                    &[
                        &email,
                        &frequency.as_str(),
                        &topics,
                        &status.as_str(),
                        &now,
                        &confirmed_at,
                    ],
                )?;
                if let Some(row) = inserted {
                    return Ok((subscriber_row(&row)?, true));
                }
                if let Some(existing) = query_subscribers(client, "WHERE email = $1", &[&email])?.pop() {
                    return Ok((existing, false));
                }
            }
            Err(StoreError::Other(format!(
                "subscriber {email} kept vanishing while being added"
            )))
        })
    }

    fn subscriber(&self, id: i64) -> Result<Option<Subscriber>, StoreError> {
        self.with_client(|client| Ok(query_subscribers(client, "WHERE id = $1", &[&id])?.pop()))
    }

    fn subscriber_by_email(&self, email: &str) -> Result<Option<Subscriber>, StoreError> {
        self.with_client(|client| Ok(query_subscribers(client, "WHERE email = $1", &[&email])?.pop()))
    }

    fn subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        self.with_client(|client| query_subscribers(client, "", &[]))
    }

    fn set_subscriber_status(&self, id: i64, status: SubscriberStatus) -> Result<bool, StoreError> {
        self.with_client(|client| {
            let changed = if status == SubscriberStatus::Active {
                client.execute(
                    "UPDATE subscribers SET status = $2, hard_bounces = 0,
                            confirmed_at = COALESCE(confirmed_at, $3) WHERE id = $1",
                    &[&id, &status.as_str(), &Utc::now()],
                )?
            } else {
                client.execute(
                    "UPDATE subscribers SET status = $2 WHERE id = $1",
                    &[&id, &status.as_str()],
                )?
            };
            Ok(changed > 0)
        })
    }

    fn set_preferences(&self, id: i64, frequency: Frequency, topics: &[String]) -> Result<bool, StoreError> {
        self.with_client(|client| {
            let changed = client.execute(
                "UPDATE subscribers SET frequency = $2, topics = $3::text::jsonb WHERE id = $1",
                &[&id, &frequency.as_str(), &topics_json(topics)],
            )?;
            Ok(changed > 0)
        })
    }

    fn set_like_upvoted(&self, id: i64, on: bool) -> Result<bool, StoreError> {
        self.with_client(|client| {
            Ok(client.execute("UPDATE subscribers SET like_upvoted = $2 WHERE id = $1", &[&id, &on])? > 0)
        })
    }

    fn papers_sent(&self, subscriber_id: i64, limit: usize) -> Result<Vec<String>, StoreError> {
        let limit = limit.min(i64::MAX as usize) as i64;
        self.with_client(|client| {
            let rows = client.query(
                r#"SELECT paper_id FROM digest_papers_sent WHERE subscriber_id = $1
                   ORDER BY sent_at DESC, paper_id COLLATE "C" LIMIT $2"#,
                &[&subscriber_id, &limit],
            )?;
            Ok(rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?)
        })
    }

    fn account_of_subscriber(&self, id: i64) -> Result<Option<i64>, StoreError> {
        self.with_client(|client| {
            // Only an account whose address is verified lends its signals to a subscription.
            // Addresses match as SQLite's lower() matches them, ASCII letters only (the
            // `COLLATE "C"` comparison); the plain lower() one, implied by it, lets the
            // users_email index find the account.
            let row = client.query_opt(
                r#"SELECT u.id FROM subscribers s
                   JOIN users u ON lower(u.email) = lower(s.email)
                                AND lower(u.email COLLATE "C") = lower(s.email COLLATE "C")
                                AND u.email_verified AND NOT u.banned
                   WHERE s.id = $1"#,
                &[&id],
            )?;
            Ok(row.map(|r| r.try_get(0)).transpose()?)
        })
    }

    fn remove_subscriber(&self, id: i64) -> Result<bool, StoreError> {
        // Ledger rows go with it (ON DELETE CASCADE).
        self.with_client(|client| Ok(client.execute("DELETE FROM subscribers WHERE id = $1", &[&id])? > 0))
    }

    fn claim_delivery(
        &self,
        subscriber_id: i64,
        frequency: Frequency,
        period: &str,
        message_id: &str,
    ) -> Result<Claim, StoreError> {
        self.in_transaction(|tx| claim_row(tx, Ledger::Subscribers, subscriber_id, frequency, period, message_id))
    }

    fn mark_sent(
        &self,
        subscriber_id: i64,
        frequency: Frequency,
        period: &str,
        papers: &[String],
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        self.in_transaction(|tx| {
            mark_row_sent(tx, Ledger::Subscribers, subscriber_id, frequency, period)?;
            if !papers.is_empty() {
                tx.execute(
                    "INSERT INTO digest_papers_sent (subscriber_id, paper_id, period, sent_at)
                     SELECT $1, paper, $3, $4 FROM unnest($2::text[]) AS paper
                     ON CONFLICT (subscriber_id, paper_id) DO UPDATE SET period = excluded.period,
                                                                   sent_at = excluded.sent_at",
                    &[&subscriber_id, &papers, &period, &now],
                )?;
            }
            tx.execute(
                "UPDATE subscribers SET hard_bounces = 0 WHERE id = $1",
                &[&subscriber_id],
            )?;
            Ok(())
        })
    }

    fn mark_failed(
        &self,
        subscriber_id: i64,
        frequency: Frequency,
        period: &str,
        error: &str,
        permanent: bool,
        pause_after_bounces: u32,
    ) -> Result<(), StoreError> {
        self.in_transaction(|tx| {
            mark_row_failed(
                tx,
                Ledger::Subscribers,
                subscriber_id,
                frequency,
                period,
                error,
                permanent,
            )?;
            if permanent {
                // The update locks the row, and its CASE reads the count it increments: two
                // bounces recorded at once count twice and pause at the right one.
                tx.execute(
                    "UPDATE subscribers SET hard_bounces = hard_bounces + 1,
                            status = CASE WHEN hard_bounces + 1 >= $2 AND status = 'active' THEN 'paused'
                                          ELSE status END
                     WHERE id = $1",
                    &[&subscriber_id, &i64::from(pause_after_bounces)],
                )?;
            }
            Ok(())
        })
    }

    fn deliveries(&self, frequency: Frequency, period: &str) -> Result<Vec<Delivery>, StoreError> {
        self.with_client(|client| {
            let rows = client.query(
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM digest_deliveries
                     WHERE frequency = $1 AND period = $2 ORDER BY subscriber_id"
                ),
                &[&frequency.as_str(), &period],
            )?;
            rows.iter().map(|row| delivery_row(row, frequency)).collect()
        })
    }
}

/// Claims `ledger`'s row of recipient `id` for `frequency` and `period` (see [`Claim`]), in the
/// caller's transaction.
pub(super) fn claim_row(
    tx: &mut impl GenericClient,
    ledger: Ledger,
    id: i64,
    frequency: Frequency,
    period: &str,
    message_id: &str,
) -> Result<Claim, StoreError> {
    let (table, key) = (ledger.table(), ledger.key());
    let now = Utc::now();
    // A new row is the first attempt. A concurrent insert of the same row makes this one wait
    // for it, then do nothing: the row is claimed below as an existing one.
    let inserted = tx.execute(
        format!(
            "INSERT INTO {table} ({key}, frequency, period, state, attempts, message_id, updated_at)
             VALUES ($1, $2, $3, 'pending', 1, $4, $5)
             ON CONFLICT ({key}, frequency, period) DO NOTHING"
        )
        .as_str(),
        &[&id, &frequency.as_str(), &period, &message_id, &now],
    )?;
    if inserted > 0 {
        return Ok(Claim::Claimed { attempts: 1 });
    }
    // Locked until commit: a mark_sent in flight finishes first, and is seen.
    let found = tx.query_opt(
        format!(
            "SELECT state, permanent, attempts FROM {table}
             WHERE {key} = $1 AND frequency = $2 AND period = $3
             FOR UPDATE"
        )
        .as_str(),
        &[&id, &frequency.as_str(), &period],
    )?;
    let Some(row) = found else {
        // Deleted with its recipient between the two statements.
        return Err(StoreError::Other(format!(
            "{} {id} was removed while its {} digest for {period} was being claimed",
            ledger.recipient(),
            frequency.as_str()
        )));
    };
    let (state, permanent, attempts): (String, bool, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    if state == "sent" {
        return Ok(Claim::AlreadySent);
    }
    if permanent {
        return Ok(Claim::PermanentlyFailed);
    }
    tx.execute(
        format!(
            "UPDATE {table} SET state = 'pending', attempts = attempts + 1, updated_at = $4
             WHERE {key} = $1 AND frequency = $2 AND period = $3"
        )
        .as_str(),
        &[&id, &frequency.as_str(), &period, &now],
    )?;
    Ok(Claim::Claimed {
        attempts: attempts_count(attempts + 1, ledger, id, period)?,
    })
}

/// Marks `ledger`'s row of recipient `id` sent.
pub(super) fn mark_row_sent(
    client: &mut impl GenericClient,
    ledger: Ledger,
    id: i64,
    frequency: Frequency,
    period: &str,
) -> Result<(), StoreError> {
    let (table, key) = (ledger.table(), ledger.key());
    client.execute(
        format!(
            "UPDATE {table} SET state = 'sent', last_error = NULL, updated_at = $4
             WHERE {key} = $1 AND frequency = $2 AND period = $3"
        )
        .as_str(),
        &[&id, &frequency.as_str(), &period, &Utc::now()],
    )?;
    Ok(())
}

/// Marks `ledger`'s row of recipient `id` failed, for good when `permanent`.
pub(super) fn mark_row_failed(
    client: &mut impl GenericClient,
    ledger: Ledger,
    id: i64,
    frequency: Frequency,
    period: &str,
    error: &str,
    permanent: bool,
) -> Result<(), StoreError> {
    let (table, key) = (ledger.table(), ledger.key());
    client.execute(
        format!(
            "UPDATE {table} SET state = 'failed', permanent = $4, last_error = $5, updated_at = $6
             WHERE {key} = $1 AND frequency = $2 AND period = $3"
        )
        .as_str(),
        &[&id, &frequency.as_str(), &period, &permanent, &error, &Utc::now()],
    )?;
    Ok(())
}
