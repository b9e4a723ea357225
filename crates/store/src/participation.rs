//! Storage for what accounts do on papers: upvotes, comments, daily-list submissions, and the
//! moderation audit log that records what admins did to them.
//!
//! Counts that must be exact under concurrency (votes, comments) are changed in the same
//! transaction as the row that justifies them, so a paper's count always equals its rows.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use paperboy_domain::ArxivId;
use serde::Serialize;

use crate::StoreError;

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

/// What [`ParticipationStore::submit`] did.
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

/// Votes, comments, submissions and their moderation. Blocking, like [`crate::PaperStore`].
pub trait ParticipationStore: Send + Sync {
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
