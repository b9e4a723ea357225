//! `similar_papers`' answer. The JSON API has no route for similar papers (the paper page
//! shows them); the tool answers in the shape `paperboy similar --json` prints, with the
//! API's errors (`{"status", "error"}`) for an id that is not one or a paper not stored.

use std::collections::HashMap;

use axum::response::{IntoResponse, Response};
use axum::Json;
use paperboy_search::SearchHit;
use serde::Serialize;

use crate::error::ApiError;
use crate::{params, AppError, AppState};

/// `paperboy similar --json`'s shape.
#[derive(Serialize)]
struct Similar {
    id: String,
    /// The embedding model that ranked the results; null when the title's keywords did.
    model: Option<String>,
    results: Vec<SearchHit>,
}

/// The papers like `query["id"]`, at most `query["limit"]` (default 10).
pub async fn answer(state: AppState, query: HashMap<String, String>) -> Response {
    match similar(state, query).await {
        Ok(similar) => Json(similar).into_response(),
        Err(error) => ApiError(error).into_response(),
    }
}

async fn similar(state: AppState, query: HashMap<String, String>) -> Result<Similar, AppError> {
    let id = params::arxiv_id(query.get("id").map(String::as_str).unwrap_or_default())?;
    let limit = params::limit(query.get("limit").map(String::as_str), 10, 100)?;
    let model = state.searcher.model_id().map(str::to_string);
    let (wanted, asked_model) = (id.clone(), model.clone());
    let (stored, embedded) = state
        .with_store(move |s| {
            let stored = s.paper(&wanted)?.is_some();
            let embedded = match &asked_model {
                Some(model) if stored => s.vector_of(model, &wanted)?.is_some(),
                _ => false,
            };
            Ok((stored, embedded))
        })
        .await?;
    if !stored {
        return Err(AppError::NotFound(format!("no paper {id}")));
    }
    let results = state.similar(id.clone(), limit).await?;
    Ok(Similar {
        id: id.to_string(),
        model: model.filter(|_| embedded),
        results,
    })
}
