//! The JSON API, each route documented in `openapi.json` (a test holds the two together).
//! Answers and errors are JSON (`{"status":…,"error":…}`, see `crate::error::ApiError`).

pub mod hf;
pub mod papers;
pub mod participation;
pub mod signals;
pub mod status;

use axum::routing::{delete, get, post, MethodRouter};
use axum::Router;

use crate::AppState;

/// The JSON API's routes.
pub fn routes() -> Router<AppState> {
    ROUTES
        .iter()
        .fold(Router::new(), |router, (path, route)| router.route(path, route()))
}

type ApiRoute = fn() -> MethodRouter<AppState>;

const ROUTES: &[(&str, ApiRoute)] = &[
    ("/api/papers/search", || get(papers::search)),
    ("/api/papers/{*id}", || {
        get(participation::paper_get)
            .post(participation::paper_post)
            .delete(participation::paper_delete)
    }),
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
    ("/api/daily/{date}/submissions", || post(participation::submission_post)),
    ("/api/daily_papers", || get(hf::daily_papers)),
    ("/hf/api/daily_papers", || get(hf::daily_papers)),
    ("/hf/api/papers/search", || get(hf::search)),
    ("/hf/api/papers/{*id}", || get(hf::paper_info)),
    ("/api/trending", || get(papers::trending)),
    ("/api/openapi.json", || get(papers::openapi)),
    ("/api/status", || get(status::show)),
];

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
