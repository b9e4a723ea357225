//! A small BibTeX reader: `@type{key, name = {value} # "value" # macro, …}` with `@string`
//! macros, `@comment` and `@preamble` skipped, and text between entries ignored (as BibTeX
//! does). Values are kept as written (braces and TeX included): only what identifies a paper is
//! read from them later.
//!
//! A malformed entry is reported with its key (or line) and skipped up to the next `@` that
//! starts a line, so that one broken entry does not take the rest of the file with it.

use std::collections::HashMap;

use super::{line_of, BadEntry, RawFile, Record};

/// Whether `text` has something that looks like a BibTeX entry.
pub(super) fn has_entry(text: &str) -> bool {
    text.match_indices('@').any(|(at, _)| starts_entry(&text[at..]))
}

/// Whether `text` starts with `@type{` or `@type(`.
fn starts_entry(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('@') else {
        return false;
    };
    let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    name_len > 0 && rest[name_len..].trim_start().starts_with(['{', '('])
}

pub(super) fn parse(text: &str) -> RawFile {
    let mut reader = Reader {
        text,
        pos: 0,
        macros: HashMap::new(),
    };
    let mut file = RawFile::default();
    while let Some(at) = reader.text[reader.pos..].find('@') {
        let start = reader.pos + at;
        reader.pos = start + 1;
        let kind = reader.identifier().to_ascii_lowercase();
        if kind.is_empty() {
            continue; // an @ in text between entries
        }
        match reader.entry(&kind) {
            Ok(Some(record)) => file.records.push(record),
            Ok(None) => {}
            Err(failure) => {
                let label = failure
                    .key
                    .unwrap_or_else(|| format!("the entry on line {}", line_of(text, start)));
                file.bad.push(BadEntry {
                    label,
                    reason: format!("line {}: {}", line_of(text, failure.at), failure.reason),
                });
                reader.pos = reader.next_line_start_at(failure.at.max(start + 1));
            }
        }
    }
    file
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
    macros: HashMap<String, String>,
}

struct Failure {
    key: Option<String>,
    at: usize,
    reason: String,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_space(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.text.len() - trimmed.len();
    }

