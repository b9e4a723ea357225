//! The MCP server at `/mcp`, driven by the official MCP Python SDK's client (pinned in the
//! project's venv by `scripts/setup-tests`) over the streamable HTTP transport, on a real
//! week of Hugging Face daily lists: each tool answers what the JSON API answers. Then the
//! same endpoint fed malformed JSON-RPC by hand: JSON-RPC errors, never a 500.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

use crate::support::browser::Browser;
use crate::support::{shared_data, Reply, TestServer};

/// The site's request body limit (axum's default).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The week of 4–8 May 2026 (ISO week 2026-W19).
const WEEK: [&str; 5] = ["2026-05-04", "2026-05-05", "2026-05-06", "2026-05-07", "2026-05-08"];

/// Connects as agents do (the SDK's default: it probes for a newer protocol, then falls
/// back to `initialize`), lists the tools, makes each call in argv[2] (a JSON list of
/// `[tool, arguments]`) and prints what it got, as JSON. With argv[3], sends it as the API
/// token (`Authorization: Bearer`), as a client configured with headers does.
const CLIENT: &str = r#"
import asyncio, json, sys
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

async def main(url, calls, token):
    out = {"calls": []}
    server = url
    if token:
        auth = httpx2.AsyncClient(headers={"Authorization": "Bearer " + token})
        server = streamable_http_client(url, http_client=auth)
    async with Client(server) as client:
        out["protocol_version"] = client.protocol_version
        out["server"] = client.server_info.name
        out["tools_capability"] = client.server_capabilities.tools is not None
        await client.send_ping()
        tools = (await client.list_tools()).tools
        out["tools"] = {t.name: {"schema": t.input_schema, "read_only": t.annotations.read_only_hint} for t in tools}
        for name, arguments in calls:
            try:
                result = await client.call_tool(name, arguments)
                out["calls"].append({
                    "is_error": result.is_error,
                    "text": result.content[0].text,
                    "structured": result.structured_content,
                })
            except MCPError as e:
                out["calls"].append({"code": e.code, "message": e.message})
    print(json.dumps(out))

asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None))
"#;

fn python() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/venv/bin/python"))
}

/// Runs the SDK client against `server`'s `/mcp` with these calls (and this API token).
fn run_client(server: &TestServer, calls: &[(&str, Value)], token: Option<&str>) -> Value {
    assert!(
        python().exists(),
        "the MCP client test needs the mcp package in .cache/venv: run scripts/setup-tests"
    );
    let calls = Value::Array(calls.iter().map(|(name, args)| json!([name, args])).collect());
    let out = Command::new(python())
        .args(["-c", CLIENT, &format!("{}/mcp", server.base_url), &calls.to_string()])
        .args(token)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn week_server(data: &std::path::Path) -> TestServer {
    TestServer::with_data(&WEEK.map(|day| data.join(format!("hf-daily/{day}.json"))))
}

/// The most upvoted paper of 5 May, and the longest word of its title.
fn top_paper(data: &std::path::Path) -> (String, String) {
    let text = std::fs::read_to_string(data.join("hf-daily/2026-05-05.json")).unwrap();
    let day: Vec<Value> = serde_json::from_str(&text).unwrap();
    let top = day
        .iter()
        .max_by_key(|e| e["paper"]["upvotes"].as_i64().unwrap())
        .unwrap();
    let title = top["paper"]["title"].as_str().unwrap();
    let word = title
        .split(|c: char| !c.is_alphanumeric())
        .max_by_key(|w| w.len())
        .unwrap();
    (top["paper"]["id"].as_str().unwrap().to_string(), word.to_string())
}

/// `value` without the members that differ from one call to the next (a search's timing; a
/// trending score, which decays with the clock).
fn steady(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.remove("took_ms");
    }
    if let Some(papers) = value.get_mut("papers").and_then(Value::as_array_mut) {
        for paper in papers {
            paper.as_object_mut().unwrap().remove("score");
        }
    }
    value
}

fn parsed(call: &Value) -> Value {
    serde_json::from_str(call["text"].as_str().unwrap()).unwrap()
}

