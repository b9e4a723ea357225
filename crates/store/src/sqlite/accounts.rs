//! Accounts and their tokens in SQLite.
//!
//! A change that must see what it changes (a new account's name and email, a one-time link
//! being spent) runs in one IMMEDIATE transaction: the write lock is taken before anything is
//! read, so two writers (threads here, or another process on the same file, waiting through
//! `busy_timeout`) never both act on the same stale read.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, TransactionBehavior};

use super::{collect, one, SqliteStore};
use crate::accounts::{
    usable, used_recently, AccountStore, CreateUserOutcome, NewToken, NewUser, TokenInfo, TokenKind, User,
};
use crate::rows::{self, TOKEN_COLUMNS, TOKEN_WIDTH, USER_COLUMNS};
use crate::StoreError;

fn user_where(conn: &Connection, condition: &str, param: impl rusqlite::ToSql) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE {condition}");
    one(conn, &sql, [param], |r| rows::user(r, 0))
}

fn token_with_user(conn: &Connection, hash: &str, kind: TokenKind) -> Result<Option<(TokenInfo, User)>, StoreError> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS}, {USER_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id
         WHERE t.hash = ?1 AND t.kind = ?2"
    );
    one(conn, &sql, params![hash, kind.as_str()], |r| {
        Ok((rows::token(r)?, rows::user(r, TOKEN_WIDTH)?))
    })
}

