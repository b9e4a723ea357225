//! Storage for accounts: users, their passwords and bans, and the tokens they hold (sign-in
//! sessions, API tokens, one-time links).
//!
//! Secrets never reach the store in the clear: sessions, API tokens and one-time links are
//! stored as the SHA-256 of the token the user holds (hashing is the caller's job,
//! `paperboy_accounts::secret`), passwords as Argon2id hashes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::StoreError;

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    /// Unique case-insensitively; shown as created.
    pub name: String,
    /// Unique case-insensitively.
    #[serde(skip)]
    pub email: String,
    pub email_verified: bool,
    #[serde(skip)]
    pub password_hash: String,
    pub is_admin: bool,
    pub banned: bool,
    /// Whether the profile page lists the papers this user upvoted.
    pub votes_public: bool,
    pub created_at: DateTime<Utc>,
    /// When this user was last seen (recorded at most every few minutes, see `record_visit`).
    #[serde(skip)]
    pub last_seen_at: Option<DateTime<Utc>>,
    /// When their previous visit ended: what was added since is new to them.
    #[serde(skip)]
    pub previous_seen_at: Option<DateTime<Utc>>,
}

/// What [`AccountStore::create_user`] needs.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    pub email_verified: bool,
}

/// Why an account could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateUserOutcome {
    Created(i64),
    NameTaken,
    EmailTaken,
}

/// What a stored token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A sign-in session (cookie).
    Session,
    /// An API token (`Authorization: Bearer …`).
    Api,
    /// A one-time password-reset link.
    PasswordReset,
    /// A one-time email-verification link.
    VerifyEmail,
    /// A private feed link (`/feeds/for-you.atom?token=…`): reads the reader's own feeds only.
    Feed,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Api => "api",
            TokenKind::PasswordReset => "password_reset",
            TokenKind::VerifyEmail => "verify_email",
            TokenKind::Feed => "feed",
        }
    }

    pub fn parse(s: &str) -> Option<TokenKind> {
        [
            TokenKind::Session,
            TokenKind::Api,
            TokenKind::PasswordReset,
            TokenKind::VerifyEmail,
            TokenKind::Feed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A token to store: `hash` is the hex SHA-256 of what the user holds.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub hash: &'a str,
    pub user_id: i64,
    pub kind: TokenKind,
    /// A name the user gave it (API tokens), shown in settings.
    pub label: Option<&'a str>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A stored token, without its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub kind: TokenKind,
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Accounts and the tokens that sign them in. Blocking, like [`crate::PaperStore`].
pub trait AccountStore: Send + Sync {
    // --- accounts ---------------------------------------------------------------------
    fn create_user(&self, user: &NewUser<'_>) -> Result<CreateUserOutcome, StoreError>;
    fn user(&self, id: i64) -> Result<Option<User>, StoreError>;
    /// Case-insensitive.
    fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError>;
    /// Case-insensitive.
    fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;
    /// Sets the password hash and deletes every session, API token and feed link of the user
    /// (one transaction): whoever knew the old password may have made any of them.
    fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError>;
    fn set_email_verified(&self, user_id: i64) -> Result<(), StoreError>;
    fn set_votes_public(&self, user_id: i64, public: bool) -> Result<(), StoreError>;
    /// Bans (deleting every session, API token and feed link) or unbans.
    fn set_banned(&self, user_id: i64, banned: bool) -> Result<(), StoreError>;
    /// Grants or withdraws moderation rights.
    fn set_admin(&self, user_id: i64, admin: bool) -> Result<(), StoreError>;
    /// Accounts in the order they were made, one page.
    fn users(&self, offset: u64, limit: u64) -> Result<Vec<User>, StoreError>;
    /// Records that the user was seen at `now`; with `new_visit`, the visit their
    /// `last_seen_at` (`seen_before`) belonged to has ended and becomes their previous one.
    /// Only when `last_seen_at` is still `seen_before` (two requests racing to start a visit
    /// must not make the first one's time the "previous visit"); false when it was not.
    fn record_visit(
        &self,
        user_id: i64,
        seen_before: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        new_visit: bool,
    ) -> Result<bool, StoreError>;

    // --- tokens -----------------------------------------------------------------------
    fn insert_token(&self, token: &NewToken<'_>) -> Result<i64, StoreError>;
    /// The unexpired token of `kind` with this hash and its user, recording its use.
    fn find_token(
        &self,
        hash: &str,
        kind: TokenKind,
        now: DateTime<Utc>,
    ) -> Result<Option<(TokenInfo, User)>, StoreError>;
    /// Like `find_token`, but deletes the token in the same transaction (one-time links).
    fn take_token(&self, hash: &str, kind: TokenKind, now: DateTime<Utc>) -> Result<Option<User>, StoreError>;
    /// Deletes one token by hash (sign-out). False when there was none.
    fn delete_token(&self, hash: &str) -> Result<bool, StoreError>;
    /// Deletes a user's token of `kind` by id (revoking an API token or a feed link). False
    /// when there is no such token of theirs of that kind: a form revoking feed links cannot
    /// end an API token or a session, and the other way round.
    fn delete_token_of(&self, user_id: i64, kind: TokenKind, token_id: i64) -> Result<bool, StoreError>;
    /// Deletes every token of `kind` the user has; returns how many.
    fn delete_tokens(&self, user_id: i64, kind: TokenKind) -> Result<usize, StoreError>;
    /// The user's tokens of `kind`, newest first.
    fn tokens(&self, user_id: i64, kind: TokenKind) -> Result<Vec<TokenInfo>, StoreError>;
}

/// Whether a found token may be used at `now`: unexpired, and its user not banned.
pub(crate) fn usable(token: &TokenInfo, user: &User, now: DateTime<Utc>) -> bool {
    let expired = matches!(token.expires_at, Some(expires) if expires <= now);
    !expired && !user.banned
}

/// Whether a token's use at `now` need not be recorded: its last recorded use is under a minute
/// old. Recording every use would make each signed-in request a write; once a minute is enough
/// to show "last used" in settings.
pub(crate) fn used_recently(token: &TokenInfo, now: DateTime<Utc>) -> bool {
    token
        .last_used_at
        .is_some_and(|t| now - t < chrono::Duration::seconds(60))
}