#[test]
fn the_official_mcp_client_calls_every_tool_and_gets_the_apis_answers() {
    let Some(data) = shared_data() else { return };
    let server = week_server(&data);
    let (top_id, word) = top_paper(&data);
    let first = WEEK[0];
    let last = WEEK[4];
    // Each tool call, and the JSON API request that must answer the same.
    let cases: Vec<(&str, Value, String)> = vec![
        (
            "search_papers",
            json!({"query": word, "mode": "keyword", "limit": 5}),
            format!("/api/papers/search?q={word}&mode=lexical&limit=5"),
        ),
        (
            "search_papers",
            json!({"query": word, "mode": "hybrid", "from": first, "until": last, "category": "cs.CV"}),
            format!("/api/papers/search?q={word}&mode=hybrid&from={first}&until={last}&category=cs.CV"),
        ),
        (
            "search_papers",
            json!({"query": word, "mode": "semantic"}),
            format!("/api/papers/search?q={word}&mode=semantic"),
        ),
        ("get_paper", json!({"id": top_id}), format!("/api/papers/{top_id}")),
        (
            "daily_papers",
            json!({"date": "2026-05-05"}),
            "/api/daily_papers?date=2026-05-05".into(),
        ),
        (
            "daily_papers",
            json!({"week": "2026-W19", "limit": 100}),
            "/api/daily_papers?week=2026-W19&limit=100".into(),
        ),
        (
            "daily_papers",
            json!({"month": "2026-05", "sort": "trending", "limit": 10, "p": 1}),
            "/api/daily_papers?month=2026-05&sort=trending&limit=10&p=1".into(),
        ),
        ("daily_papers", json!({}), "/api/daily_papers".into()),
        (
            "trending",
            json!({"days": 30, "limit": 5}),
            "/api/trending?days=30&limit=5".into(),
        ),
        // The API's errors are the tools' error results.
        (
            "get_paper",
            json!({"id": "2605.99999"}),
            "/api/papers/2605.99999".into(),
        ),
        (
            "daily_papers",
            json!({"date": "2026-02-30"}),
            "/api/daily_papers?date=2026-02-30".into(),
        ),
        (
            "daily_papers",
            json!({"date": "2026-05-05", "week": "2026-W19"}),
            "/api/daily_papers?date=2026-05-05&week=2026-W19".into(),
        ),
    ];
    let mut calls: Vec<(&str, Value)> = cases.iter().map(|(tool, args, _)| (*tool, args.clone())).collect();
    calls.push(("similar_papers", json!({"id": top_id, "limit": 5})));
    calls.push(("similar_papers", json!({"id": "2605.99999"})));
    calls.push(("get_paper", json!({"id": top_id, "format": "bibtex"})));
    calls.push(("search_papers", json!({"query": word, "limit": 1000})));
    calls.push(("no_such_tool", json!({})));

    let out = run_client(&server, &calls, None);

    // The handshake: the SDK's newest handshake version, agreed after its probe for a newer
    // protocol was refused.
    assert_eq!(out["protocol_version"], "2025-11-25", "{out}");
    assert_eq!(out["server"], "paperboy");
    assert_eq!(out["tools_capability"], true);
    let tools = out["tools"].as_object().unwrap();
    let mut names: Vec<&str> = tools.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "daily_papers",
            "get_paper",
            "search_papers",
            "similar_papers",
            "trending",
            "upvote_paper"
        ]
    );
    for (name, tool) in tools {
        assert_eq!(tool["schema"]["type"], "object", "{name}");
        assert_eq!(tool["read_only"], name != "upvote_paper", "{name}");
    }
    assert_eq!(
        tools["search_papers"]["schema"]["properties"]["mode"]["enum"],
        json!(["keyword", "semantic", "hybrid"])
    );
    assert_eq!(tools["get_paper"]["schema"]["required"], json!(["id"]));

    let results = out["calls"].as_array().unwrap();
    for ((tool, args, path), call) in cases.iter().zip(results) {
        let api = server.get(path);
        assert_eq!(
            call["is_error"],
            api.status >= 400,
            "{tool} {args}: {call} vs {} {}",
            api.status,
            api.body
        );
        assert_eq!(steady(parsed(call)), steady(api.json()), "{tool} {args} vs {path}");
        if api.status < 400 && api.json().is_object() {
            assert_eq!(
                call["structured"],
                call["text"]
                    .as_str()
                    .map(|t| serde_json::from_str::<Value>(t).unwrap())
                    .unwrap(),
                "{tool}"
            );
        }
    }
    // Not empty answers compared: the week is there.
    let week = parsed(&results[5]);
    assert!(week.as_array().unwrap().len() > 50, "{week}");
    assert_eq!(parsed(&results[3])["id"], top_id);
    assert!(
        !parsed(&results[0])["results"].as_array().unwrap().is_empty(),
        "{}",
        results[0]
    );
    assert_eq!(parsed(&results[0])["mode"], "lexical");
    assert_eq!(parsed(&results[9])["status"], 404);

    let rest = &results[cases.len()..];
    // similar_papers: other stored papers, in `paperboy similar --json`'s shape (keywords
    // stand in here: the test server loads no embedding model).
    let similar = parsed(&rest[0]);
    assert_eq!(rest[0]["is_error"], false, "{similar}");
    assert_eq!(similar["id"], top_id);
    assert_eq!(similar["model"], Value::Null);
    let similar_ids: Vec<&str> = similar["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_str().unwrap())
        .collect();
    assert!((1..=5).contains(&similar_ids.len()), "{similar}");
    assert!(!similar_ids.contains(&top_id.as_str()));
    for id in similar_ids {
        assert_eq!(server.get(&format!("/api/papers/{id}")).status, 200, "{id}");
    }
    assert_eq!(rest[1]["is_error"], true);
    assert_eq!(parsed(&rest[1]), server.get("/api/papers/2605.99999").json());
    // Bad arguments: error results that name what is wrong.
    assert_eq!(rest[2]["is_error"], true);
    assert!(
        rest[2]["text"]
            .as_str()
            .unwrap()
            .contains("Unknown argument \\\"format\\\""),
        "{}",
        rest[2]
    );
    assert_eq!(rest[3]["is_error"], true);
    assert!(
        rest[3]["text"]
            .as_str()
            .unwrap()
            .contains("limit must be an integer from 1 to 100"),
        "{}",
        rest[3]
    );
    // A tool that does not exist: a protocol error.
    assert_eq!(rest[4]["code"], -32602, "{}", rest[4]);
    assert!(
        rest[4]["message"].as_str().unwrap().contains("Unknown tool"),
        "{}",
        rest[4]
    );
}

