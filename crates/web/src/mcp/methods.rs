//! What each MCP method does: the lifecycle (`initialize` with version negotiation, `ping`)
//! and the tools (`tools/list`, `tools/call`). Notifications change nothing here: with no
//! sessions there is no state for `notifications/initialized` or a cancellation to touch.

use serde_json::{json, Map, Value};

use super::jsonrpc::{quoted, success, Failure, INVALID_PARAMS, METHOD_NOT_FOUND};
use super::tools;
use crate::auth::Viewer;
use crate::AppState;

/// The protocol versions this server speaks, newest first: every revision that starts with
/// the `initialize` handshake. Tools, results and errors are the same in all of them, except
/// that JSON-RPC batches exist in 2025-03-26 alone (see [`takes_batches`]).
pub const VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// What a request without `MCP-Protocol-Version` speaks: the spec has servers assume the
/// last revision before the header existed.
pub const UNSTATED_VERSION: &str = "2025-03-26";

/// Whether the HTTP transport of `version` takes JSON-RPC batches (added in 2025-03-26,
/// removed again in 2025-06-18).
pub fn takes_batches(version: &str) -> bool {
    version == "2025-03-26"
}

/// What the server tells an agent about itself on `initialize`.
const INSTRUCTIONS: &str = "paperboy is a research-paper discovery hub (arXiv papers and the daily \
lists people curate). Find papers with search_papers, read one with get_paper, see a day's, \
week's or month's list with daily_papers, what is hot with trending, and related work with \
similar_papers. Each tool answers with the JSON of paperboy's HTTP API. upvote_paper, the one \
tool that changes anything, needs the caller's API token (Authorization: Bearer).";

/// Answers the request `method` with `params` (a response, or an error response).
pub async fn answer(state: &AppState, viewer: &Viewer, id: Value, method: &str, params: Map<String, Value>) -> Value {
    let result = match method {
        "initialize" => initialize(&params),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(json!({ "tools": tools::list() })),
        "tools/call" => tools::call(state, viewer, &params).await,
        other => Err((
            METHOD_NOT_FOUND,
            format!(
                "Method not found: {}. This server answers initialize, ping, tools/list and tools/call.",
                quoted(other)
            ),
        )),
    };
    match result {
        Ok(result) => success(id, result),
        Err((code, message)) => Failure::new(id, code, message).to_json(),
    }
}

/// `initialize`: the client's version when this server speaks it, else the newest this
/// server speaks (the client then decides whether it can go on).
fn initialize(params: &Map<String, Value>) -> Result<Value, (i64, String)> {
    let asked = params.get("protocolVersion").and_then(Value::as_str).ok_or_else(|| {
        (
            INVALID_PARAMS,
            "initialize needs params.protocolVersion (a string such as \"2025-06-18\").".to_string(),
        )
    })?;
    let version = VERSIONS.iter().find(|v| **v == asked).unwrap_or(&VERSIONS[0]);
    Ok(json!({
        "protocolVersion": version,
        "capabilities": { "tools": { "listChanged": false } },
        "serverInfo": {
            "name": "paperboy",
            "title": "paperboy",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "instructions": INSTRUCTIONS,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initialize_keeps_a_version_it_speaks_and_offers_its_newest_otherwise() {
        for asked in VERSIONS {
            let params = json!({ "protocolVersion": asked }).as_object().cloned().unwrap();
            assert_eq!(initialize(&params).unwrap()["protocolVersion"], *asked);
        }
        let future = json!({ "protocolVersion": "2099-01-01" }).as_object().cloned().unwrap();
        assert_eq!(initialize(&future).unwrap()["protocolVersion"], VERSIONS[0]);
        let (code, _) = initialize(&Map::new()).unwrap_err();
        assert_eq!(code, INVALID_PARAMS);
    }
}
