//! What signed-in people do to papers — upvote, comment, submit to today's list — as rules
//! that both the HTML pages and the JSON API follow; only the shapes of requests and answers
//! differ above this module. Each rule takes the acting account (the extractors in
//! `crate::kit` made sure there is one and that the request was not forged).

mod comments;
mod submit;

pub use comments::{add_comment, delete_comment, own_comment, rendered_body, valid_comment_body, CommentChange};
pub use submit::{submit_paper, PaperFetcher, Submitted};

use paperboy_accounts::Action;
use paperboy_domain::ArxivId;
use paperboy_store::{User, VoteOutcome};

use crate::{AppError, AppState};

/// Adds (`up`) or removes `user`'s vote on a paper.
pub async fn vote(state: &AppState, user: &User, id: ArxivId, up: bool) -> Result<VoteOutcome, AppError> {
    state.limits.check_account(Action::Vote, user).await?;
    let (user_id, wanted) = (user.id, id.clone());
    let outcome = state
        .with_store(move |s| s.vote(user_id, &wanted, up))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No paper {id} here yet.")))?;
    if outcome.changed {
        state.shown_content_changed();
    }
    Ok(outcome)
}

/// Whether `user` has upvoted the paper `id`.
pub async fn has_voted(state: &AppState, user: &User, id: &ArxivId) -> Result<bool, AppError> {
    let (user_id, key) = (user.id, id.to_string());
    state
        .with_store(move |s| Ok(s.voted(user_id, std::slice::from_ref(&key))?.contains(&key)))
        .await
}
