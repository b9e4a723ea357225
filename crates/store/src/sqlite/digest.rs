//! Subscribers and the delivery ledger in SQLite.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{collect, SqliteStore};
use crate::digest::{
    delivery_row, subscriber_row, Claim, Delivery, DigestStore, Frequency, Ledger, Subscriber, SubscriberStatus,
    DELIVERY_COLUMNS,
};
use crate::StoreError;

const SUBSCRIBER_COLUMNS: &str =
    "id, email, frequency, topics, status, hard_bounces, created_at, confirmed_at, like_upvoted";

fn query_subscribers(
    conn: &Connection,
    filter: &str,
    param: &dyn rusqlite::ToSql,
) -> Result<Vec<Subscriber>, StoreError> {
    let sql = format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers {filter} ORDER BY id");
    if filter.is_empty() {
        collect(conn, &sql, [], |r| subscriber_row(r))
    } else {
        collect(conn, &sql, [param], |r| subscriber_row(r))
    }
}

fn topics_json(topics: &[String]) -> String {
    serde_json::to_string(topics).expect("a list of strings serialises")
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

impl DigestStore for SqliteStore {
    fn add_subscriber(
        &self,
        email: &str,
        frequency: Frequency,
        topics: &[String],
        status: SubscriberStatus,
    ) -> Result<(Subscriber, bool), StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let existing = query_subscribers(&tx, "WHERE email = ?1", &email)?.pop();
            if let Some(existing) = existing {
                return Ok((existing, false));
            }
            let confirmed_at = (status == SubscriberStatus::Active).then(now);
            tx.execute(
                "INSERT INTO subscribers (email, frequency, topics, status, created_at, confirmed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    email,
                    frequency.as_str(),
                    topics_json(topics),
                    status.as_str(),
                    now(),
                    confirmed_at
                ],
            )?;
            let id = tx.last_insert_rowid();
            let created = query_subscribers(&tx, "WHERE id = ?1", &id)?
                .pop()
                .ok_or_else(|| StoreError::Other("a subscriber vanished while being added".into()))?;
            tx.commit()?;
            Ok((created, true))
        })
    }

    fn subscriber(&self, id: i64) -> Result<Option<Subscriber>, StoreError> {
        self.read(|conn| Ok(query_subscribers(conn, "WHERE id = ?1", &id)?.pop()))
    }

    fn subscriber_by_email(&self, email: &str) -> Result<Option<Subscriber>, StoreError> {
        self.read(|conn| Ok(query_subscribers(conn, "WHERE email = ?1", &email)?.pop()))
    }

    fn subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        self.read(|conn| query_subscribers(conn, "", &0))
    }

    fn set_subscriber_status(&self, id: i64, status: SubscriberStatus) -> Result<bool, StoreError> {
        self.write(|conn| {
            let changed = if status == SubscriberStatus::Active {
                conn.execute(
                    "UPDATE subscribers SET status = ?2, hard_bounces = 0,
                            confirmed_at = COALESCE(confirmed_at, ?3) WHERE id = ?1",
                    params![id, status.as_str(), now()],
                )?
            } else {
                conn.execute(
                    "UPDATE subscribers SET status = ?2 WHERE id = ?1",
                    params![id, status.as_str()],
                )?
            };
            Ok(changed > 0)
        })
    }

    fn set_preferences(&self, id: i64, frequency: Frequency, topics: &[String]) -> Result<bool, StoreError> {
        self.write(|conn| {
            let changed = conn.execute(
                "UPDATE subscribers SET frequency = ?2, topics = ?3 WHERE id = ?1",
                params![id, frequency.as_str(), topics_json(topics)],
            )?;
            Ok(changed > 0)
        })
    }

    fn set_like_upvoted(&self, id: i64, on: bool) -> Result<bool, StoreError> {
        self.write(|conn| {
            Ok(conn.execute(
                "UPDATE subscribers SET like_upvoted = ?2 WHERE id = ?1",
                params![id, on],
            )? > 0)
        })
    }

    fn papers_sent(&self, subscriber_id: i64, limit: usize) -> Result<Vec<String>, StoreError> {
        self.read(|conn| {
            collect(
                conn,
                "SELECT paper_id FROM digest_papers_sent WHERE subscriber_id = ?1
                 ORDER BY sent_at DESC, paper_id LIMIT ?2",
                params![subscriber_id, limit.min(i64::MAX as usize) as i64],
                |r| Ok(r.get(0)?),
            )
        })
    }

    fn account_of_subscriber(&self, id: i64) -> Result<Option<i64>, StoreError> {
        self.read(|conn| {
            // Only an account whose address is verified lends its signals to a subscription.
            Ok(conn
                .query_row(
                    "SELECT u.id FROM subscribers s
                     JOIN users u ON lower(u.email) = lower(s.email) AND u.email_verified = 1 AND u.banned = 0
                     WHERE s.id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?)
        })
    }

    fn remove_subscriber(&self, id: i64) -> Result<bool, StoreError> {
        self.write(|conn| Ok(conn.execute("DELETE FROM subscribers WHERE id = ?1", [id])? > 0))
    }

    fn claim_delivery(
        &self,
        subscriber_id: i64,
        frequency: Frequency,
        period: &str,
        message_id: &str,
    ) -> Result<Claim, StoreError> {
        self.write(|conn| claim_row(conn, Ledger::Subscribers, subscriber_id, frequency, period, message_id))
    }

    fn mark_sent(
        &self,
        subscriber_id: i64,
        frequency: Frequency,
        period: &str,
        papers: &[String],
    ) -> Result<(), StoreError> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            mark_row_sent(&tx, Ledger::Subscribers, subscriber_id, frequency, period)?;
            {
                let mut record = tx.prepare_cached(
                    "INSERT INTO digest_papers_sent (subscriber_id, paper_id, period, sent_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (subscriber_id, paper_id) DO UPDATE SET period = excluded.period,
                                                                   sent_at = excluded.sent_at",
                )?;
                for paper in papers {
                    record.execute(params![subscriber_id, paper, period, now()])?;
                }
            }
            tx.execute("UPDATE subscribers SET hard_bounces = 0 WHERE id = ?1", [subscriber_id])?;
            tx.commit()?;
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
        self.write(|conn| {
            let tx = conn.transaction()?;
            mark_row_failed(
                &tx,
                Ledger::Subscribers,
                subscriber_id,
                frequency,
                period,
                error,
                permanent,
            )?;
            if permanent {
                tx.execute(
                    "UPDATE subscribers SET hard_bounces = hard_bounces + 1,
                            status = CASE WHEN hard_bounces + 1 >= ?2 AND status = 'active' THEN 'paused'
                                          ELSE status END
                     WHERE id = ?1",
                    params![subscriber_id, pause_after_bounces],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn deliveries(&self, frequency: Frequency, period: &str) -> Result<Vec<Delivery>, StoreError> {
        self.read(|conn| {
            collect(
                conn,
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM digest_deliveries
                     WHERE frequency = ?1 AND period = ?2 ORDER BY subscriber_id"
                ),
                params![frequency.as_str(), period],
                |r| delivery_row(r, frequency),
            )
        })
    }
}

/// Claims `ledger`'s row of recipient `id` for `frequency` and `period` (see [`Claim`]): a new
/// row is the first attempt; the immediate transaction makes concurrent claims take turns.
pub(super) fn claim_row(
    conn: &mut Connection,
    ledger: Ledger,
    id: i64,
    frequency: Frequency,
    period: &str,
    message_id: &str,
) -> Result<Claim, StoreError> {
    let (table, key) = (ledger.table(), ledger.key());
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: Option<(String, bool, u32)> = tx
        .query_row(
            &format!(
                "SELECT state, permanent, attempts FROM {table} WHERE {key} = ?1 AND frequency = ?2 AND period = ?3"
            ),
            params![id, frequency.as_str(), period],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let claim = match found {
        Some((state, _, _)) if state == "sent" => Claim::AlreadySent,
        Some((_, true, _)) => Claim::PermanentlyFailed,
        Some((_, false, attempts)) => {
            tx.execute(
                &format!(
                    "UPDATE {table} SET state = 'pending', attempts = attempts + 1, updated_at = ?4
                     WHERE {key} = ?1 AND frequency = ?2 AND period = ?3"
                ),
                params![id, frequency.as_str(), period, now()],
            )?;
            Claim::Claimed { attempts: attempts + 1 }
        }
        None => {
            tx.execute(
                &format!(
                    "INSERT INTO {table} ({key}, frequency, period, state, attempts, message_id, updated_at)
                     VALUES (?1, ?2, ?3, 'pending', 1, ?4, ?5)"
                ),
                params![id, frequency.as_str(), period, message_id, now()],
            )?;
            Claim::Claimed { attempts: 1 }
        }
    };
    tx.commit()?;
    Ok(claim)
}

/// Marks `ledger`'s row of recipient `id` sent (within the caller's transaction).
pub(super) fn mark_row_sent(
    conn: &Connection,
    ledger: Ledger,
    id: i64,
    frequency: Frequency,
    period: &str,
) -> Result<(), StoreError> {
    let (table, key) = (ledger.table(), ledger.key());
    conn.execute(
        &format!(
            "UPDATE {table} SET state = 'sent', last_error = NULL, updated_at = ?4
             WHERE {key} = ?1 AND frequency = ?2 AND period = ?3"
        ),
        params![id, frequency.as_str(), period, now()],
    )?;
    Ok(())
}

/// Marks `ledger`'s row of recipient `id` failed, for good when `permanent`.
pub(super) fn mark_row_failed(
    conn: &Connection,
    ledger: Ledger,
    id: i64,
    frequency: Frequency,
    period: &str,
    error: &str,
    permanent: bool,
) -> Result<(), StoreError> {
    let (table, key) = (ledger.table(), ledger.key());
    conn.execute(
        &format!(
            "UPDATE {table} SET state = 'failed', permanent = ?4, last_error = ?5, updated_at = ?6
             WHERE {key} = ?1 AND frequency = ?2 AND period = ?3"
        ),
        params![id, frequency.as_str(), period, permanent, error, now()],
    )?;
    Ok(())
}