/// POSTs `body` to `/mcp` with the headers MCP clients send, `extra` replacing or adding.
fn post(server: &TestServer, body: &str, extra: &[(&str, &str)]) -> Reply {
    let mut headers = vec![
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
    ];
    headers.retain(|(name, _)| !extra.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)));
    headers.extend_from_slice(extra);
    let request = headers.iter().fold(
        ureq::http::Request::post(format!("{}/mcp", server.base_url)),
        |request, (name, value)| request.header(*name, *value),
    );
    Reply::read(agent().run(request.body(body.to_string()).unwrap()).unwrap())
}

/// `/mcp` by another method, with no body.
fn without_body(server: &TestServer, method: &str) -> Reply {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}/mcp", server.base_url))
        .body(())
        .unwrap();
    Reply::read(agent().run(request).unwrap())
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// The JSON-RPC error of a reply: its code and message.
fn rpc_error(reply: &Reply) -> (i64, String) {
    assert!(
        reply.content_type.starts_with("application/json"),
        "{} {}",
        reply.status,
        reply.body
    );
    let body = reply.json();
    assert_eq!(body["jsonrpc"], "2.0", "{body}");
    (
        body["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("no error code: {body}")),
        body["error"]["message"].as_str().unwrap().to_string(),
    )
}

fn call(id: i64, tool: &str, arguments: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": arguments}})
        .to_string()
}

#[test]
fn malformed_json_rpc_gets_json_rpc_errors_never_a_500() {
    let Some(data) = shared_data() else { return };
    let server = week_server(&data);
    let current = [("mcp-protocol-version", "2025-06-18")];

    // Not JSON: a parse error.
    for body in [
        "{not json",
        "",
        "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"",
        "\u{0}",
    ] {
        let reply = post(&server, body, &current);
        assert_eq!(reply.status, 400, "{body:?}");
        assert_eq!(rpc_error(&reply).0, -32700, "{body:?}");
        assert_eq!(reply.json()["id"], Value::Null);
    }
    // JSON, but not a request: invalid request, answered to the id when it can be read.
    for (body, id) in [
        (r#""ping""#, Value::Null),
        ("42", Value::Null),
        (r#"{"jsonrpc": "2.0", "id": 7}"#, json!(7)),
        (r#"{"jsonrpc": "1.0", "id": "a", "method": "ping"}"#, json!("a")),
        (r#"{"jsonrpc": "2.0", "id": {"x": 1}, "method": "ping"}"#, Value::Null),
        (r#"{"jsonrpc": "2.0", "id": 8, "method": ["ping"]}"#, json!(8)),
    ] {
        let reply = post(&server, body, &current);
        assert_eq!(
            (reply.status, rpc_error(&reply).0),
            (400, -32600),
            "{body}: {}",
            reply.body
        );
        assert_eq!(reply.json()["id"], id, "{body}");
    }
    // Unknown method; params that are not an object.
    let reply = post(
        &server,
        r#"{"jsonrpc": "2.0", "id": 9, "method": "resources/list"}"#,
        &current,
    );
    assert_eq!((reply.status, rpc_error(&reply).0), (200, -32601), "{}", reply.body);
    assert_eq!(reply.json()["id"], 9);
    let reply = post(
        &server,
        r#"{"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": [1]}"#,
        &current,
    );
    assert_eq!(rpc_error(&reply).0, -32602, "{}", reply.body);
    // tools/call without a tool, or naming none that exists: invalid params.
    let reply = post(
        &server,
        r#"{"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {}}"#,
        &current,
    );
    assert_eq!(rpc_error(&reply).0, -32602, "{}", reply.body);
    let reply = post(&server, &call(12, &"x".repeat(5000), json!({})), &current);
    let (code, message) = rpc_error(&reply);
    assert_eq!(code, -32602);
    assert!(message.contains("Unknown tool") && message.len() < 300, "{message}");

    // Bad arguments: error results the agent can correct its call from.
    for (tool, arguments, says) in [
        ("get_paper", json!({}), "The argument id is required."),
        ("get_paper", json!({"id": 2405.01234}), "id must be a non-empty string"),
        ("get_paper", json!({"id": "not an id"}), "\"status\":400"),
        ("get_paper", json!("2405.01234"), "The arguments must be a JSON object."),
        (
            "search_papers",
            json!({"query": "x", "mode": "fuzzy"}),
            "mode must be one of keyword, semantic, hybrid",
        ),
        (
            "search_papers",
            json!({"query": "x", "from": "May"}),
            "is not a date; expected YYYY-MM-DD",
        ),
        (
            "search_papers",
            json!({"query": "x", "category": "<b>"}),
            "is not an arXiv category",
        ),
        ("daily_papers", json!({"week": "2026-W60"}), "\"status\":"),
        (
            "trending",
            json!({"days": 1000}),
            "days must be an integer from 1 to 90",
        ),
        (
            "similar_papers",
            json!({"id": "2405.01234", "limit": -1}),
            "limit must be an integer from 1 to 100",
        ),
    ] {
        let reply = post(&server, &call(13, tool, arguments.clone()), &current);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let result = &reply.json()["result"];
        assert_eq!(result["isError"], true, "{tool} {arguments}: {result}");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert!(text.contains(says), "{tool} {arguments}: {text}");
        let error: Value = serde_json::from_str(text).unwrap();
        assert!(
            error["status"].as_u64().is_some_and(|s| (400..500).contains(&s)),
            "{text}"
        );
    }

    // A notification, or a client's response, alone: 202 and no body.
    for body in [
        r#"{"jsonrpc": "2.0", "method": "notifications/initialized"}"#,
        r#"{"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}}"#,
        r#"{"jsonrpc": "2.0", "id": 1, "result": {}}"#,
    ] {
        let reply = post(&server, body, &current);
        assert_eq!((reply.status, reply.body.as_str()), (202, ""), "{body}");
    }

    // Batches: only in 2025-03-26 (also what a request without the version header speaks).
    let batch = r#"[{"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": "two", "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {"protocolVersion": "2025-03-26"}},
        {"jsonrpc": "2.0", "id": 4}]"#;
    for version in [None, Some("2025-03-26")] {
        let headers: Vec<(&str, &str)> = version.map(|v| ("mcp-protocol-version", v)).into_iter().collect();
        let reply = post(&server, batch, &headers);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let answers = reply.json();
        let answers = answers.as_array().unwrap();
        assert_eq!(answers.len(), 4, "{answers:?}");
        assert_eq!(
            (answers[0]["id"].clone(), answers[0]["result"].clone()),
            (json!(1), json!({}))
        );
        assert_eq!(answers[1]["id"], "two");
        assert_eq!(answers[1]["result"]["tools"].as_array().unwrap().len(), 6);
        assert_eq!(
            (answers[2]["id"].clone(), answers[2]["error"]["code"].clone()),
            (json!(3), json!(-32600))
        );
        assert_eq!(
            (answers[3]["id"].clone(), answers[3]["error"]["code"].clone()),
            (json!(4), json!(-32600))
        );
    }
    let notes = r#"[{"jsonrpc": "2.0", "method": "notifications/initialized"}]"#;
    assert_eq!(post(&server, notes, &[]).status, 202);
    for (body, headers) in [
        (batch, &current[..]),
        (batch, &[("mcp-protocol-version", "2025-11-25")][..]),
        ("[]", &[][..]),
    ] {
        let reply = post(&server, body, headers);
        assert_eq!((reply.status, rpc_error(&reply).0), (400, -32600), "{body} {headers:?}");
    }
    let many = format!(
        "[{}]",
        vec![r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#; 21].join(",")
    );
    let reply = post(&server, &many, &[]);
    assert_eq!(reply.status, 400);
    assert!(rpc_error(&reply).1.contains("1 to 20 messages"), "{}", reply.body);
}

#[test]
fn the_transport_negotiates_versions_and_refuses_what_it_does_not_take() {
    let Some(data) = shared_data() else { return };
    let server = week_server(&data);
    let ping = r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#;

    // initialize keeps each version this server speaks and offers its newest for others.
    for (asked, agreed) in [
        ("2025-06-18", "2025-06-18"),
        ("2025-03-26", "2025-03-26"),
        ("2025-11-25", "2025-11-25"),
        ("2099-01-01", "2025-11-25"),
    ] {
        let body = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": asked, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
        let reply = post(&server, &body.to_string(), &[]);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let result = &reply.json()["result"];
        assert_eq!(result["protocolVersion"], agreed, "{asked}");
        assert!(result["capabilities"]["tools"].is_object());
        assert_eq!(result["serverInfo"]["name"], "paperboy");
    }
    // No session is issued, so a request naming one names an unknown session: 404.
    let reply = post(&server, ping, &[("mcp-session-id", "abc123")]);
    assert_eq!((reply.status, rpc_error(&reply).0), (404, -32600), "{}", reply.body);
    // A version it does not speak, on a request after initialize: 400.
    let reply = post(&server, ping, &[("mcp-protocol-version", "2026-07-28")]);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(rpc_error(&reply).1.contains("2025-06-18"), "{}", reply.body);
    // Only JSON in, and only to clients that take JSON back.
    let reply = post(&server, ping, &[("content-type", "text/plain")]);
    assert_eq!((reply.status, rpc_error(&reply).0), (415, -32600), "{}", reply.body);
    let reply = post(&server, ping, &[("accept", "text/html")]);
    assert_eq!(reply.status, 406, "{}", reply.body);
    assert_eq!(post(&server, ping, &[("accept", "*/*")]).status, 200);
    // No event stream, no session to end: 405, saying what is taken.
    for method in ["GET", "DELETE", "PUT"] {
        let reply = without_body(&server, method);
        assert_eq!(reply.status, 405, "{method}: {}", reply.body);
        assert_eq!(reply.allow, "POST", "Allow lists what /mcp takes");
        rpc_error(&reply);
    }
    // Pages of other sites are refused, also when their name resolves here (DNS rebinding:
    // Origin and Host agree); this machine's own pages are not.
    let reply = post(&server, ping, &[("origin", "http://evil.example")]);
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(reply.content_type.starts_with("application/json"), "{}", reply.body);
    let port = server.base_url.rsplit(':').next().unwrap();
    let rebound_host = format!("evil.example:{port}");
    let rebound_origin = format!("http://{rebound_host}");
    let reply = post(&server, ping, &[("host", &rebound_host), ("origin", &rebound_origin)]);
    assert_eq!((reply.status, rpc_error(&reply).0), (403, -32600), "{}", reply.body);
    let local = format!("http://localhost:{port}");
    let reply = post(
        &server,
        ping,
        &[("host", &format!("localhost:{port}")), ("origin", &local)],
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    // One byte past the body limit (one byte, so that the server has read the whole body
    // when it answers: no reset races the answer): 413, as JSON.
    let (head, tail) = (
        r#"{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": ""#,
        r#""}}"#,
    );
    let huge = format!("{head}{}{tail}", "a".repeat(BODY_LIMIT + 1 - head.len() - tail.len()));
    let reply = post(&server, &huge, &[]);
    assert_eq!(reply.status, 413);
    assert!(reply.content_type.starts_with("application/json"), "{}", reply.body);
}

#[test]
fn upvoting_takes_an_api_token_and_nothing_else() {
    let Some(data) = shared_data() else { return };
    let server = week_server(&data);
    let (id, _) = top_paper(&data);
    let upvotes = || {
        server.get(&format!("/api/papers/{id}")).json()["upvotes"]
            .as_i64()
            .unwrap()
    };
    let before = upvotes();
    let upvote = ("upvote_paper", json!({ "id": id }));

    // Without a token, or with one that names no account: refused as the API refuses (401).
    let out = run_client(&server, std::slice::from_ref(&upvote), None);
    assert_eq!(out["calls"][0]["is_error"], true, "{out}");
    assert_eq!(parsed(&out["calls"][0])["status"], 401);
    let out = run_client(&server, std::slice::from_ref(&upvote), Some("not-a-token"));
    assert_eq!(parsed(&out["calls"][0])["status"], 401, "{out}");
    assert_eq!(upvotes(), before);

    // Signed in by the session cookie (which a browser adds by itself), even with the
    // page's CSRF token: not an API token, refused.
    let ana = crate::community::account(&server, "ana_l", false);
    let mut browser = Browser::new(&server.base_url);
    assert_eq!(browser.sign_in("ana_l", crate::community::PASSWORD).status, 303);
    let csrf = browser.page_csrf("/settings");
    browser.headers.push(("x-csrf-token".into(), csrf));
    let message = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "upvote_paper", "arguments": {"id": id}}});
    let result = browser.json("POST", "/mcp", Some(message)).json()["result"].clone();
    assert_eq!(result["isError"], true, "{result}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("needs an API token"),
        "{result}"
    );
    assert_eq!(upvotes(), before);

    // With the account's API token: the vote counts once, and can be taken back.
    let token = crate::community::api_token(&server, ana);
    let out = run_client(&server, &[upvote.clone(), upvote.clone()], Some(&token));
    let (first, again) = (parsed(&out["calls"][0]), parsed(&out["calls"][1]));
    assert_eq!(
        first,
        json!({"id": id, "upvotes": before + 1, "voted": true, "changed": true}),
        "{out}"
    );
    assert_eq!(again["changed"], false, "{out}");
    assert_eq!(upvotes(), before + 1);
    let out = run_client(
        &server,
        &[("upvote_paper", json!({"id": id, "upvote": false}))],
        Some(&token),
    );
    assert_eq!(parsed(&out["calls"][0])["voted"], false, "{out}");
    assert_eq!(upvotes(), before);
}
