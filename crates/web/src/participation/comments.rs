//! Comment rules: what a comment may hold, who may change or delete one.

use paperboy_accounts::Action;
use paperboy_domain::ArxivId;
use paperboy_store::{AddCommentOutcome, Comment, User};

use crate::markdown::{self, MAX_COMMENT_CHARS};
use crate::{AppError, AppState};

/// A comment body as accepted: trimmed, not empty, not huge.
pub fn valid_comment_body(body: &str) -> Result<String, AppError> {
    let body = body.trim().replace('\0', "");
    if body.is_empty() {
        return Err(AppError::BadRequest("A comment needs some text.".into()));
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::BadRequest(format!(
            "A comment can have at most {MAX_COMMENT_CHARS} characters."
        )));
    }
    Ok(body)
}

pub async fn add_comment(
    state: &AppState,
    user: &User,
    id: ArxivId,
    parent_id: Option<i64>,
    body: &str,
) -> Result<Comment, AppError> {
    let body = valid_comment_body(body)?;
    state.limits.check_account(Action::Comment, user).await?;
    if let Some(parent) = parent_id {
        // A hidden comment's thread is closed: replies would be published under text that a
        // moderator took down (and would show if it were unhidden).
        let hidden = state
            .with_store(move |s| s.comment(parent))
            .await?
            .is_some_and(|c| c.hidden);
        if hidden {
            return Err(AppError::BadRequest(
                "That comment was hidden by a moderator; it takes no replies.".into(),
            ));
        }
    }
    let (user_id, wanted) = (user.id, id.clone());
    match state
        .with_store(move |s| s.add_comment(&wanted, user_id, parent_id, &body))
        .await?
    {
        AddCommentOutcome::Added(comment) => {
            state.shown_content_changed();
            Ok(comment)
        }
        AddCommentOutcome::NoSuchPaper => Err(AppError::NotFound(format!("No paper {id} here yet."))),
        // Not there to reply to, as far as this paper goes: like a deleted comment, not found.
        AddCommentOutcome::BadParent => Err(AppError::NotFound(format!(
            "There is no comment {} on this paper to reply to (or it was deleted).",
            parent_id.unwrap_or_default()
        ))),
    }
}

/// What `user` wants to do to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentChange {
    /// Rewrite it: only its author, and not once a moderator hid it (unhiding would publish
    /// text the moderator never saw).
    Edit,
    /// Delete it: its author, or an administrator.
    Delete,
}

/// A comment `user` may change in the way asked.
pub async fn own_comment(state: &AppState, user: &User, id: i64, change: CommentChange) -> Result<Comment, AppError> {
    let comment = state
        .with_store(move |s| s.comment(id))
        .await?
        .filter(|c| !c.deleted)
        .ok_or_else(|| AppError::NotFound("No such comment.".into()))?;
    let admin_deletes = change == CommentChange::Delete && user.is_admin;
    if comment.user_id != user.id && !admin_deletes {
        return Err(AppError::Forbidden("You can only change your own comments.".into()));
    }
    if change == CommentChange::Edit && comment.hidden {
        return Err(AppError::Forbidden(
            "A moderator hid this comment; it can no longer be edited (you can still delete it).".into(),
        ));
    }
    Ok(comment)
}

/// Deletes a comment (one's own; administrators any, which goes into the audit log).
pub async fn delete_comment(state: &AppState, user: &User, id: i64) -> Result<Comment, AppError> {
    let comment = own_comment(state, user, id, CommentChange::Delete).await?;
    let by_admin = comment.user_id != user.id;
    let user_id = user.id;
    state
        .with_store(move |s| {
            s.delete_comment(id)?;
            if by_admin {
                s.record_audit(user_id, "delete_comment", &format!("comment:{id}"), None)?;
            }
            Ok(())
        })
        .await?;
    state.shown_content_changed();
    Ok(comment)
}

/// A comment's body for display (safe HTML); `None` for a deleted or hidden one (a
/// placeholder is shown instead).
pub fn rendered_body(comment: &Comment) -> Option<String> {
    (!comment.deleted && !comment.hidden).then(|| markdown::render(&comment.body))
}
