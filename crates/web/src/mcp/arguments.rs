//! A tool's arguments: declared once per tool, as a table from which both the input schema
//! that `tools/list` shows and the checks that `tools/call` runs are made, so the two cannot
//! disagree. A check turns the arguments into the query the JSON API route takes; what the
//! route checks itself (a real date, a known arXiv id) it goes on checking there.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::jsonrpc::quoted;

/// One argument of a tool.
pub struct Param {
    pub name: &'static str,
    /// The JSON API's name for it (its query parameter).
    pub api_name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub description: &'static str,
}

/// What an argument may hold.
pub enum Kind {
    /// A string of 1 to `max_chars` characters, in `pattern`'s shape when there is one (the
    /// route checks the shape; the pattern tells clients).
    Text {
        max_chars: usize,
        pattern: Option<&'static str>,
    },
    Integer {
        min: i64,
        max: i64,
        default: i64,
    },
    Boolean {
        default: bool,
    },
    /// One of these strings: each as the tool takes it, and as the route does.
    OneOf(&'static [(&'static str, &'static str)]),
}

/// The JSON Schema of a tool's arguments.
pub fn schema(params: &[Param]) -> Value {
    let properties: Map<String, Value> = params
        .iter()
        .map(|p| {
            let mut schema = match &p.kind {
                Kind::Text { max_chars, pattern } => {
                    let mut s = json!({ "type": "string", "minLength": 1, "maxLength": max_chars });
                    if let Some(pattern) = pattern {
                        s["pattern"] = json!(pattern);
                    }
                    s
                }
                Kind::Integer { min, max, default } => {
                    json!({ "type": "integer", "minimum": min, "maximum": max, "default": default })
                }
                Kind::Boolean { default } => json!({ "type": "boolean", "default": default }),
                Kind::OneOf(values) => {
                    let shown: Vec<&str> = values.iter().map(|(shown, _)| *shown).collect();
                    json!({ "type": "string", "enum": shown })
                }
            };
            schema["description"] = json!(p.description);
            (p.name.to_string(), schema)
        })
        .collect();
    let required: Vec<&str> = params.iter().filter(|p| p.required).map(|p| p.name).collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// Checks `arguments` against `params`; the query for the route, or what is wrong, in words
/// an agent can correct its call with.
pub fn check(params: &[Param], arguments: Option<&Value>) -> Result<HashMap<String, String>, String> {
    let empty = Map::new();
    let arguments = match arguments {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(arguments)) => arguments,
        Some(_) => return Err("The arguments must be a JSON object.".into()),
    };
    let accepted = || params.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
    if let Some(unknown) = arguments.keys().find(|k| !params.iter().any(|p| p.name == k.as_str())) {
        return Err(format!(
            "Unknown argument {}; this tool takes {}.",
            quoted(unknown),
            accepted()
        ));
    }
    let mut query = HashMap::new();
    for param in params {
        match arguments.get(param.name) {
            None | Some(Value::Null) if param.required => {
                return Err(format!("The argument {} is required.", param.name));
            }
            None | Some(Value::Null) => {}
            Some(value) => {
                query.insert(param.api_name.to_string(), value_of(param, value)?);
            }
        }
    }
    Ok(query)
}

/// One argument's value, as the route's query holds it.
fn value_of(param: &Param, value: &Value) -> Result<String, String> {
    let name = param.name;
    match &param.kind {
        Kind::Text { max_chars, .. } => match value.as_str() {
            Some(text) if !text.trim().is_empty() && text.chars().count() <= *max_chars => Ok(text.to_string()),
            _ => Err(format!(
                "{name} must be a non-empty string of at most {max_chars} characters."
            )),
        },
        Kind::Integer { min, max, .. } => match value.as_i64() {
            Some(n) if (*min..=*max).contains(&n) => Ok(n.to_string()),
            _ => Err(format!("{name} must be an integer from {min} to {max}.")),
        },
        Kind::Boolean { .. } => match value.as_bool() {
            Some(flag) => Ok(flag.to_string()),
            None => Err(format!("{name} must be true or false.")),
        },
        Kind::OneOf(values) => match values.iter().find(|(shown, _)| Some(*shown) == value.as_str()) {
            Some((_, sent)) => Ok(sent.to_string()),
            None => {
                let shown: Vec<&str> = values.iter().map(|(shown, _)| *shown).collect();
                Err(format!("{name} must be one of {}.", shown.join(", ")))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMS: &[Param] = &[
        Param {
            name: "query",
            api_name: "q",
            kind: Kind::Text {
                max_chars: 10,
                pattern: None,
            },
            required: true,
            description: "words",
        },
        Param {
            name: "limit",
            api_name: "limit",
            kind: Kind::Integer {
                min: 1,
                max: 100,
                default: 20,
            },
            required: false,
            description: "how many",
        },
        Param {
            name: "mode",
            api_name: "mode",
            kind: Kind::OneOf(&[("keyword", "lexical"), ("semantic", "semantic")]),
            required: false,
            description: "how",
        },
    ];

    #[test]
    fn good_arguments_become_the_routes_query() {
        let query = check(PARAMS, Some(&json!({"query": "graphs", "limit": 5, "mode": "keyword"}))).unwrap();
        assert_eq!(query["q"], "graphs");
        assert_eq!(query["limit"], "5");
        assert_eq!(query["mode"], "lexical", "the route's name for it");
        let schema = schema(PARAMS);
        assert_eq!(schema["required"], json!(["query"]));
        assert_eq!(schema["properties"]["limit"]["maximum"], 100);
    }

    #[test]
    fn bad_arguments_are_named_in_the_message() {
        for (arguments, says) in [
            (json!([1]), "JSON object"),
            (json!({}), "query is required"),
            (json!({"query": "x", "colour": "red"}), "\"colour\""),
            (json!({"query": 3}), "query must be"),
            (json!({"query": "far too long a query"}), "at most 10"),
            (
                json!({"query": "x", "limit": 0}),
                "limit must be an integer from 1 to 100",
            ),
            (json!({"query": "x", "limit": "5"}), "limit must be an integer"),
            (json!({"query": "x", "limit": 2.5}), "limit must be an integer"),
            (json!({"query": "x", "mode": "fuzzy"}), "keyword, semantic"),
        ] {
            let message = check(PARAMS, Some(&arguments)).unwrap_err();
            assert!(message.contains(says), "{arguments}: {message}");
        }
    }
}
