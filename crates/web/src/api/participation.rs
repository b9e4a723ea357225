//! The JSON API for what signed-in people do: upvotes, saves, "not interested", comments,
//! submissions.
//!
//! Authenticated by an API token (`Authorization: Bearer …`) or, for the site's own scripts,
//! by the session cookie plus the page's CSRF token in `X-CSRF-Token` (both checked by the
//! [`ApiUser`] extractor). The rules are `crate::participation`'s; only the shapes differ.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
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
    let listed = super::param(&query, "ids")?
        .ok_or_else(|| AppError::BadRequest("Give the papers as ?ids=2405.01234,2405.05678.".into()))?;
    let mut ids = Vec::new();
    // Every item an id: an empty one (`a,,b`) is as malformed as any other.
    for raw_id in listed.split(',') {
        let id =
            ArxivId::parse(raw_id).map_err(|e| AppError::BadRequest(format!("{raw_id:?} is not an arXiv id: {e}.")))?;
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

/// What the `/api/papers/{*id}` catch-all serves, told by the path's last segment (an id
/// may itself contain `/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PaperResource {
    Paper,
    Comments,
    Upvote,
    Save,
    NotInterested,
}

impl PaperResource {
    /// The resource `raw` (the path after `/api/papers/`) names, and the id part of it.
    fn of(raw: &str) -> (PaperResource, &str) {
        if let Some(id) = raw.strip_suffix("/comments") {
            (PaperResource::Comments, id)
        } else if let Some(id) = raw.strip_suffix("/upvote") {
            (PaperResource::Upvote, id)
        } else if let Some(id) = raw.strip_suffix("/save") {
            (PaperResource::Save, id)
        } else if let Some(id) = raw.strip_suffix("/not-interested") {
            (PaperResource::NotInterested, id)
        } else {
            (PaperResource::Paper, raw)
        }
    }

    /// The methods it takes, as `Allow` says them (HEAD wherever GET is).
    fn allow(self) -> &'static str {
        match self {
            PaperResource::Paper => "GET,HEAD",
            PaperResource::Comments => "GET,HEAD,POST",
            PaperResource::Upvote | PaperResource::Save | PaperResource::NotInterested => "POST,DELETE",
        }
    }
}

/// `/api/papers/{id}` (GET), `/api/papers/{id}/comments` (GET, POST) and
/// `/api/papers/{id}/upvote`, `/save` and `/not-interested` (POST, DELETE). Writes check the caller before anything else
/// (a request without credentials is 401 whatever its id or body); any other method is 405
/// with the resource's own `Allow`.
pub async fn paper_route(
    State(state): State<AppState>,
    method: Method,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (resource, raw_id) = PaperResource::of(&raw);
    let reading = method == Method::GET || method == Method::HEAD;
    match resource {
        PaperResource::Paper if reading => Ok(super::papers::paper(State(state), Path(raw)).await?.into_response()),
        PaperResource::Comments if reading => {
            let id = params::arxiv_id(raw_id)?;
            Ok(comments(&state, id).await?.into_response())
        }
        PaperResource::Comments if method == Method::POST => {
            let ApiUser(user) = caller?;
            let id = params::arxiv_id(raw_id)?;
            let new: NewComment = json_body(&body)?;
            let comment = add_comment(&state, &user, id, new.parent_id, &new.body).await?;
            Ok((StatusCode::CREATED, Json(CommentJson::new(&comment))).into_response())
        }
        PaperResource::Upvote if method == Method::POST || method == Method::DELETE => {
            let ApiUser(user) = caller?;
            let id = params::arxiv_id(raw_id)?;
            Ok(vote_reply(&state, &user, id, method == Method::POST)
                .await?
                .into_response())
        }
        PaperResource::Save if method == Method::POST || method == Method::DELETE => {
            let ApiUser(user) = caller?;
            let id = params::arxiv_id(raw_id)?;
            Ok(save_reply(&state, &user, id, method == Method::POST)
                .await?
                .into_response())
        }
        PaperResource::NotInterested if method == Method::POST || method == Method::DELETE => {
            let ApiUser(user) = caller?;
            let id = params::arxiv_id(raw_id)?;
            Ok(super::signals::not_interested(&state, &user, id, method == Method::POST).await?)
        }
        _ => Ok(super::method_not_allowed(&method, resource.allow())),
    }
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
    #[serde(default, deserialize_with = "whole_number")]
    parent_id: Option<i64>,
}

/// A JSON integer as JSON (and JSON Schema's `integer`) has it: `12` or `12.0` alike.
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let whole = number.as_i64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && (i64::MIN as f64..i64::MAX as f64).contains(f))
            .map(|f| f as i64)
    });
    whole
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("{number} is not a comment number")))
}

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
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.parse().map_err(|_| {
        AppError::BadRequest(format!(
            "{:?} is not a comment number",
            id.chars().take(40).collect::<String>()
        ))
    })?;
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
    ApiUser(user): ApiUser,
    Path(date): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let day = params::day(&date)?;
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
