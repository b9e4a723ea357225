//! CSL-JSON: a list of items (one item alone is read as a list of one). Item fields are
//! mapped to the names entries are read by; an item that is not an object, or whose fields
//! have the wrong shapes, is reported by its id or position.

use serde_json::Value;

use super::{BadEntry, RawFile, Record};

/// CSL variables read, and the field names they become.
const FIELDS: &[(&str, &str)] = &[
    ("title", "title"),
    ("DOI", "doi"),
    ("URL", "url"),
    ("note", "note"),
    ("number", "number"),
    ("archive_location", "number"),
    ("container-title", "journal"),
    ("archive", "archiveprefix"),
];

/// `Err` when the text is not JSON at all, or not a list of items.
pub(super) fn parse(text: &str) -> Result<RawFile, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?;
    let items = match value {
        Value::Array(items) => items,
        item @ Value::Object(_) => vec![item],
        _ => return Err("expected a list of items ([{…}, …])".into()),
    };
    let mut file = RawFile::default();
    for (index, item) in items.into_iter().enumerate() {
        let position = index + 1;
        let Value::Object(fields) = item else {
            file.bad.push(BadEntry {
                label: format!("item {position}"),
                reason: "it is not an object ({…})".into(),
            });
            continue;
        };
        let label = match fields.get("id") {
            Some(Value::String(id)) => Some(id.clone()),
            Some(Value::Number(id)) => Some(id.to_string()),
            _ => None,
        };
        let mut record = Record {
            label,
            fields: Vec::new(),
        };
        let mut wrong = None;
        for (variable, name) in FIELDS {
            match fields.get(*variable) {
                None | Some(Value::Null) => {}
                Some(Value::String(text)) => record
                    .fields
                    .push(((*name).to_string(), crate::text::normalise_line(text))),
                Some(Value::Number(n)) => record.fields.push(((*name).to_string(), n.to_string())),
                Some(_) => {
                    wrong.get_or_insert(*variable);
                }
            }
        }
        match wrong {
            Some(variable) => file.bad.push(BadEntry {
                label: super::label(record.label.as_deref(), position),
                reason: format!("its {variable:?} is not text"),
            }),
            None => file.records.push(record),
        }
    }
    Ok(file)
}