impl AccountStore for SqliteStore {
    fn create_user(&self, user: &NewUser<'_>) -> Result<CreateUserOutcome, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Checked first, under the write lock, so the outcome names what clashed; the
            // unique indexes stay the last word.
            let taken = |column: &str, value: &str| {
                let sql = format!("SELECT 1 FROM users WHERE lower({column}) = lower(?1)");
                one(&tx, &sql, [value], |_| Ok(())).map(|found| found.is_some())
            };
            if taken("name", user.name)? {
                return Ok(CreateUserOutcome::NameTaken);
            }
            if taken("email", user.email)? {
                return Ok(CreateUserOutcome::EmailTaken);
            }
            tx.execute(
                "INSERT INTO users (name, email, email_verified, password_hash, is_admin, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    user.name,
                    user.email,
                    user.email_verified,
                    user.password_hash,
                    user.is_admin,
                    Utc::now()
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(CreateUserOutcome::Created(id))
        })
    }

    fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        self.read(|conn| user_where(conn, "u.id = ?1", id))
    }

    fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        self.read(|conn| user_where(conn, "lower(u.name) = lower(?1)", name))
    }

    fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.read(|conn| user_where(conn, "lower(u.email) = lower(?1)", email))
    }

    fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                params![user_id, password_hash],
            )?;
            tx.execute(
                "DELETE FROM tokens WHERE user_id = ?1 AND kind IN (?2, ?3, ?4)",
                params![
                    user_id,
                    TokenKind::Session.as_str(),
                    TokenKind::Api.as_str(),
                    TokenKind::Feed.as_str()
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn set_email_verified(&self, user_id: i64) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute("UPDATE users SET email_verified = 1 WHERE id = ?1", [user_id])?;
            Ok(())
        })
    }

    fn set_votes_public(&self, user_id: i64, public: bool) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "UPDATE users SET votes_public = ?2 WHERE id = ?1",
                params![user_id, public],
            )?;
            Ok(())
        })
    }

    fn set_banned(&self, user_id: i64, banned: bool) -> Result<(), StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("UPDATE users SET banned = ?2 WHERE id = ?1", params![user_id, banned])?;
            if banned {
                tx.execute(
                    "DELETE FROM tokens WHERE user_id = ?1 AND kind IN (?2, ?3, ?4)",
                    params![
                        user_id,
                        TokenKind::Session.as_str(),
                        TokenKind::Api.as_str(),
                        TokenKind::Feed.as_str()
                    ],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn set_admin(&self, user_id: i64, admin: bool) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute("UPDATE users SET is_admin = ?2 WHERE id = ?1", params![user_id, admin])?;
            Ok(())
        })
    }

    fn users(&self, offset: u64, limit: u64) -> Result<Vec<User>, StoreError> {
        let (offset, limit) = (offset.min(i64::MAX as u64) as i64, limit.min(i64::MAX as u64) as i64);
        self.read(|conn| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id LIMIT ?1 OFFSET ?2");
            collect(conn, &sql, params![limit, offset], |r| rows::user(r, 0))
        })
    }

    fn record_visit(
        &self,
        user_id: i64,
        seen_before: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        new_visit: bool,
    ) -> Result<bool, StoreError> {
        self.write(|conn| {
            let changed = conn.execute(
                "UPDATE users SET last_seen_at = ?1,
                     previous_seen_at = CASE WHEN ?2 THEN last_seen_at ELSE previous_seen_at END
                 WHERE id = ?3 AND last_seen_at IS ?4",
                params![now, new_visit, user_id, seen_before],
            )?;
            Ok(changed == 1)
        })
    }

    fn insert_token(&self, token: &NewToken<'_>) -> Result<i64, StoreError> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO tokens (hash, user_id, kind, label, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    token.hash,
                    token.user_id,
                    token.kind.as_str(),
                    token.label,
                    Utc::now(),
                    token.expires_at
                ],
            )?;
            Ok(conn.last_insert_rowid())
        })
    }

    fn find_token(
        &self,
        hash: &str,
        kind: TokenKind,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenInfo, User)>, StoreError> {
        // Looked up on a read connection, so that unknown and expired tokens (every request of
        // a signed-out visitor) never wait for the writer.
        let found = self.read(|conn| token_with_user(conn, hash, kind))?;
        let Some((mut token, user)) = found.filter(|(token, user)| usable(token, user, now)) else {
            return Ok(None);
        };
        // A write here is serialised with all others: skipped for a token used a moment ago.
        if used_recently(&token, now) {
            return Ok(Some((token, user)));
        }
        // Recording the use is also the check that the token still exists: a sign-out or a ban
        // that committed since the lookup deletes the row, and then the token is refused.
        let recorded = self.write(|conn| {
            Ok(conn
                .prepare_cached("UPDATE tokens SET last_used_at = ?2 WHERE id = ?1")?
                .execute(params![token.id, now])?)
        })?;
        if recorded == 0 {
            return Ok(None);
        }
        token.last_used_at = Some(now);
        Ok(Some((token, user)))
    }

    fn take_token(&self, hash: &str, kind: TokenKind, now: DateTime<Utc>) -> Result<Option<User>, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some((token, user)) = token_with_user(&tx, hash, kind)? else {
                return Ok(None);
            };
            // One-time: spent whether or not it is still usable (an expired link is dead anyway).
            tx.execute("DELETE FROM tokens WHERE id = ?1", [token.id])?;
            tx.commit()?;
            Ok(usable(&token, &user, now).then_some(user))
        })
    }

    fn delete_token(&self, hash: &str) -> Result<bool, StoreError> {
        self.write(|conn| Ok(conn.execute("DELETE FROM tokens WHERE hash = ?1", [hash])? > 0))
    }

    fn delete_token_of(&self, user_id: i64, kind: TokenKind, token_id: i64) -> Result<bool, StoreError> {
        self.write(|conn| {
            Ok(conn.execute(
                "DELETE FROM tokens WHERE id = ?1 AND user_id = ?2 AND kind = ?3",
                params![token_id, user_id, kind.as_str()],
            )? > 0)
        })
    }

    fn delete_tokens(&self, user_id: i64, kind: TokenKind) -> Result<usize, StoreError> {
        self.write(|conn| {
            Ok(conn.execute(
                "DELETE FROM tokens WHERE user_id = ?1 AND kind = ?2",
                params![user_id, kind.as_str()],
            )?)
        })
    }

    fn tokens(&self, user_id: i64, kind: TokenKind) -> Result<Vec<TokenInfo>, StoreError> {
        self.read(|conn| {
            collect(
                conn,
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.user_id = ?1 AND t.kind = ?2 ORDER BY t.id DESC"
                ),
                params![user_id, kind.as_str()],
                |r| rows::token(r),
            )
        })
    }
}
