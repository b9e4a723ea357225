//! The JSON API for a reader's own interests (the "For you" signals): follows of authors and
//! categories, named saved searches, "not interested" marks, and the export and deletion of all
//! of them. Every route answers only about the caller's own rows: another reader's id is
//! "not found", never "forbidden", so ids say nothing about other accounts.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use paperboy_domain::ArxivId;
use paperboy_store::{Added, Follow, FollowKind, Frequency, NewSavedSearch, SavedSearch, User};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::ApiError;
use crate::kit::ApiUser;
use crate::{params, AppError, AppState};

/// Most follows one reader keeps (authors and categories together).
pub const MAX_FOLLOWS: u64 = 500;
/// Most saved searches one reader keeps.
pub const MAX_SAVED_SEARCHES: u64 = 100;
/// A saved search's name, in characters.
pub(crate) const MAX_NAME_CHARS: usize = 100;
/// "Not interested" marks listed by the export.
const MAX_EXPORTED_MARKS: usize = 100_000;

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|e| AppError::BadRequest(format!("The JSON body could not be read: {e}.")))
}

/// An id in a path: a positive number.
fn row_id(raw: &str, what: &str) -> Result<i64, AppError> {
    raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        AppError::BadRequest(format!(
            "{:?} is not a {what} number",
            raw.chars().take(40).collect::<String>()
        ))
    })
}

/// A follow as the API shows it: `{"id", "author": …}` or `{"id", "category": …}`, the shape
/// it was asked for in, with its kind spelled out too.
#[derive(Serialize)]
pub struct FollowJson {
    id: i64,
    kind: FollowKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    created_at: DateTime<Utc>,
}

impl FollowJson {
    pub fn new(follow: &Follow) -> FollowJson {
        let value = Some(follow.value.clone());
        let (author, category) = match follow.kind {
            FollowKind::Author => (value, None),
            FollowKind::Category => (None, value),
        };
        FollowJson {
            id: follow.id,
            kind: follow.kind,
            author,
            category,
            created_at: follow.created_at,
        }
    }
}

/// A saved search as the API shows it (`q` as the search routes call the query).
#[derive(Serialize)]
pub struct SavedSearchJson {
    id: i64,
    name: String,
    q: String,
    mode: String,
    created_at: DateTime<Utc>,
    /// Sent as a digest of its own: `daily`, `weekly`, or `off`.
    digest: &'static str,
}

impl SavedSearchJson {
    pub fn new(search: &SavedSearch) -> SavedSearchJson {
        SavedSearchJson {
            id: search.id,
            name: search.name.clone(),
            q: search.query.clone(),
            mode: search.mode.clone(),
            created_at: search.created_at,
            digest: digest_name(search.digest),
        }
    }
}

/// 201 for what was created, 200 for what the reader already had.
fn added<T, J: Serialize>(outcome: Added<T>, shown: impl FnOnce(&T) -> J) -> Response {
    let status = if outcome.created() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(shown(&outcome.into_inner()))).into_response()
}

/// An optional field that, when given, must be a value: `null` is refused like any other wrong
/// type (the API's description says so, and a client sending it meant something).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewFollow {
    #[serde(default, deserialize_with = "present")]
    author: Option<String>,
    #[serde(default, deserialize_with = "present")]
    category: Option<String>,
}

/// `GET /api/follows`: `{"follows": [...]}`, oldest first.
pub async fn follows_get(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<Response, ApiError> {
    let follows = state.with_store(move |s| s.follows(user.id)).await?;
    let shown: Vec<FollowJson> = follows.iter().map(FollowJson::new).collect();
    Ok(Json(json!({ "follows": shown })).into_response())
}

/// `POST /api/follows` with `{"author": "Jane Doe"}` or `{"category": "cs.RO"}`.
pub async fn follows_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let new: NewFollow = json_body(&body)?;
    let (kind, value) = checked_follow(new.author, new.category)?;
    let outcome = add_follow(&state, user.id, kind, value).await?;
    Ok(added(outcome, FollowJson::new))
}

/// A follow as asked: exactly one of an author's name or a category.
pub(crate) fn checked_follow(
    author: Option<String>,
    category: Option<String>,
) -> Result<(FollowKind, String), AppError> {
    match (author, category) {
        (Some(author), None) => Ok((FollowKind::Author, params::author(&author)?)),
        (None, Some(category)) => {
            let category = params::category(Some(&category))?
                .ok_or_else(|| AppError::BadRequest("Give a category to follow, e.g. cs.RO.".into()))?;
            Ok((FollowKind::Category, category))
        }
        _ => Err(AppError::BadRequest(
            "Give one of {\"author\": \"Jane Doe\"} or {\"category\": \"cs.RO\"}.".into(),
        )),
    }
}

