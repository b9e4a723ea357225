//! The JSON API for what signed-in people do: upvotes, saves, comments, submissions.
//!
//! Authenticated by an API token (`Authorization: Bearer …`) or, for the site's own scripts,
//! by the session cookie plus the page's CSRF token in `X-CSRF-Token` (both checked by the
//! [`ApiUser`] extractor). The rules are `crate::participation`'s; only the shapes differ.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use paperboy_domain::ArxivId;
use paperboy_store::{Comment, User};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::ApiError;
use crate::kit::ApiUser;
use crate::library::set_saved;
use crate::participation::{add_comment, delete_comment, rendered_body, submit_paper, vote, Submitted};
use crate::{params, AppError, AppState};

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|e| AppError::BadRequest(format!("The JSON body could not be read: {e}.")))
}

/// A comment in the API.
#[derive(Serialize)]
pub struct CommentJson {
    id: i64,
    paper_id: String,
    parent_id: Option<i64>,
    author: String,
    /// Markdown as written; null when deleted or hidden.
    body: Option<String>,
    /// Rendered, sanitised HTML; null when deleted or hidden.
    html: Option<String>,
    created_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    deleted: bool,
    hidden: bool,
}

impl CommentJson {
    fn new(comment: &Comment) -> CommentJson {
        let html = rendered_body(comment);
        CommentJson {
            id: comment.id,
            paper_id: comment.paper_id.clone(),
            parent_id: comment.parent_id,
            author: comment.author.clone(),
            body: html.as_ref().map(|_| comment.body.clone()),
            html,
            created_at: comment.created_at,
            edited_at: comment.edited_at,
            deleted: comment.deleted,
            hidden: comment.hidden,
        }
    }
}

/// Papers one `GET /api/votes` may ask about.
const MAX_VOTE_QUERY: usize = 200;

/// `GET /api/votes?ids=2405.01234,2405.05678`: which of these papers the caller has upvoted,
/// `{"voted": [...]}`. Cached pages are the same for everyone; the site's script marks the
/// viewer's own votes on them with this.
pub async fn votes_get(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let user_id = user.id;
    let listed = query
        .get("ids")
        .ok_or_else(|| AppError::BadRequest("Give the papers as ?ids=2405.01234,2405.05678.".into()))?;
    let mut ids = Vec::new();
    for raw_id in listed.split(',').filter(|s| !s.trim().is_empty()) {
        let id = ArxivId::parse(raw_id.trim())
            .map_err(|e| AppError::BadRequest(format!("{raw_id:?} is not an arXiv id: {e}.")))?;
        ids.push(id.to_string());
    }
    if ids.len() > MAX_VOTE_QUERY {
        return Err(AppError::BadRequest(format!("Ask about at most {MAX_VOTE_QUERY} papers at once.")).into());
    }
    let asked = ids.clone();
    let voted = state.with_store(move |store| store.voted(user_id, &ids)).await?;
    let voted: Vec<&String> = asked.iter().filter(|id| voted.contains(*id)).collect();
    Ok(Json(json!({ "voted": voted })).into_response())
}

/// `GET /api/papers/{id}` and `GET /api/papers/{id}/comments`.
pub async fn paper_get(State(state): State<AppState>, Path(raw): Path<String>) -> Result<Response, ApiError> {
    if let Some(id) = raw.strip_suffix("/comments") {
        let id = params::arxiv_id(id)?;
        return Ok(comments(&state, id).await?.into_response());
    }
    Ok(super::papers::paper(State(state), Path(raw)).await?.into_response())
}

async fn comments(state: &AppState, id: ArxivId) -> Result<Json<Vec<CommentJson>>, AppError> {
    let wanted = id.clone();
    if state.with_store(move |s| s.paper(&wanted)).await?.is_none() {
        return Err(AppError::NotFound(format!("no paper {id}")));
    }
    let comments = state.with_store(move |s| s.comments_on(&id)).await?;
    Ok(Json(comments.iter().map(CommentJson::new).collect()))
}

#[derive(Deserialize)]
struct NewComment {
    body: String,
    #[serde(default)]
    parent_id: Option<i64>,
}

