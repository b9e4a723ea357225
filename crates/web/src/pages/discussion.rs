//! The discussion and votes on a paper page, as forms: upvote, comment and reply (posted to
//! the paper catch-all, see `pages::paper::act`), edit and delete one's own comment. The rules
//! are `crate::participation`'s.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use paperboy_domain::ArxivId;
use paperboy_store::{Comment, User};
use serde::Deserialize;

use crate::error::PageError;
use crate::kit::{redirect_local, render, CsrfForm, SignedIn};
use crate::participation::{delete_comment, has_voted, own_comment, valid_comment_body, vote, CommentChange};
use crate::{participation, AppError, AppState};

#[derive(Deserialize, Default)]
pub struct VoteForm {
    /// `up`, `remove`, or absent to toggle.
    #[serde(default)]
    vote: Option<String>,
}

/// Back to the page the form was on (its path on this site), else `fallback`.
pub(super) fn back(headers: &HeaderMap, fallback: &str) -> Redirect {
    let referer_path = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or_default();
    redirect_local(referer_path, fallback)
}

/// `POST /papers/{id}/upvote`.
pub async fn vote_form(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    id: ArxivId,
    form: VoteForm,
) -> Result<Response, PageError> {
    let up = match form.vote.as_deref() {
        Some("up") => true,
        Some("remove") => false,
        _ => !has_voted(state, user, &id).await?,
    };
    vote(state, user, id.clone(), up).await?;
    Ok(back(headers, &format!("/papers/{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct CommentForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent: Option<String>,
}

/// `POST /papers/{id}/comments`: a comment, or a reply to `parent`.
pub async fn comment_form(
    state: &AppState,
    user: &User,
    id: ArxivId,
    form: CommentForm,
) -> Result<Response, PageError> {
    let parent = match form.parent.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(
            p.parse::<i64>()
                .map_err(|_| AppError::BadRequest("The reply target is not a comment number.".into()))?,
        ),
        None => None,
    };
    let comment = participation::add_comment(state, user, id.clone(), parent, &form.body).await?;
    Ok(Redirect::to(&format!("/papers/{id}#c{}", comment.id)).into_response())
}

#[derive(Template)]
#[template(path = "comment_edit.html")]
struct EditPage {
    comment: Comment,
}

/// `GET /comments/{id}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let comment = own_comment(&state, &user, id, CommentChange::Edit).await?;
    Ok(render(&EditPage { comment })?.into_response())
}

/// `POST /comments/{id}/edit`.
pub async fn edit(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<CommentForm>,
) -> Result<Response, PageError> {
    let comment = own_comment(&state, &user, id, CommentChange::Edit).await?;
    let body = valid_comment_body(&form.body)?;
    state
        .limits
        .check_account(paperboy_accounts::Action::Comment, &user)
        .await?;
    state.with_store(move |s| s.edit_comment(id, &body)).await?;
    Ok(Redirect::to(&format!("/papers/{}#c{id}", comment.paper_id)).into_response())
}

/// `POST /comments/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<super::account::ButtonForm>,
) -> Result<Response, PageError> {
    let comment = delete_comment(&state, &user, id).await?;
    Ok(Redirect::to(&format!("/papers/{}#comments", comment.paper_id)).into_response())
}
