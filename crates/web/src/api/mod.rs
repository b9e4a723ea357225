//! The JSON API, each route documented in `openapi.json` (a test holds the two together).
//! Answers and errors are JSON (`{"status":…,"error":…}`, see `crate::error::ApiError`).

pub mod hf;
pub mod papers;
pub mod participation;
pub mod signals;
pub mod status;

use std::collections::HashMap;

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, MethodRouter};
use axum::Router;

use crate::error::ApiError;
use crate::{AppError, AppState};

/// The JSON API's routes.
pub fn routes() -> Router<AppState> {
    ROUTES
        .iter()
        .fold(Router::new(), |router, (path, route)| router.route(path, route()))
}

type ApiRoute = fn() -> MethodRouter<AppState>;

const ROUTES: &[(&str, ApiRoute)] = &[
    ("/api/papers/search", || get(papers::search)),
    // Ids may contain `/`: one catch-all serves the paper and its sub-resources, and answers
    // 405 with each one's own `Allow` itself.
    ("/api/papers/{*id}", || any(participation::paper_route)),
    ("/api/comments/{id}", || delete(participation::comment_delete)),
    ("/api/votes", || get(participation::votes_get)),
    ("/api/follows", || get(signals::follows_get).post(signals::follows_post)),
    ("/api/follows/{id}", || delete(signals::follow_delete)),
    ("/api/saved-searches", || {
        get(signals::saved_searches_get).post(signals::saved_searches_post)
    }),
    ("/api/saved-searches/{id}", || delete(signals::saved_search_delete)),
    ("/api/for-you", || get(crate::for_you::show::api)),
    ("/api/signals", || {
        get(signals::signals_get).delete(signals::signals_delete)
    }),
    ("/api/signals/privacy", || {
        get(signals::privacy_get).put(signals::privacy_put)
    }),
    ("/api/daily/{date}/submissions", || post(participation::submission_post)),
    ("/api/daily_papers", || get(hf::daily_papers)),
    ("/hf/api/daily_papers", || get(hf::daily_papers)),
    ("/hf/api/papers/search", || get(hf::search)),
    ("/hf/api/papers/{*id}", || get(hf::paper_info)),
    ("/api/trending", || get(papers::trending)),
    ("/api/openapi.json", || get(papers::openapi)),
    ("/api/status", || get(status::show)),
];

/// Whether `path` is the JSON API's (paperboy's own under `/api/`, Hugging Face's shapes under
/// `/hf/api/`): its errors, the framework's included, are answered as JSON.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/hf/api/")
}

/// Paths served by the `/api/papers/{*id}` catch-all (ids may contain `/`), by suffix.
const PAPER_SUBRESOURCES: &[&str] = &[
    "/api/papers/{id}/upvote",
    "/api/papers/{id}/save",
    "/api/papers/{id}/comments",
    "/api/papers/{id}/not-interested",
];

/// The paths of the JSON API as the router matches them (`{*id}` for a catch-all segment),
/// and the sub-resources the paper catch-all serves.
pub fn paths() -> impl Iterator<Item = &'static str> {
    ROUTES
        .iter()
        .map(|(path, _)| *path)
        .chain(PAPER_SUBRESOURCES.iter().copied())
}

/// A query parameter of the API: `None` when left out. One given empty (`?date=`) is refused:
/// each parameter is either left out or one of the values `openapi.json` describes, and
/// "nothing" is none of them.
pub fn param<'a>(query: &'a HashMap<String, String>, key: &str) -> Result<Option<&'a str>, AppError> {
    match query.get(key).map(String::as_str) {
        Some("") => Err(AppError::BadRequest(format!(
            "{key} is empty; give a value or leave it out"
        ))),
        value => Ok(value),
    }
}

/// 405 for a method the resource does not take, in the API's JSON, with the methods it does
/// take in `Allow` (what the router says for the routes it dispatches itself).
pub fn method_not_allowed(method: &Method, allow: &'static str) -> Response {
    let mut response = ApiError(AppError::Refused {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: format!("This address does not take {method} requests."),
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}
