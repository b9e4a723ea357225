//! Storage for the community side: accounts, sessions and tokens, upvotes, comments, daily-list
//! submissions and the moderation audit log.
//!
//! Secrets never reach the store in the clear: sessions, API tokens and one-time links are
//! stored as the SHA-256 of the token the user holds (hashing is the caller's job,
//! `paperboy_accounts::secret`), passwords as Argon2id hashes.
//!
//! Counts that must be exact under concurrency (votes, comments) are changed in the same
//! transaction as the row that justifies them, so a paper's count always equals its rows.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use paperboy_domain::ArxivId;
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
}

/// What [`CommunityStore::create_user`] needs.
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
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Api => "api",
            TokenKind::PasswordReset => "password_reset",
            TokenKind::VerifyEmail => "verify_email",
        }
    }

    pub fn parse(s: &str) -> Option<TokenKind> {
        [
            TokenKind::Session,
            TokenKind::Api,
            TokenKind::PasswordReset,
            TokenKind::VerifyEmail,
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

/// What a vote request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VoteOutcome {
    /// False when the vote was already in the requested state (a repeated click).
    pub changed: bool,
    pub voted: bool,
    /// The paper's community votes afterwards.
    pub votes: i64,
    /// What pages show: `votes` plus the upvotes imported with its daily lists (their highest).
    pub upvotes: i64,
}

/// One comment. Deleted and hidden comments stay as rows so that replies keep their place;
/// pages show a placeholder instead of the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: i64,
    pub paper_id: String,
    pub user_id: i64,
    pub author: String,
    pub parent_id: Option<i64>,
    /// Markdown as written (rendering and sanitising happen on output).
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
    pub hidden: bool,
}

/// Why a comment could not be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddCommentOutcome {
    Added(Comment),
    NoSuchPaper,
    /// The parent does not exist, is on another paper, or is deleted.
    BadParent,
}

/// A paper submitted to a day's list by an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    pub id: i64,
    pub day: NaiveDate,
    pub paper_id: String,
    pub user_id: i64,
    pub submitter: String,
    pub created_at: DateTime<Utc>,
    pub removed: bool,
}

/// What [`CommunityStore::submit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Listed on the day (a daily entry with source `submitted`, submitted_by the user's name).
    Added(Submission),
    /// The paper is already on a daily list: the first such day.
    AlreadyListed(NaiveDate),
    /// The account reached `daily_limit` submissions on this day.
    LimitReached,
    NoSuchPaper,
}

/// One moderation action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub admin: String,
    /// `hide_comment`, `unhide_comment`, `remove_submission`, `ban`, `unban`, …
    pub action: String,
    /// What it acted on: `comment:12`, `submission:3`, `user:alice`.
    pub target: String,
    pub reason: Option<String>,
}

/// Accounts, votes, comments, submissions and moderation. Blocking, like [`crate::PaperStore`].
pub trait CommunityStore: Send + Sync {
    // --- accounts ---------------------------------------------------------------------
    fn create_user(&self, user: &NewUser<'_>) -> Result<CreateUserOutcome, StoreError>;
    fn user(&self, id: i64) -> Result<Option<User>, StoreError>;
    /// Case-insensitive.
    fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError>;
    /// Case-insensitive.
    fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;
    /// Sets the password hash and deletes every session of the user (one transaction).
    fn set_password(&self, user_id: i64, password_hash: &str) -> Result<(), StoreError>;
    fn set_email_verified(&self, user_id: i64) -> Result<(), StoreError>;
    fn set_votes_public(&self, user_id: i64, public: bool) -> Result<(), StoreError>;
    /// Bans (deleting every session and API token) or unbans.
    fn set_banned(&self, user_id: i64, banned: bool) -> Result<(), StoreError>;
    /// Grants or withdraws moderation rights.
    fn set_admin(&self, user_id: i64, admin: bool) -> Result<(), StoreError>;
    /// Accounts in the order they were made, one page.
    fn users(&self, offset: u64, limit: u64) -> Result<Vec<User>, StoreError>;

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
    /// Deletes a user's token by id (revoking an API token). False when not theirs.
    fn delete_token_of(&self, user_id: i64, token_id: i64) -> Result<bool, StoreError>;
    /// Deletes every token of `kind` the user has; returns how many.
    fn delete_tokens(&self, user_id: i64, kind: TokenKind) -> Result<usize, StoreError>;
    /// The user's tokens of `kind`, newest first.
    fn tokens(&self, user_id: i64, kind: TokenKind) -> Result<Vec<TokenInfo>, StoreError>;

    // --- votes --------------------------------------------------------------------------
    /// Adds (`up`) or removes the user's vote on a paper, exactly once under concurrency.
    /// `None` when the paper is not in the store.
    fn vote(&self, user_id: i64, paper: &ArxivId, up: bool) -> Result<Option<VoteOutcome>, StoreError>;
    /// Which of `papers` the user has upvoted (ids as stored).
    fn voted(&self, user_id: i64, papers: &[String]) -> Result<HashSet<String>, StoreError>;
    /// Paper ids the user upvoted, newest vote first.
    fn upvoted_by(&self, user_id: i64, limit: usize) -> Result<Vec<String>, StoreError>;

    // --- comments -----------------------------------------------------------------------
    fn add_comment(
        &self,
        paper: &ArxivId,
        user_id: i64,
        parent_id: Option<i64>,
        body: &str,
    ) -> Result<AddCommentOutcome, StoreError>;
    fn comment(&self, id: i64) -> Result<Option<Comment>, StoreError>;
    /// Every comment on a paper, oldest first (deleted and hidden ones included, flagged).
    fn comments_on(&self, paper: &ArxivId) -> Result<Vec<Comment>, StoreError>;
    /// The user's comments, newest first.
    fn comments_by(&self, user_id: i64, limit: usize) -> Result<Vec<Comment>, StoreError>;
    /// Replaces the body and sets `edited_at`. False when no such live comment.
    fn edit_comment(&self, id: i64, body: &str) -> Result<bool, StoreError>;
    /// Marks deleted (the paper's comment count drops). False when no such live comment.
    fn delete_comment(&self, id: i64) -> Result<bool, StoreError>;
    /// Hides or shows a comment (moderation; counts drop and rise with it).
    fn set_comment_hidden(&self, id: i64, hidden: bool) -> Result<bool, StoreError>;
    /// Visible comment counts (not deleted, not hidden) of `papers`; absent means 0.
    fn comment_counts(&self, papers: &[String]) -> Result<HashMap<String, i64>, StoreError>;

    // --- submissions --------------------------------------------------------------------
    /// Submits a stored paper to `day`'s list, in one transaction with the limit check.
    fn submit(
        &self,
        day: NaiveDate,
        paper: &ArxivId,
        user_id: i64,
        daily_limit: u32,
    ) -> Result<SubmitOutcome, StoreError>;
    fn submission(&self, id: i64) -> Result<Option<Submission>, StoreError>;
    /// The user's submissions, newest first.
    fn submissions_by(&self, user_id: i64, limit: usize) -> Result<Vec<Submission>, StoreError>;
    /// Removes a submission and its daily entry. False when no such live submission.
    fn remove_submission(&self, id: i64) -> Result<bool, StoreError>;

    // --- moderation ---------------------------------------------------------------------
    fn record_audit(&self, admin_id: i64, action: &str, target: &str, reason: Option<&str>) -> Result<(), StoreError>;
    /// Newest first.
    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;
}
