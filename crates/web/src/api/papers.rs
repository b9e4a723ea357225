//! The JSON API in paperboy's own shapes (Hugging Face's are in `super::hf`).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use paperboy_domain::PaperDocument;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::{params, AppError, AppState};

/// `GET /api/papers/{id}`: the paper document (the same JSON as `paperboy show --json`).
pub async fn paper(State(state): State<AppState>, Path(raw_id): Path<String>) -> Result<Json<PaperDocument>, ApiError> {
    let id = params::arxiv_id(&raw_id)?;
    let wanted = id.clone();
    let doc = state.with_store(move |s| s.paper(&wanted)).await?;
    doc.map(Json)
        .ok_or_else(|| ApiError(AppError::NotFound(format!("no paper {id}"))))
}

/// `GET /api/papers/search?q=…&mode=&limit=&from=&until=&category=`: the same JSON as
/// `paperboy search --json`.
pub async fn search(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let get = |key: &str| super::param(&query, key);
    let text = get("q")?.ok_or_else(|| AppError::BadRequest("Give the query as ?q=….".into()))?;
    let request = paperboy_search::SearchRequest {
        text: text.to_string(),
        mode: params::mode(get("mode")?)?,
        filters: paperboy_search::Filters {
            from: params::optional_day(get("from")?)?,
            until: params::optional_day(get("until")?)?,
            categories: params::category(get("category")?)?.into_iter().collect(),
        },
        offset: 0,
        limit: params::limit(get("limit")?, 20, 100)?,
    };
    if let Some(why) = finds_nothing(&request) {
        return Ok(Json(json!({
            "query": request.text,
            "mode": request.mode,
            "took_ms": 0.0,
            "results": [],
            "notices": [why],
        }))
        .into_response());
    }
    Ok(Json(state.search(request).await?).into_response())
}

/// Why a well-formed search finds nothing whatever the store holds: nothing to look for (only
/// spaces, or only exclusions), or `from` after `until`. The API answers it as no results and
/// a notice that says why, not as a malformed request.
pub fn finds_nothing(request: &paperboy_search::SearchRequest) -> Option<String> {
    if let (Some(from), Some(until)) = (request.filters.from, request.filters.until) {
        if from > until {
            return Some(format!("from {from} is after until {until}, so no day is in the range"));
        }
    }
    paperboy_search::parse(&request.text).err().map(|e| e.to_string())
}

/// The OpenAPI 3.1 description of this API.
const OPENAPI: &str = include_str!("openapi.json");

/// `GET /api/openapi.json`.
pub async fn openapi() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// `GET /healthz`: 200 while the store answers.
pub async fn health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let stats = state.with_store(|s| s.stats()).await?;
    Ok(Json(json!({ "status": "ok", "papers": stats.papers })))
}

/// `GET /api/trending?days=&limit=`: the hottest papers of recent daily lists, with their
/// scores and the window they were ranked over.
pub async fn trending(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let get = |key: &str| super::param(&query, key);
    let days = crate::trending::window_days(get("days")?)?;
    let limit = params::limit(get("limit")?, 50, 500)?;
    let now = chrono::Utc::now();
    let ranked = state
        .with_store(move |s| crate::trending::compute(s, days, now))
        .await?;
    let papers: Vec<Value> = ranked
        .papers
        .iter()
        .take(limit)
        .enumerate()
        .map(|(i, r)| {
            json!({
                "rank": i + 1,
                "score": r.score,
                "day": r.day,
                "upvotes": r.upvotes,
                "paper": r.doc,
            })
        })
        .collect();
    Ok(Json(json!({
        "from": ranked.from,
        "until": ranked.until,
        "days": ranked.days,
        "fallback": ranked.fell_back,
        "formula": crate::trending::FORMULA,
        "papers": papers,
    })))
}
