//! Accounts and their tokens in PostgreSQL.
//!
//! Behaves as the SQLite implementation does, with several instances writing at once (READ
//! COMMITTED): names and emails are unique by the `lower(…)` indexes, and a lost race to create
//! an account is reported as the clash it is, not as an error; a one-time link is found and
//! deleted by one statement, so only one of two instances taking it at once gets the user.

use chrono::{DateTime, Utc};
use postgres::GenericClient;

use super::{Params, PostgresStore};
use crate::accounts::{
    usable, used_recently, AccountStore, CreateUserOutcome, NewToken, NewUser, TokenInfo, TokenKind, User,
};
use crate::rows::{self, TOKEN_COLUMNS, TOKEN_WIDTH, USER_COLUMNS};
use crate::StoreError;

fn user_where(
    client: &mut impl GenericClient,
    condition: &str,
    params: &Params<'_>,
) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE {condition}");
    client.query_opt(&sql, params)?.map(|r| rows::user(&r, 0)).transpose()
}

fn token_with_user(
    client: &mut impl GenericClient,
    hash: &str,
    kind: TokenKind,
) -> Result<Option<(TokenInfo, User)>, StoreError> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS}, {USER_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id
         WHERE t.hash = $1 AND t.kind = $2"
    );
    let row = client.query_opt(&sql, &[&hash, &kind.as_str()])?;
    row.map(|r| Ok((rows::token(&r)?, rows::user(&r, TOKEN_WIDTH)?)))
        .transpose()
}

/// Which of a new account's name and email are taken, name first (as SQLite reports them).
fn clash(client: &mut impl GenericClient, user: &NewUser<'_>) -> Result<Option<CreateUserOutcome>, StoreError> {
    let row = client.query_one(
        "SELECT COALESCE(bool_or(lower(name) = lower($1)), FALSE), COALESCE(bool_or(lower(email) = lower($2)), FALSE)
         FROM users WHERE lower(name) = lower($1) OR lower(email) = lower($2)",
        &[&user.name, &user.email],
    )?;
    let (name_taken, email_taken): (bool, bool) = (row.try_get(0)?, row.try_get(1)?);
    Ok(if name_taken {
        Some(CreateUserOutcome::NameTaken)
    } else if email_taken {
        Some(CreateUserOutcome::EmailTaken)
    } else {
        None
    })
}

impl AccountStore for PostgresStore {
    fn create_user(&self, user: &NewUser<'_>) -> Result<CreateUserOutcome, StoreError> {
        self.with_client(|client| {
            // Checked first so that the outcome names what clashed; the unique indexes stay the
            // last word. An insert that loses a race to another instance inserts nothing (it
            // waits for the other to commit), and the check, run again, sees the winner. Only
            // a winner rolled back or deleted in between sends us round once more.
            for _ in 0..3 {
                if let Some(taken) = clash(client, user)? {
                    return Ok(taken);
                }
                let inserted = client.query_opt(
                    "INSERT INTO users (name, email, email_verified, password_hash, is_admin, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT DO NOTHING
                     RETURNING id",
                    &[
                        &user.name,
                        &user.email,
                        &user.email_verified,
                        &user.password_hash,
                        &user.is_admin,
                        &Utc::now(),
                    ],
                )?;
                if let Some(row) = inserted {
                    return Ok(CreateUserOutcome::Created(row.try_get(0)?));
                }
            }
            Err(StoreError::Other(format!(
                "account {} kept clashing with accounts that then vanished",
                user.name
            )))
        })
    }

    fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        self.with_client(|client| user_where(client, "u.id = $1", &[&id]))
    }

    fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        self.with_client(|client| user_where(client, "lower(u.name) = lower($1)", &[&name]))
    }

    fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.with_client(|client| user_where(client, "lower(u.email) = lower($1)", &[&email]))
    }

    fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError> {
        self.in_transaction(|tx| {
            tx.execute(
                "UPDATE users SET password_hash = $2 WHERE id = $1",
                &[&user_id, &password_hash],
            )?;
            tx.execute(
                "DELETE FROM tokens WHERE user_id = $1 AND kind IN ($2, $3, $4)",
                &[
                    &user_id,
                    &TokenKind::Session.as_str(),
                    &TokenKind::Api.as_str(),
                    &TokenKind::Feed.as_str(),
                ],
            )?;
            Ok(())
        })
    }

    fn set_email_verified(&self, user_id: i64) -> Result<(), StoreError> {
        self.with_client(|client| {
            client.execute("UPDATE users SET email_verified = TRUE WHERE id = $1", &[&user_id])?;
            Ok(())
        })
    }

    fn set_votes_public(&self, user_id: i64, public: bool) -> Result<(), StoreError> {
        self.with_client(|client| {
            client.execute("UPDATE users SET votes_public = $2 WHERE id = $1", &[&user_id, &public])?;
            Ok(())
        })
    }

    fn set_banned(&self, user_id: i64, banned: bool) -> Result<(), StoreError> {
        self.in_transaction(|tx| {
            tx.execute("UPDATE users SET banned = $2 WHERE id = $1", &[&user_id, &banned])?;
            if banned {
                tx.execute(
                    "DELETE FROM tokens WHERE user_id = $1 AND kind IN ($2, $3, $4)",
                    &[
                        &user_id,
                        &TokenKind::Session.as_str(),
                        &TokenKind::Api.as_str(),
                        &TokenKind::Feed.as_str(),
                    ],
                )?;
            }
            Ok(())
        })
    }

    fn set_admin(&self, user_id: i64, admin: bool) -> Result<(), StoreError> {
        self.with_client(|client| {
            client.execute("UPDATE users SET is_admin = $2 WHERE id = $1", &[&user_id, &admin])?;
            Ok(())
        })
    }

    fn users(&self, offset: u64, limit: u64) -> Result<Vec<User>, StoreError> {
        let (offset, limit) = (offset.min(i64::MAX as u64) as i64, limit.min(i64::MAX as u64) as i64);
        self.with_client(|client| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id LIMIT $1 OFFSET $2");
            client
                .query(&sql, &[&limit, &offset])?
                .iter()
                .map(|row| rows::user(row, 0))
                .collect()
        })
    }

    fn record_visit(
        &self,
        user_id: i64,
        seen_before: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        new_visit: bool,
    ) -> Result<bool, StoreError> {
        self.with_client(|client| {
            let changed = client.execute(
                "UPDATE users SET last_seen_at = $1,
                     previous_seen_at = CASE WHEN $2 THEN last_seen_at ELSE previous_seen_at END
                 WHERE id = $3 AND last_seen_at IS NOT DISTINCT FROM $4",
                &[&now, &new_visit, &user_id, &seen_before],
            )?;
            Ok(changed == 1)
        })
    }

    fn insert_token(&self, token: &NewToken<'_>) -> Result<i64, StoreError> {
        self.with_client(|client| {
            let row = client.query_one(
                "INSERT INTO tokens (hash, user_id, kind, label, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &token.hash,
                    &token.user_id,
                    &token.kind.as_str(),
                    &token.label,
                    &Utc::now(),
                    &token.expires_at,
                ],
            )?;
            Ok(row.try_get(0)?)
        })
    }

    fn find_token(
        &self,
        hash: &str,
        kind: TokenKind,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenInfo, User)>, StoreError> {
        self.with_client(|client| {
            let found = token_with_user(client, hash, kind)?;
            let Some((mut token, user)) = found.filter(|(token, user)| usable(token, user, now)) else {
                return Ok(None);
            };
            if used_recently(&token, now) {
                return Ok(Some((token, user)));
            }
            // Recording the use is also the check that the token still exists: a sign-out or a
            // ban that committed since the lookup deleted the row, and then the token is
            // refused. The time comes back as stored (PostgreSQL keeps microseconds).
            let recorded = client.query_opt(
                "UPDATE tokens SET last_used_at = $2 WHERE id = $1 RETURNING last_used_at",
                &[&token.id, &now],
            )?;
            let Some(row) = recorded else {
                return Ok(None);
            };
            token.last_used_at = row.try_get(0)?;
            Ok(Some((token, user)))
        })
    }

    fn take_token(&self, hash: &str, kind: TokenKind, now: DateTime<Utc>) -> Result<Option<User>, StoreError> {
        self.in_transaction(|tx| {
            // One statement finds and deletes: of two instances taking the same link at once,
            // the second waits for the first's delete and then finds nothing. One-time: spent
            // whether or not it is still usable (an expired link is dead anyway).
            let sql = format!(
                "DELETE FROM tokens t USING users u
                 WHERE u.id = t.user_id AND t.hash = $1 AND t.kind = $2
                 RETURNING {TOKEN_COLUMNS}, {USER_COLUMNS}"
            );
            let Some(row) = tx.query_opt(&sql, &[&hash, &kind.as_str()])? else {
                return Ok(None);
            };
            let (token, user) = (rows::token(&row)?, rows::user(&row, TOKEN_WIDTH)?);
            Ok(usable(&token, &user, now).then_some(user))
        })
    }

    fn delete_token(&self, hash: &str) -> Result<bool, StoreError> {
        self.with_client(|client| Ok(client.execute("DELETE FROM tokens WHERE hash = $1", &[&hash])? > 0))
    }

    fn delete_token_of(&self, user_id: i64, kind: TokenKind, token_id: i64) -> Result<bool, StoreError> {
        self.with_client(|client| {
            Ok(client.execute(
                "DELETE FROM tokens WHERE id = $1 AND user_id = $2 AND kind = $3",
                &[&token_id, &user_id, &kind.as_str()],
            )? > 0)
        })
    }

    fn delete_tokens(&self, user_id: i64, kind: TokenKind) -> Result<usize, StoreError> {
        self.with_client(|client| {
            let deleted = client.execute(
                "DELETE FROM tokens WHERE user_id = $1 AND kind = $2",
                &[&user_id, &kind.as_str()],
            )?;
            Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
        })
    }

    fn tokens(&self, user_id: i64, kind: TokenKind) -> Result<Vec<TokenInfo>, StoreError> {
        self.with_client(|client| {
            let rows = client.query(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.user_id = $1 AND t.kind = $2 ORDER BY t.id DESC"
                ),
                &[&user_id, &kind.as_str()],
            )?;
            rows.iter().map(rows::token).collect()
        })
    }
}
