//! The tools: each a JSON API route offered to agents, answering with that route's JSON —
//! the route's own handler runs, so the two cannot drift. A route's error (a bad date, an
//! unknown paper) is the tool's error result (`isError: true`, with the route's error JSON),
//! which an agent reads and corrects; only a call the protocol cannot carry out (no tool of
//! that name) is a JSON-RPC error.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::arguments::{check, schema, Kind, Param};
use super::jsonrpc::{quoted, INVALID_PARAMS};
use super::similar;
use crate::api::{hf, papers, participation};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::kit::ApiUser;
use crate::{AppError, AppState};

/// A tool: its name, what it is for, its arguments, and the route it runs.
struct Tool {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    params: &'static [Param],
    route: Route,
}

#[derive(Clone, Copy)]
enum Route {
    /// `GET /api/papers/search`
    Search,
    /// `GET /api/papers/{id}`
    Paper,
    /// `GET /api/daily_papers`
    Daily,
    /// `GET /api/trending`
    Trending,
    /// `paperboy similar --json` (no route: see `super::similar`)
    Similar,
    /// `POST` (or, to take it back, `DELETE`) `/api/papers/{id}/upvote`: the one write,
    /// for a caller with an API token.
    Upvote,
}

const ID: Param = Param {
    name: "id",
    api_name: "id",
    kind: Kind::Text {
        max_chars: 100,
        pattern: None,
    },
    required: true,
    description:
        "An arXiv id, such as 2405.01234 or hep-th/9901001 (a version suffix or an arxiv.org URL is accepted too).",
};

const DAY_PATTERN: &str = r"^\d{4}-\d{2}-\d{2}$";