/// `POST /api/papers/{id}/upvote`, `/save` and `/comments`.
pub async fn paper_post(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Some(id) = raw.strip_suffix("/upvote") {
        let id = params::arxiv_id(id)?;
        let ApiUser(user) = caller?;
        return Ok(vote_reply(&state, &user, id, true).await?.into_response());
    }
    if let Some(id) = raw.strip_suffix("/save") {
        let id = params::arxiv_id(id)?;
        let ApiUser(user) = caller?;
        return Ok(save_reply(&state, &user, id, true).await?.into_response());
    }
    if let Some(id) = raw.strip_suffix("/not-interested") {
        let id = params::arxiv_id(id)?;
        let ApiUser(user) = caller?;
        return Ok(super::signals::not_interested(&state, &user, id, true).await?);
    }
    if let Some(id) = raw.strip_suffix("/comments") {
        let id = params::arxiv_id(id)?;
        let ApiUser(user) = caller?;
        let new: NewComment = json_body(&body)?;
        let comment = add_comment(&state, &user, id, new.parent_id, &new.body).await?;
        return Ok((StatusCode::CREATED, Json(CommentJson::new(&comment))).into_response());
    }
    Err(AppError::NotFound(
        "POST goes to /api/papers/{id}/upvote, /api/papers/{id}/save, /api/papers/{id}/comments or /api/papers/{id}/not-interested".into(),
    )
    .into())
}

/// `DELETE /api/papers/{id}/upvote` and `DELETE /api/papers/{id}/save`.
pub async fn paper_delete(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    if let Some(id) = raw.strip_suffix("/save") {
        let id = params::arxiv_id(id)?;
        let ApiUser(user) = caller?;
        return Ok(save_reply(&state, &user, id, false).await?.into_response());
    }
    if let Some(id) = raw.strip_suffix("/not-interested") {
        let id = params::arxiv_id(id)?;
        let ApiUser(user) = caller?;
        return Ok(super::signals::not_interested(&state, &user, id, false).await?);
    }
    let Some(id) = raw.strip_suffix("/upvote") else {
        return Err(AppError::NotFound(
            "DELETE goes to /api/papers/{id}/upvote, /api/papers/{id}/save or /api/papers/{id}/not-interested".into(),
        )
        .into());
    };
    let id = params::arxiv_id(id)?;
    let ApiUser(user) = caller?;
    Ok(vote_reply(&state, &user, id, false).await?.into_response())
}

/// Saves or removes a paper in the caller's library: `{"id", "saved", "changed"}`. Repeating
/// a request changes nothing and answers the same (`changed: false`).
async fn save_reply(
    state: &AppState,
    user: &User,
    id: ArxivId,
    saved: bool,
) -> Result<Json<serde_json::Value>, AppError> {
    let changed = set_saved(state, user, id.clone(), saved).await?;
    Ok(Json(json!({
        "id": id.to_string(),
        "saved": saved,
        "changed": changed,
    })))
}

async fn vote_reply(state: &AppState, user: &User, id: ArxivId, up: bool) -> Result<Json<serde_json::Value>, AppError> {
    let outcome = vote(state, user, id.clone(), up).await?;
    Ok(Json(json!({
        "id": id.to_string(),
        "upvotes": outcome.upvotes,
        "voted": outcome.voted,
        "changed": outcome.changed,
    })))
}

/// `DELETE /api/comments/{id}`: one's own comment (administrators: any).
pub async fn comment_delete(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.parse().map_err(|_| {
        AppError::BadRequest(format!(
            "{:?} is not a comment number",
            id.chars().take(40).collect::<String>()
        ))
    })?;
    let ApiUser(user) = caller?;
    delete_comment(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct NewSubmission {
    id: String,
}

/// `POST /api/daily/{date}/submissions` with `{"id": "2405.01234"}` (an id or arXiv URL).
pub async fn submission_post(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(date): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let day = params::day(&date)?;
    let ApiUser(user) = caller?;
    let new: NewSubmission = json_body(&body)?;
    match submit_paper(&state, &user, &new.id, day).await? {
        Submitted::Added(s) => Ok((
            StatusCode::CREATED,
            Json(json!({
                "id": s.id,
                "paper_id": s.paper_id,
                "day": s.day,
                "submitter": s.submitter,
                "created_at": s.created_at,
                "url": format!("/date/{}", s.day),
            })),
        )
            .into_response()),
        Submitted::AlreadyListed(listed) => {
            let id = ArxivId::parse(new.id.trim()).map(|i| i.to_string()).unwrap_or_default();
            Ok((
                StatusCode::CONFLICT,
                Json(json!({
                    "status": 409,
                    "error": format!("{id} is already in the daily list of {listed}"),
                    "existing": { "paper_id": id, "day": listed, "url": format!("/date/{listed}") },
                })),
            )
                .into_response())
        }
    }
}
