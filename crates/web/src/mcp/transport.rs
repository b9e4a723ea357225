//! The streamable HTTP transport, as far as a server without sessions or streams needs it:
//! one JSON-RPC message (or, in 2025-03-26, a batch) per POST, answered with
//! `application/json`; 202 with no body when nothing is to be answered. Every refusal here is
//! a JSON-RPC error response; those made before a request reaches it (413 past the body
//! limit, a POST whose `Origin` and `Host` disagree) are the API's JSON errors. Never a page.
//!
//! Browsers send `Origin` with every POST; a page of another site that reaches this server
//! (through DNS rebinding, its own name resolving to this server's address, `Host` and all)
//! is refused with 403, as the MCP spec asks. Allowed: no `Origin` (agents and their SDKs),
//! the site's own configured address (`PAPERBOY_BASE_URL`), and pages served from this
//! machine's loopback names — a rebinding page always names the attacker's host. (And the
//! one tool that writes takes an API token alone, never the session cookie a browser adds.)

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::jsonrpc::{classify, quoted, Failure, Incoming, INVALID_REQUEST, PARSE_ERROR};
use super::methods::{self, takes_batches, UNSTATED_VERSION, VERSIONS};
use crate::auth::Viewer;
use crate::AppState;

const SESSION_HEADER: &str = "mcp-session-id";
const VERSION_HEADER: &str = "mcp-protocol-version";

/// The most messages one batch may hold: each may be a search, and the request's time is
/// bounded at the edge.
const MAX_BATCH: usize = 20;

/// `/mcp`, every method.
pub async fn endpoint(
    State(state): State<AppState>,
    viewer: Viewer,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match refusal(&state, &method, &headers) {
        Some(refused) => refused,
        None => post(&state, &viewer, &headers, &body).await,
    }
}

/// Why a request is refused before its body is read: a foreign page, a method or a header
/// this server does not take.
fn refusal(state: &AppState, method: &Method, headers: &HeaderMap) -> Option<Response> {
    let text = |name| headers.get(name).map(|v| v.to_str().unwrap_or("(not text)"));
    if let Some(origin) = text(header::ORIGIN.as_str()) {
        if !allowed_origin(state, origin) {
            return Some(error(
                StatusCode::FORBIDDEN,
                format!(
                    "Requests from web pages at {} are refused: only this site's own address ({}) and loopback pages may call /mcp from a browser.",
                    quoted(origin),
                    state.settings.public_url.as_deref().unwrap_or("set PAPERBOY_BASE_URL to allow it"),
                ),
            ));
        }
    }
    if method != Method::POST {
        let mut refused = error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("/mcp takes JSON-RPC messages by POST; it opens no event stream (GET) and keeps no sessions to end (DELETE), so {method} is not taken."),
        );
        refused
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Some(refused);
    }
    if let Some(session) = text(SESSION_HEADER) {
        // This server issues no session id, so any is unknown; 404 tells a client to
        // initialize again (without one).
        return Some(error(
            StatusCode::NOT_FOUND,
            format!(
                "Unknown session {}: this server keeps no sessions and issues no Mcp-Session-Id; initialize again without one.",
                quoted(session)
            ),
        ));
    }
    let content_type = text(header::CONTENT_TYPE.as_str()).unwrap_or_default();
    if !media_type(content_type).eq_ignore_ascii_case("application/json") {
        return Some(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send JSON-RPC messages as Content-Type: application/json.".into(),
        ));
    }
    if let Some(accept) = text(header::ACCEPT.as_str()) {
        let takes_json = accept.split(',').map(media_type).any(|t| {
            ["application/json", "application/*", "*/*"]
                .iter()
                .any(|ok| t.eq_ignore_ascii_case(ok))
        });
        if !takes_json {
            return Some(error(
                StatusCode::NOT_ACCEPTABLE,
                "This server answers with application/json; list it in Accept (with text/event-stream, as MCP clients do).".into(),
            ));
        }
    }
    None
}