const TOOLS: &[Tool] = &[
    Tool {
        name: "search_papers",
        title: "Search papers",
        description: "Searches the papers by keywords, by meaning, or both (hybrid, the default), best match first. \
Answers like GET /api/papers/search: {query, mode, took_ms, results: [{id, title, score, published}], notices, index_lag}.",
        params: &[
            Param {
                name: "query",
                api_name: "q",
                kind: Kind::Text { max_chars: 500, pattern: None },
                required: true,
                description: "What to look for. Keywords take a syntax: \"a phrase\" must appear, -word excludes, author:NAME and cat:cs.LG filter, an arXiv id finds that paper first.",
            },
            Param {
                name: "mode",
                api_name: "mode",
                kind: Kind::OneOf(&[("keyword", "lexical"), ("semantic", "semantic"), ("hybrid", "hybrid")]),
                required: false,
                description: "keyword (words in title, abstract and authors; the API's mode=lexical), semantic (meaning, by embeddings) or hybrid (both; the default). Without an embedding model, semantic falls back to keyword and a notice says so.",
            },
            Param {
                name: "from",
                api_name: "from",
                kind: Kind::Text { max_chars: 10, pattern: Some(DAY_PATTERN) },
                required: false,
                description: "Only papers published on or after this day (YYYY-MM-DD).",
            },
            Param {
                name: "until",
                api_name: "until",
                kind: Kind::Text { max_chars: 10, pattern: Some(DAY_PATTERN) },
                required: false,
                description: "Only papers published on or before this day (YYYY-MM-DD).",
            },
            Param {
                name: "category",
                api_name: "category",
                kind: Kind::Text { max_chars: 32, pattern: Some(r"^[A-Za-z0-9.\-]+$") },
                required: false,
                description: "Only papers in this arXiv category, such as cs.CV or hep-th.",
            },
            Param {
                name: "limit",
                api_name: "limit",
                kind: Kind::Integer { min: 1, max: 100, default: 20 },
                required: false,
                description: "How many results at most.",
            },
        ],
        route: Route::Search,
    },
    Tool {
        name: "get_paper",
        title: "Get a paper",
        description: "One paper with everything paperboy knows of it: title, authors, abstract, categories, links, \
the daily lists it was on, upvotes and comment count. Answers like GET /api/papers/{id}.",
        params: &[ID],
        route: Route::Paper,
    },
    Tool {
        name: "daily_papers",
        title: "Daily papers",
        description: "The daily lists of papers people picked: of one day (date), an ISO week (week) or a month (month); \
without any, the latest day's. Give at most one of date, week and month. Answers like GET /api/daily_papers \
(Hugging Face's daily papers shape): a list of entries, each with its paper.",
        params: &[
            Param {
                name: "date",
                api_name: "date",
                kind: Kind::Text { max_chars: 10, pattern: Some(DAY_PATTERN) },
                required: false,
                description: "A day, YYYY-MM-DD.",
            },
            Param {
                name: "week",
                api_name: "week",
                kind: Kind::Text { max_chars: 8, pattern: Some(r"^\d{4}-W\d{2}$") },
                required: false,
                description: "An ISO week, YYYY-Www (such as 2026-W19).",
            },
            Param {
                name: "month",
                api_name: "month",
                kind: Kind::Text { max_chars: 7, pattern: Some(r"^\d{4}-\d{2}$") },
                required: false,
                description: "A month, YYYY-MM.",
            },
            Param {
                name: "sort",
                api_name: "sort",
                kind: Kind::OneOf(&[("publishedAt", "publishedAt"), ("trending", "trending")]),
                required: false,
                description: "publishedAt (newest day first; the default) or trending (hot rank: upvotes against age).",
            },
            Param {
                name: "submitter",
                api_name: "submitter",
                kind: Kind::Text { max_chars: 100, pattern: None },
                required: false,
                description: "Only papers this user submitted to the list.",
            },
            Param {
                name: "p",
                api_name: "p",
                kind: Kind::Integer { min: 0, max: 10_000, default: 0 },
                required: false,
                description: "The page, counted from 0.",
            },
            Param {
                name: "limit",
                api_name: "limit",
                kind: Kind::Integer { min: 1, max: 100, default: 50 },
                required: false,
                description: "Entries per page.",
            },
        ],
        route: Route::Daily,
    },
    Tool {
        name: "trending",
        title: "Trending papers",
        description: "The hottest papers of the recent daily lists (upvotes against age), with their scores and the \
window they were ranked over. Answers like GET /api/trending: {from, until, days, fallback, formula, papers: [{rank, score, day, upvotes, paper}]}.",
        params: &[
            Param {
                name: "days",
                api_name: "days",
                kind: Kind::Integer {
                    min: 1,
                    max: crate::trending::MAX_WINDOW_DAYS as i64,
                    default: paperboy_domain::trending::DEFAULT_WINDOW_DAYS as i64,
                },
                required: false,
                description: "How many recent days of daily lists to rank.",
            },
            Param {
                name: "limit",
                api_name: "limit",
                kind: Kind::Integer { min: 1, max: 500, default: 50 },
                required: false,
                description: "How many papers at most.",
            },
        ],
        route: Route::Trending,
    },
    Tool {
        name: "similar_papers",
        title: "Similar papers",
        description: "The papers most like one paper, best first: by meaning when the embedding model has embedded it, \
else by its title's keywords (model is then null). Answers like `paperboy similar --json`: {id, model, results: [{id, title, score, published}]}.",
        params: &[
            ID,
            Param {
                name: "limit",
                api_name: "limit",
                kind: Kind::Integer { min: 1, max: 100, default: 10 },
                required: false,
                description: "How many papers at most.",
            },
        ],
        route: Route::Similar,
    },
    Tool {
        name: "upvote_paper",
        title: "Upvote a paper",
        description: "Upvotes a paper as the caller's account, or takes the upvote back (upvote: false). Needs the \
account's API token, sent by the MCP client as Authorization: Bearer TOKEN (tokens are made on the site's /settings page). \
Answers like POST /api/papers/{id}/upvote: {id, upvotes, voted, changed}.",
        params: &[
            ID,
            Param {
                name: "upvote",
                api_name: "upvote",
                kind: Kind::Boolean { default: true },
                required: false,
                description: "true to upvote (the default), false to take one's upvote back.",
            },
        ],
        route: Route::Upvote,
    },
];

