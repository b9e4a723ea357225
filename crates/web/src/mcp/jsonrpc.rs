//! JSON-RPC 2.0 as MCP uses it: telling requests, notifications and responses apart, and
//! writing answers. Only the shape is checked here; what a method means is `super::methods`'.

use serde_json::{json, Map, Value};

/// The body is not JSON at all.
pub const PARSE_ERROR: i64 = -32700;
/// JSON, but not a JSON-RPC message (or a batch where none is taken).
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;

/// A message from the client, told apart by its members.
#[derive(Debug)]
pub enum Incoming {
    /// Answered with a response that carries `id`.
    Request {
        id: Value,
        method: String,
        params: Map<String, Value>,
    },
    /// Never answered, not even with an error (JSON-RPC 2.0, section 4.1).
    Notification,
    /// A client's answer to a request of the server's; this server sends none, so it is
    /// only acknowledged.
    Response,
}

/// An error answer: the error object, with the id of the request it answers (null when the
/// request's id could not be read).
#[derive(Debug)]
pub struct Failure {
    pub id: Value,
    pub code: i64,
    pub message: String,
}

impl Failure {
    pub fn new(id: Value, code: i64, message: impl Into<String>) -> Failure {
        Failure {
            id,
            code,
            message: message.into(),
        }
    }

    /// The error response, as sent.
    pub fn to_json(&self) -> Value {
        json!({
            "jsonrpc": "2.0",
            "id": self.id,
            "error": { "code": self.code, "message": self.message },
        })
    }
}

/// The success response to request `id`.
pub fn success(id: Value, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

/// Tells what `message` is, or why it is not a JSON-RPC message.
pub fn classify(message: Value) -> Result<Incoming, Failure> {
    let Value::Object(mut message) = message else {
        return Err(Failure::new(
            Value::Null,
            INVALID_REQUEST,
            "A JSON-RPC message is a JSON object with \"jsonrpc\": \"2.0\".",
        ));
    };
    // MCP's ids are strings or numbers, never null (a request without an id would be a
    // notification, which is never answered).
    let id = match message.remove("id") {
        None => None,
        Some(id @ (Value::String(_) | Value::Number(_))) => Some(id),
        Some(_) => {
            return Err(Failure::new(
                Value::Null,
                INVALID_REQUEST,
                "The \"id\" of a request must be a string or a number.",
            ))
        }
    };
    let answer_to = || id.clone().unwrap_or(Value::Null);
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(Failure::new(
            answer_to(),
            INVALID_REQUEST,
            "The message must carry \"jsonrpc\": \"2.0\".",
        ));
    }
    let method = match message.remove("method") {
        Some(Value::String(method)) => method,
        Some(_) => {
            return Err(Failure::new(
                answer_to(),
                INVALID_REQUEST,
                "\"method\" must be a string.",
            ))
        }
        None if id.is_some() && (message.contains_key("result") || message.contains_key("error")) => {
            return Ok(Incoming::Response)
        }
        None => {
            return Err(Failure::new(
                answer_to(),
                INVALID_REQUEST,
                "The message has no \"method\": it is neither a request nor a notification.",
            ))
        }
    };
    let Some(id) = id else {
        return Ok(Incoming::Notification);
    };
    let params = match message.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(params)) => params,
        Some(_) => {
            return Err(Failure::new(
                id,
                INVALID_PARAMS,
                "\"params\" must be an object (MCP names every parameter).",
            ))
        }
    };
    Ok(Incoming::Request { id, method, params })
}

/// At most this many characters of a client's text are quoted back in a message.
pub fn quoted(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    format!("{short:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(message: Value) -> Failure {
        classify(message).expect_err("not a valid message")
    }

    #[test]
    fn requests_notifications_and_responses_are_told_apart() {
        let request = classify(json!({"jsonrpc": "2.0", "id": 7, "method": "ping"})).unwrap();
        assert!(matches!(request, Incoming::Request { ref id, ref method, .. } if id == &json!(7) && method == "ping"));
        let note = classify(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).unwrap();
        assert!(matches!(note, Incoming::Notification));
        let response = classify(json!({"jsonrpc": "2.0", "id": "a", "result": {}})).unwrap();
        assert!(matches!(response, Incoming::Response));
    }

    #[test]
    fn malformed_messages_are_invalid_requests_answered_to_their_id_when_it_is_readable() {
        for (message, id) in [
            (json!([1, 2]), Value::Null),
            (json!("ping"), Value::Null),
            (json!({"jsonrpc": "2.0", "id": null, "method": "ping"}), Value::Null),
            (json!({"jsonrpc": "2.0", "id": {"x": 1}, "method": "ping"}), Value::Null),
            (json!({"jsonrpc": "1.0", "id": 3, "method": "ping"}), json!(3)),
            (json!({"id": "q", "method": "ping"}), json!("q")),
            (json!({"jsonrpc": "2.0", "id": 4, "method": 12}), json!(4)),
            (json!({"jsonrpc": "2.0", "id": 5}), json!(5)),
        ] {
            let failed = failure(message.clone());
            assert_eq!(failed.code, INVALID_REQUEST, "{message}");
            assert_eq!(failed.id, id, "{message}");
        }
        let positional = failure(json!({"jsonrpc": "2.0", "id": 6, "method": "tools/list", "params": [1]}));
        assert_eq!((positional.code, positional.id), (INVALID_PARAMS, json!(6)));
    }

    #[test]
    fn quoting_bounds_what_is_echoed() {
        let long = "x".repeat(10_000);
        assert_eq!(quoted(&long).len(), 62);
    }
}