/// A media type without its parameters.
fn media_type(value: &str) -> &str {
    value.split(';').next().unwrap_or_default().trim()
}

fn allowed_origin(state: &AppState, origin: &str) -> bool {
    let own = state
        .settings
        .public_url
        .as_deref()
        .map(|url| url.trim_end_matches('/'));
    if own.is_some_and(|own| own.eq_ignore_ascii_case(origin)) {
        return true;
    }
    let Some((scheme, host)) = origin.split_once("://") else {
        return false;
    };
    // The host without its port (`[::1]:8080`, `localhost:3000`).
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    matches!(scheme, "http" | "https")
        && matches!(name.to_ascii_lowercase().as_str(), "localhost" | "127.0.0.1" | "::1")
}

/// A POST's messages, answered.
async fn post(state: &AppState, viewer: &Viewer, headers: &HeaderMap, body: &[u8]) -> Response {
    let message: Value = match serde_json::from_slice(body) {
        Ok(message) => message,
        Err(e) => {
            let failure = Failure::new(
                Value::Null,
                PARSE_ERROR,
                format!("Parse error: the body is not JSON ({e})."),
            );
            return reply(StatusCode::BAD_REQUEST, failure.to_json());
        }
    };
    let is_initialize = message.get("method").and_then(Value::as_str) == Some("initialize");
    let version = match headers.get(VERSION_HEADER).map(|v| v.to_str().unwrap_or_default()) {
        // `initialize` negotiates the version in its params; the header is for what follows.
        _ if is_initialize => UNSTATED_VERSION,
        None => UNSTATED_VERSION,
        Some(stated) => match VERSIONS.iter().find(|v| **v == stated) {
            Some(version) => version,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "Unsupported MCP-Protocol-Version {}; this server speaks {} (initialize to agree on one).",
                        quoted(stated),
                        VERSIONS.join(", ")
                    ),
                )
            }
        },
    };
    match message {
        Value::Array(batch) => answer_batch(state, viewer, version, batch).await,
        single => match classify(single) {
            Ok(Incoming::Request { id, method, params }) => reply(
                StatusCode::OK,
                methods::answer(state, viewer, id, &method, params).await,
            ),
            Ok(Incoming::Notification | Incoming::Response) => StatusCode::ACCEPTED.into_response(),
            Err(failure) => reply(StatusCode::BAD_REQUEST, failure.to_json()),
        },
    }
}

/// A JSON-RPC batch: each message answered in turn, the answers in one array (none: 202).
async fn answer_batch(state: &AppState, viewer: &Viewer, version: &str, batch: Vec<Value>) -> Response {
    if !takes_batches(version) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("MCP {version} takes no JSON-RPC batches; send one message per request."),
        );
    }
    if batch.is_empty() || batch.len() > MAX_BATCH {
        return error(
            StatusCode::BAD_REQUEST,
            format!("A batch holds 1 to {MAX_BATCH} messages, not {}.", batch.len()),
        );
    }
    let mut answers = Vec::new();
    for message in batch {
        match classify(message) {
            Ok(Incoming::Request { id, method, .. }) if method == "initialize" => answers
                .push(Failure::new(id, INVALID_REQUEST, "initialize must be sent alone, not in a batch.").to_json()),
            Ok(Incoming::Request { id, method, params }) => {
                answers.push(methods::answer(state, viewer, id, &method, params).await)
            }
            Ok(Incoming::Notification | Incoming::Response) => {}
            Err(failure) => answers.push(failure.to_json()),
        }
    }
    if answers.is_empty() {
        return StatusCode::ACCEPTED.into_response();
    }
    reply(StatusCode::OK, Value::Array(answers))
}

/// A JSON-RPC error about the request as a whole (its id unknown: null), with `status`.
fn error(status: StatusCode, message: String) -> Response {
    reply(status, Failure::new(Value::Null, INVALID_REQUEST, message).to_json())
}

fn reply(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}
