//! RIS: one `TAG  - value` per line, a record from `TY` to `ER`. Lines that are not tags
//! continue the value before them (long abstracts are wrapped so).
//!
//! A record left open (no `ER` before the next `TY` or the end), or tags outside any record,
//! are reported by name and line; the other records still count.

use super::{line_of, BadEntry, RawFile, Record};

/// `("TY", "JOUR")` for `TY  - JOUR`. Tags are two capitals or a capital and a digit.
pub(super) fn tag_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_end_matches('\r');
    let bytes = line.as_bytes();
    let tag_ok = bytes.len() >= 5
        && bytes[0].is_ascii_uppercase()
        && (bytes[1].is_ascii_uppercase() || bytes[1].is_ascii_digit())
        // Compared as bytes: a line of other text may have a multi-byte character there.
        && &bytes[2..4] == b"  "
        && bytes[4] == b'-';
    tag_ok.then(|| (&line[..2], line[5..].trim()))
}

/// Maps RIS tags to the field names entries are read by.
fn field_name(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "TI" | "T1" => "title",
        "DO" => "doi",
        "UR" | "L1" | "L2" | "LK" => "url",
        "N1" => "note",
        "M1" | "M3" | "IS" | "VL" => "number",
        "JO" | "JF" | "T2" => "journal",
        "ID" => "id",
        _ => return None,
    })
}

pub(super) fn parse(text: &str) -> RawFile {
    let mut file = RawFile::default();
    let mut open: Option<(usize, Record)> = None;
    let mut stray: Option<usize> = None;
    let mut offset = 0;
    let mut last_field: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        let Some((tag, value)) = tag_line(line.trim_end_matches('\n')) else {
            // A wrapped value goes on; blank lines end nothing.
            if let (Some((_, record)), Some(index)) = (open.as_mut(), last_field) {
                let more = line.trim();
                if !more.is_empty() {
                    let field = &mut record.fields[index].1;
                    field.push(' ');
                    field.push_str(more);
                }
            }
            continue;
        };
        last_field = None;
        match (tag, open.as_mut()) {
            ("TY", Some(_)) => {
                if let Some((start, record)) = open.take() {
                    file.bad
                        .push(unclosed(text, start, &record, "no ER line before the next TY"));
                }
                open = Some((at, Record::default()));
            }
            ("TY", None) => open = Some((at, Record::default())),
            ("ER", Some(_)) => {
                if let Some((_, mut record)) = open.take() {
                    record.label = record
                        .fields
                        .iter()
                        .find(|(n, _)| n == "id")
                        .map(|(_, v)| v.clone())
                        .or(record.label);
                    file.records.push(record);
                }
            }
            (_, None) => {
                stray.get_or_insert(at);
            }
            (tag, Some((_, record))) => {
                if let Some(name) = field_name(tag) {
                    record.fields.push((name.to_string(), value.to_string()));
                    last_field = Some(record.fields.len() - 1);
                }
            }
        }
    }
    if let Some((start, record)) = open {
        file.bad
            .push(unclosed(text, start, &record, "no ER line before the end of the file"));
    }
    if let Some(at) = stray {
        file.bad.push(BadEntry {
            label: format!("line {}", line_of(text, at)),
            reason: "tags outside a record (every record starts with TY and ends with ER)".into(),
        });
    }
    file
}

fn unclosed(text: &str, start: usize, record: &Record, why: &str) -> BadEntry {
    let named = record
        .fields
        .iter()
        .find(|(n, _)| n == "id" || n == "title")
        .map(|(_, v)| super::label(Some(v), 0));
    BadEntry {
        label: named.unwrap_or_else(|| format!("the record on line {}", line_of(text, start))),
        reason: format!("the record from line {} is not closed: {why}", line_of(text, start)),
    }
}