/// Follows for `reader`, within [`MAX_FOLLOWS`] (following again is always fine).
pub(crate) async fn add_follow(
    state: &AppState,
    reader: i64,
    kind: FollowKind,
    value: String,
) -> Result<Added<Follow>, AppError> {
    state
        .with_store(move |s| {
            let key = paperboy_store::signals::follow_key(&value);
            let already = s
                .follows(reader)?
                .into_iter()
                .find(|f| f.kind == kind && paperboy_store::signals::follow_key(&f.value) == key);
            if let Some(existing) = already {
                return Ok(Ok(Added::Existing(existing)));
            }
            if s.signal_counts(reader)?.follows >= MAX_FOLLOWS {
                return Ok(Err(()));
            }
            s.follow(reader, kind, &value).map(Ok)
        })
        .await?
        .map_err(|()| {
            AppError::Conflict(format!(
                "You follow {MAX_FOLLOWS} authors and categories already; unfollow some first."
            ))
        })
}

/// `DELETE /api/follows/{id}`: 204, or 404 when the caller has no such follow.
pub async fn follow_delete(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let ApiUser(user) = caller?;
    let id = row_id(&raw, "follow")?;
    if !state.with_store(move |s| s.unfollow(user.id, id)).await? {
        return Err(AppError::NotFound(format!("you have no follow {id}")).into());
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSavedSearchJson {
    name: String,
    q: String,
    #[serde(default, deserialize_with = "present")]
    mode: Option<String>,
    #[serde(default, deserialize_with = "present")]
    digest: Option<String>,
}

/// How a saved search's digest is said: `daily`, `weekly` or `off`.
pub(crate) fn digest_name(digest: Option<Frequency>) -> &'static str {
    digest.map_or("off", Frequency::as_str)
}

/// A saved search's digest as asked: `daily`, `weekly`, or `off` (no digest).
pub(crate) fn checked_digest(value: &str) -> Result<Option<Frequency>, AppError> {
    match value.trim() {
        "off" => Ok(None),
        other => Frequency::parse(other)
            .map(Some)
            .ok_or_else(|| AppError::BadRequest("A saved search's digest is daily, weekly or off.".to_string())),
    }
}

/// Sends one of `reader`'s saved searches as a digest of its own (or stops it); not found
/// when the reader has no saved search `id` — another reader's included.
pub(crate) async fn set_search_digest(
    state: &AppState,
    reader: i64,
    id: i64,
    digest: Option<Frequency>,
) -> Result<(), AppError> {
    if !state
        .with_store(move |s| s.set_search_digest(reader, id, digest))
        .await?
    {
        return Err(AppError::NotFound(format!("you have no saved search {id}")));
    }
    Ok(())
}

/// A saved search as asked, checked: a name, a query, a mode the search box knows.
pub(crate) fn checked_search(name: &str, query: &str, mode: Option<&str>) -> Result<NewSavedSearch, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!(
            "A saved search needs a name of 1 to {MAX_NAME_CHARS} characters."
        )));
    }
    let query = query.trim();
    let max = paperboy_search::query::MAX_QUERY_CHARS;
    if query.is_empty() || query.chars().count() > max || query.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!(
            "A saved search needs a query (q) of 1 to {max} characters."
        )));
    }
    let mode = params::mode(mode)?;
    Ok(NewSavedSearch {
        name: name.to_string(),
        query: query.to_string(),
        mode: params::mode_name(mode).to_string(),
    })
}

/// Saves a search for `reader`, within [`MAX_SAVED_SEARCHES`] (replacing one by name is
/// always fine).
pub(crate) async fn add_saved_search(
    state: &AppState,
    reader: i64,
    new: NewSavedSearch,
) -> Result<Added<SavedSearch>, AppError> {
    state
        .with_store(move |s| {
            let replacing = s.saved_searches(reader)?.iter().any(|saved| saved.name == new.name);
            if !replacing && s.signal_counts(reader)?.saved_searches >= MAX_SAVED_SEARCHES {
                return Ok(Err(()));
            }
            s.save_search(reader, &new).map(Ok)
        })
        .await?
        .map_err(|()| {
            AppError::Conflict(format!(
                "You have {MAX_SAVED_SEARCHES} saved searches already; delete some first."
            ))
        })
}