/// `tools/list`'s tools.
pub fn list() -> Vec<Value> {
    TOOLS
        .iter()
        .map(|tool| {
            json!({
                "name": tool.name,
                "title": tool.title,
                "description": tool.description,
                "inputSchema": schema(tool.params),
                "annotations": {
                    "title": tool.title,
                    "readOnlyHint": !matches!(tool.route, Route::Upvote),
                    "destructiveHint": false,
                    "idempotentHint": true,
                    "openWorldHint": false,
                },
            })
        })
        .collect()
}

/// `tools/call`: the tool's result, or (for a call naming no tool) the JSON-RPC error.
pub async fn call(state: &AppState, viewer: &Viewer, params: &Map<String, Value>) -> Result<Value, (i64, String)> {
    let name = params.get("name").and_then(Value::as_str).ok_or_else(|| {
        (
            INVALID_PARAMS,
            "tools/call needs params.name, the tool's name.".to_string(),
        )
    })?;
    let tool = TOOLS.iter().find(|t| t.name == name).ok_or_else(|| {
        let names: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
        (
            INVALID_PARAMS,
            format!("Unknown tool: {}. The tools are {}.", quoted(name), names.join(", ")),
        )
    })?;
    let query = match check(tool.params, params.get("arguments")) {
        Ok(query) => query,
        Err(message) => {
            let answer = json!({ "status": 400, "error": message });
            return Ok(result(&answer.to_string(), true));
        }
    };
    let (status, body) = read(run(state.clone(), viewer, tool.route, query).await).await;
    Ok(result(&body, !status.is_success()))
}

/// Runs the route's handler on `query`.
async fn run(state: AppState, viewer: &Viewer, route: Route, mut query: HashMap<String, String>) -> Response {
    match route {
        Route::Search => papers::search(State(state), Query(query)).await.into_response(),
        Route::Paper => {
            let id = query.remove("id").unwrap_or_default();
            papers::paper(State(state), Path(id)).await.into_response()
        }
        Route::Daily => hf::daily_papers(State(state), Query(query)).await.into_response(),
        Route::Trending => papers::trending(State(state), Query(query)).await.into_response(),
        Route::Similar => similar::answer(state, query).await,
        Route::Upvote => {
            let id = query.remove("id").unwrap_or_default();
            let path = Path(format!("{id}/upvote"));
            let caller = api_token_holder(viewer);
            let method = if query.get("upvote").map(String::as_str) == Some("false") {
                axum::http::Method::DELETE
            } else {
                axum::http::Method::POST
            };
            participation::paper_route(State(state), method, caller, path, Bytes::new())
                .await
                .into_response()
        }
    }
}

/// The account behind a write: only one named by an API token. MCP requests carry no CSRF
/// token, so a session cookie (which a browser adds to a page's requests by itself) does not
/// count here.
fn api_token_holder(viewer: &Viewer) -> Result<ApiUser, ApiError> {
    match &viewer.user {
        Some(user) if viewer.by_api_token => Ok(ApiUser(user.clone())),
        _ => Err(ApiError(AppError::Unauthorized(
            "upvote_paper needs an API token: have the MCP client send Authorization: Bearer TOKEN (tokens are made on /settings)."
                .into(),
        ))),
    }
}

/// The largest answer a tool passes on (a page of the API is far smaller).
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// A route's answer: its status and its JSON, as text.
async fn read(response: Response) -> (StatusCode, String) {
    let status = response.status();
    match axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES).await {
        Ok(bytes) => (status, String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({ "status": 500, "error": "The answer was too large to pass on." }).to_string(),
        ),
    }
}

/// A `tools/call` result holding `json` (the route's answer): as text, which every client
/// reads, and as structured content when it is an object (MCP's structured content is one).
fn result(json: &str, is_error: bool) -> Value {
    let mut result = json!({
        "content": [{ "type": "text", "text": json }],
        "isError": is_error,
    });
    if !is_error {
        if let Ok(object @ Value::Object(_)) = serde_json::from_str::<Value>(json) {
            result["structuredContent"] = object;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_listed_with_an_object_schema_and_unique_name() {
        let tools = list();
        let names: std::collections::BTreeSet<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), TOOLS.len());
        for tool in &tools {
            assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
            let writes = tool["name"] == "upvote_paper";
            assert_eq!(tool["annotations"]["readOnlyHint"], !writes, "{tool}");
        }
    }
}
