//! The Model Context Protocol server at `/mcp`: paperboy's JSON API (its reads, and upvotes)
//! offered to AI agents as MCP tools, over the streamable HTTP transport (JSON-RPC 2.0
//! messages POSTed, answered with `application/json`; no event streams).
//!
//! The server keeps no sessions: each tool call stands alone (reads of the store, and one
//! write, an upvote, by the account whose API token the request carries), so nothing ties one
//! request to the next, and any instance of a site with several can answer any request (as
//! the official SDK's "stateless" servers do). It therefore issues no `Mcp-Session-Id`.
//! Tools answer with the JSON API's own answers — the same handlers run (see `tools`).
//!
//! Layout: `transport` (HTTP: Origin, headers, status codes, batches), `jsonrpc` (messages
//! and error codes), `methods` (initialize, ping, tools/list, tools/call), `tools` (the
//! tools and the routes they run), `arguments` (their input schemas and argument checks),
//! `similar` (the one answer with no API route of its own).

mod arguments;
mod jsonrpc;
mod methods;
mod similar;
mod tools;
mod transport;

use axum::routing::any;
use axum::Router;

use crate::AppState;

/// The path the MCP endpoint answers on.
pub const PATH: &str = "/mcp";

/// The MCP endpoint's route (every method reaches it: the transport answers 405 itself, in
/// JSON-RPC's shape, after the Origin check).
pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, any(transport::endpoint))
}