/// `GET /api/saved-searches`: `{"saved_searches": [...]}`, oldest first.
pub async fn saved_searches_get(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<Response, ApiError> {
    let searches = state.with_store(move |s| s.saved_searches(user.id)).await?;
    let shown: Vec<SavedSearchJson> = searches.iter().map(SavedSearchJson::new).collect();
    Ok(Json(json!({ "saved_searches": shown })).into_response())
}

/// `POST /api/saved-searches` with `{"name": "…", "q": "…", "mode": "hybrid"}`; saving a name
/// again replaces its query (200).
pub async fn saved_searches_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let new: NewSavedSearchJson = json_body(&body)?;
    let digest = new.digest.as_deref().map(checked_digest).transpose()?;
    let new = checked_search(&new.name, &new.q, new.mode.as_deref())?;
    let mut outcome = add_saved_search(&state, user.id, new).await?;
    if let Some(digest) = digest {
        let (Added::Created(saved) | Added::Existing(saved)) = &mut outcome;
        set_search_digest(&state, user.id, saved.id, digest).await?;
        saved.digest = digest;
    }
    Ok(added(outcome, SavedSearchJson::new))
}

/// `DELETE /api/saved-searches/{id}`: 204, or 404 when the caller has no such search.
pub async fn saved_search_delete(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let ApiUser(user) = caller?;
    let id = row_id(&raw, "saved search")?;
    if !state.with_store(move |s| s.delete_saved_search(user.id, id)).await? {
        return Err(AppError::NotFound(format!("you have no saved search {id}")).into());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST` / `DELETE /api/papers/{id}/not-interested` (dispatched by the paper catch-all):
/// `{"id", "not_interested", "changed"}`; 404 for a paper paperboy does not hold.
pub async fn not_interested(state: &AppState, user: &User, id: ArxivId, on: bool) -> Result<Response, AppError> {
    let (user_id, paper) = (user.id, id.clone());
    let changed = state
        .with_store(move |s| s.set_not_interested(user_id, &paper, on))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no paper {id}")))?;
    Ok(Json(json!({ "id": id.to_string(), "not_interested": on, "changed": changed })).into_response())
}

/// `GET /api/signals`: everything the reader has told paperboy, as one JSON document (their
/// follows, saved searches, "not interested" marks and upvotes, and whether they keep them
/// private), to keep or to move.
pub async fn signals_get(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<Response, ApiError> {
    let user_id = user.id;
    let (follows, searches, marks, upvoted) = state
        .with_store(move |s| {
            Ok((
                s.follows(user_id)?,
                s.saved_searches(user_id)?,
                s.not_interested(user_id, MAX_EXPORTED_MARKS)?,
                s.upvoted_by(user_id, MAX_EXPORTED_MARKS)?,
            ))
        })
        .await?;
    Ok(Json(json!({
        "user": user.name,
        "exported_at": Utc::now(),
        "private": !user.votes_public,
        "follows": follows.iter().map(FollowJson::new).collect::<Vec<_>>(),
        "saved_searches": searches.iter().map(SavedSearchJson::new).collect::<Vec<_>>(),
        "not_interested": marks,
        "upvoted": upvoted,
    }))
    .into_response())
}

/// `{"private": …}`: whether the reader's profile hides their upvotes and follows — the
/// "Keep my signals private" switch of the settings pages, `users.votes_public` turned over.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    private: bool,
}

/// `GET /api/signals/privacy`: `{"private": bool}`.
pub async fn privacy_get(ApiUser(user): ApiUser) -> Json<Privacy> {
    Json(Privacy {
        private: !user.votes_public,
    })
}

/// `PUT /api/signals/privacy` with `{"private": bool}`: sets the switch; answers it as set.
pub async fn privacy_put(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Bytes,
) -> Result<Json<Privacy>, ApiError> {
    let wanted: Privacy = json_body(&body)?;
    let public = !wanted.private;
    state.with_store(move |s| s.set_votes_public(user.id, public)).await?;
    Ok(Json(wanted))
}

/// `DELETE /api/signals`: forgets every follow, saved search and "not interested" mark (upvotes
/// stay: they are public counts, undone one by one); says how many of each went.
pub async fn signals_delete(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
) -> Result<Response, ApiError> {
    let ApiUser(user) = caller?;
    let deleted = state.with_store(move |s| s.delete_signals(user.id)).await?;
    Ok(Json(json!({ "deleted": deleted })).into_response())
}