    fn identifier(&mut self) -> &str {
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| c.is_whitespace() || "{}(),=#\"@%'".contains(c))
            .unwrap_or(self.rest().len());
        self.pos += len;
        &self.text[start..start + len]
    }

    /// Where the next entry may start after a failure: an `@` at the start of a line.
    fn next_line_start_at(&self, from: usize) -> usize {
        let bytes = self.text.as_bytes();
        // The failure may be at such an `@` itself (an entry left open before it).
        let mut i = from.min(bytes.len());
        while i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
            i -= 1;
        }
        i = i.saturating_sub(1);
        while i < bytes.len() {
            if bytes[i] == b'\n' {
                let line = &self.text[i + 1..];
                if line.trim_start_matches([' ', '\t']).starts_with('@') {
                    return i + 1;
                }
            }
            i += 1;
        }
        self.text.len()
    }

    fn fail<T>(&self, key: Option<&str>, reason: impl Into<String>) -> Result<T, Failure> {
        Err(Failure {
            key: key.map(str::to_string),
            at: self.pos,
            reason: reason.into(),
        })
    }

    /// One entry after its `@type`; `None` for those that are not references.
    fn entry(&mut self, kind: &str) -> Result<Option<Record>, Failure> {
        self.skip_space();
        let close = match self.peek() {
            Some('{') => '}',
            Some('(') => ')',
            _ => return self.fail(None, format!("expected {{ after @{kind}")),
        };
        self.pos += 1;
        match kind {
            "comment" | "preamble" if close == '}' => {
                self.pos -= 1;
                self.balanced(None)?;
                return Ok(None);
            }
            "comment" | "preamble" => {
                self.pos = self.next_line_start_at(self.pos);
                return Ok(None);
            }
            "string" => {
                self.skip_space();
                let name = self.identifier().to_ascii_lowercase();
                self.skip_space();
                if name.is_empty() || self.peek() != Some('=') {
                    return self.fail(None, "expected name = value in @string");
                }
                self.pos += 1;
                let value = self.value(None)?;
                self.skip_space();
                if self.peek() != Some(close) {
                    return self.fail(None, format!("expected {close} to end @string"));
                }
                self.pos += 1;
                self.macros.insert(name, value);
                return Ok(None);
            }
            _ => {}
        }
        self.skip_space();
        let key = self.identifier().trim().to_string();
        let key_ref = (!key.is_empty()).then_some(key.as_str());
        let mut record = Record {
            label: key_ref.map(str::to_string),
            fields: Vec::new(),
        };
        loop {
            self.skip_space();
            match self.peek() {
                None => return self.fail(key_ref, format!("the entry is not closed (no {close} before the end)")),
                Some(c) if c == close => {
                    self.pos += c.len_utf8();
                    return Ok(Some(record));
                }
                Some(',') => {
                    self.pos += 1;
                    continue;
                }
                Some('@') => {
                    return self.fail(
                        key_ref,
                        format!("the entry is not closed (no {close} before the next @)"),
                    )
                }
                Some(_) => {}
            }
            let name = self.identifier().to_ascii_lowercase();
            if name.is_empty() {
                let found = self.peek().unwrap_or(' ');
                return self.fail(key_ref, format!("expected a field name, found {found:?}"));
            }
            self.skip_space();
            if self.peek() != Some('=') {
                return self.fail(key_ref, format!("expected = after the field name {name:?}"));
            }
            self.pos += 1;
            let value = self.value(key_ref)?;
            record.fields.push((name, crate::text::normalise_line(&value)));
            self.skip_space();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(c) if c == close => {}
                None => {}
                Some(found) => {
                    return self.fail(key_ref, format!("expected , or {close} after a field, found {found:?}"));
                }
            }
        }
    }

    /// A field value: pieces joined by `#`.
    fn value(&mut self, key: Option<&str>) -> Result<String, Failure> {
        let mut value = String::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some('{') => value.push_str(self.balanced(key)?),
                Some('"') => value.push_str(self.quoted(key)?),
                Some(c) if c.is_ascii_digit() => {
                    let digits = self.rest().bytes().take_while(u8::is_ascii_digit).count();
                    value.push_str(&self.text[self.pos..self.pos + digits]);
                    self.pos += digits;
                }
                Some(_) => {
                    let name = self.identifier().to_ascii_lowercase();
                    if name.is_empty() {
                        return self.fail(key, "expected a value ({…}, \"…\", a number or a @string name)");
                    }
                    // Unknown names (months, styles' macros) stand for themselves.
                    value.push_str(self.macros.get(&name).map_or(name.as_str(), String::as_str));
                }
                None => return self.fail(key, "the file ends inside a value"),
            }
            self.skip_space();
            if self.peek() == Some('#') {
                self.pos += 1;
            } else {
                return Ok(value);
            }
        }
    }

    /// `{…}` with nested braces; returns the inside.
    fn balanced(&mut self, key: Option<&str>) -> Result<&'a str, Failure> {
        let open = self.pos;
        let mut depth = 0usize;
        for (i, c) in self.rest().char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        let end = self.pos + i;
                        self.pos = end + 1;
                        return Ok(&self.text[open + 1..end]);
                    }
                }
                // An entry never spans a new `@type{` at a line start: a brace was left open.
                '\n' if starts_entry(self.rest()[i + 1..].trim_start_matches([' ', '\t'])) => {
                    self.pos += i;
                    return self.fail(key, "a { is not closed before the next entry");
                }
                _ => {}
            }
        }
        self.pos = self.text.len();
        self.fail(key, "a { is not closed before the end of the file")
    }

    /// `"…"` (braces inside may hold quotes); returns the inside.
    fn quoted(&mut self, key: Option<&str>) -> Result<&'a str, Failure> {
        let open = self.pos;
        let mut depth = 0usize;
        for (i, c) in self.rest().char_indices().skip(1) {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                '"' if depth == 0 => {
                    let end = self.pos + i;
                    self.pos = end + 1;
                    return Ok(&self.text[open + 1..end]);
                }
                _ => {}
            }
        }
        self.fail(key, "a \" is not closed")
    }
}
