//! Streaming XML shared by the OAI-PMH and Atom parsers: reads one record element at a time
//! and hands it over as a flat list of its elements, so the format modules only map names to
//! fields.
//!
//! Names are matched by local name (`arxiv:comment` and `comment` are the same), which makes
//! the parsers indifferent to how a server spells its namespace prefixes. Memory stays bounded
//! by the largest record, and each record is bounded too: element text beyond
//! [`MAX_TEXT_BYTES`], nesting beyond [`MAX_DEPTH`] and more than [`MAX_RECORD_ELEMENTS`]
//! elements are hostile input, not metadata.

use std::io::BufRead;

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

use super::xml_input::CheckedInput;

/// Text kept per element; the field caps (a 10,000-character abstract) are far below it.
const MAX_TEXT_BYTES: usize = 1 << 20;
/// Nesting depth beyond which a document is rejected (real feeds nest about 6 deep).
const MAX_DEPTH: usize = 256;
/// Elements per record beyond which the record is rejected.
const MAX_RECORD_ELEMENTS: usize = 100_000;

/// One closed element: its local name, its parent's, its attributes and its own text (text
/// of child elements belongs to the children).
#[derive(Debug, Clone, Default)]
pub(super) struct Element {
    pub name: String,
    pub parent: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// True when this element is a `name` child of a `parent` element.
    pub fn is(&self, parent: &str, name: &str) -> bool {
        self.parent == parent && self.name == name
    }
}

/// A record element with all its descendants, in the order they closed (the record last).
#[derive(Debug, Default)]
pub(super) struct Record {
    /// Position among the document's records, from 1.
    pub index: usize,
    /// Line of the source where the record starts.
    pub line: u64,
    pub elements: Vec<Element>,
    /// Why the record cannot be used although the document goes on (invalid UTF-8 inside it).
    pub problem: Option<String>,
}

/// What the reader found next.
pub(super) enum Item {
    Record(Record),
    /// An element closed outside any record (`resumptionToken`, an OAI-PMH `error`).
    Outside(Element),
    /// The document ended properly.
    End,
}

struct Open {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
}

/// Reads `record_name` elements out of a document whose root must be `root_name`.
pub(super) struct RecordReader<R: BufRead> {
    reader: Reader<CheckedInput<R>>,
    buf: Vec<u8>,
    open: Vec<Open>,
    root_name: &'static str,
    record_name: &'static str,
    /// Depth of the record element being read, when inside one.
    record_depth: Option<usize>,
    current: Record,
    records_seen: usize,
    root_seen: bool,
}

impl<R: BufRead> RecordReader<R> {
    pub fn new(input: R, root_name: &'static str, record_name: &'static str) -> Self {
        let mut reader = Reader::from_reader(CheckedInput::new(input));
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        RecordReader {
            reader,
            buf: Vec::with_capacity(8 * 1024),
            open: Vec::new(),
            root_name,
            record_name,
            record_depth: None,
            current: Record::default(),
            records_seen: 0,
            root_seen: false,
        }
    }

    fn line(&self) -> u64 {
        self.reader.get_ref().line
    }

    /// The next record or outside element; `Err` carries the message of a fatal problem,
    /// after which the document must not be read further.
    pub fn next_item(&mut self) -> Result<Item, String> {
        let mut buf = std::mem::take(&mut self.buf);
        let item = self.next_item_with(&mut buf);
        self.buf = buf;
        item
    }

    fn next_item_with(&mut self, buf: &mut Vec<u8>) -> Result<Item, String> {
        loop {
            buf.clear();
            let invalid_before = self.reader.get_ref().invalid;
            let event = match self.reader.read_event_into(buf) {
                Ok(event) => event,
                Err(quick_xml::Error::Io(e)) => {
                    return Err(format!("could not read the source near line {}: {e}", self.line()))
                }
                Err(e) => return Err(format!("XML error near line {}: {e}", self.line())),
            };
            let invalid_utf8 = self.reader.get_ref().invalid > invalid_before;
            if invalid_utf8 && !matches!(event, Event::Start(_)) {
                self.reject_record_for_utf8()?;
            }
            match event {
                Event::Start(start) => {
                    let name = start.local_name().into_inner().to_string();
                    let mut attrs = Vec::new();
                    for attr in start.attributes() {
                        let attr = attr.map_err(|e| format!("XML error in <{name}> near line {}: {e}", self.line()))?;
                        // A value with an entity only a DTD could define is kept as written.
                        let value = attr
                            .normalized_value(XmlVersion::Implicit1_0)
                            .map_or_else(|_| attr.value.to_string(), |v| v.into_owned());
                        attrs.push((attr.key.local_name().into_inner().to_string(), value));
                    }
                    self.open_element(name, attrs)?;
                    if invalid_utf8 {
                        self.reject_record_for_utf8()?;
                    }
                }
                Event::End(_) => {
                    if let Some(item) = self.close_element() {
                        return Ok(item);
                    }
                }
                Event::Text(text) => {
                    let text = text.xml10_content();
                    self.push_text(&text)?;
                }
                Event::CData(data) => {
                    let text = data.xml10_content();
                    self.push_text(&text)?;
                }
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(ch)) => Some(ch.to_string()),
                        Ok(None) => quick_xml::escape::resolve_predefined_entity(&reference).map(str::to_string),
                        Err(e) => {
                            let line = self.line();
                            if self.record_depth.is_none() {
                                return Err(format!("XML error near line {line}: {e}"));
                            }
                            self.current
                                .problem
                                .get_or_insert_with(|| format!("{e} near line {line}"));
                            continue;
                        }
                    };
                    // An entity only a DTD could define is kept as written, never expanded.
                    let text = resolved.unwrap_or_else(|| format!("&{};", &*reference));
                    self.push_text(&text)?;
                }
                Event::Eof => return self.end_of_document(),
                Event::Empty(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }

    /// Invalid UTF-8 was just read: the record holding it is rejected, and outside any
    /// record the document is.
    fn reject_record_for_utf8(&mut self) -> Result<(), String> {
        let line = self.line();
        if self.record_depth.is_none() {
            return Err(format!("invalid UTF-8 near line {line}"));
        }
        self.current
            .problem
            .get_or_insert_with(|| format!("invalid UTF-8 near line {line}"));
        Ok(())
    }

    fn open_element(&mut self, name: String, attrs: Vec<(String, String)>) -> Result<(), String> {
        if self.open.is_empty() {
            if self.root_seen {
                return Err(format!("a second root element <{name}> near line {}", self.line()));
            }
            if name != self.root_name {
                return Err(format!("expected a <{}> document, found <{name}>", self.root_name));
            }
            self.root_seen = true;
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(format!(
                "elements nested deeper than {MAX_DEPTH} near line {}",
                self.line()
            ));
        }
        if self.record_depth.is_none() && name == self.record_name {
            self.records_seen += 1;
            self.record_depth = Some(self.open.len());
            self.current = Record {
                index: self.records_seen,
                line: self.line(),
                elements: Vec::new(),
                problem: None,
            };
        }
        self.open.push(Open {
            name,
            attrs,
            text: String::new(),
        });
        Ok(())
    }

    fn close_element(&mut self) -> Option<Item> {
        let closed = self.open.pop()?;
        let element = Element {
            name: closed.name,
            parent: self.open.last().map(|o| o.name.clone()).unwrap_or_default(),
            attrs: closed.attrs,
            text: closed.text,
        };
        match self.record_depth {
            Some(depth) => {
                if self.current.elements.len() < MAX_RECORD_ELEMENTS {
                    self.current.elements.push(element);
                } else {
                    self.current
                        .problem
                        .get_or_insert_with(|| format!("more than {MAX_RECORD_ELEMENTS} elements in one record"));
                }
                if self.open.len() == depth {
                    self.record_depth = None;
                    return Some(Item::Record(std::mem::take(&mut self.current)));
                }
                None
            }
            None => Some(Item::Outside(element)),
        }
    }

    fn push_text(&mut self, text: &str) -> Result<(), String> {
        let Some(open) = self.open.last_mut() else {
            if text.trim().is_empty() {
                return Ok(());
            }
            return if self.root_seen {
                // Junk after the document's end changes nothing that was read.
                Ok(())
            } else {
                Err(format!(
                    "expected a <{}> document, found text before any element",
                    self.root_name
                ))
            };
        };
        let room = MAX_TEXT_BYTES.saturating_sub(open.text.len());
        if text.len() <= room {
            open.text.push_str(text);
        } else {
            let mut cut = room;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            open.text.push_str(&text[..cut]);
        }
        Ok(())
    }

    fn end_of_document(&mut self) -> Result<Item, String> {
        if let Some(open) = self.open.last() {
            return Err(format!(
                "the document ends inside <{}> at line {} (truncated?)",
                open.name,
                self.line()
            ));
        }
        if !self.root_seen {
            return Err(format!("empty source: no <{}> element found", self.root_name));
        }
        Ok(Item::End)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(xml: &[u8]) -> Vec<Result<String, String>> {
        let mut reader = RecordReader::new(xml, "root", "rec");
        let mut out = Vec::new();
        loop {
            match reader.next_item() {
                Ok(Item::End) => return out,
                Ok(Item::Record(r)) => {
                    let names: Vec<String> = r
                        .elements
                        .iter()
                        .map(|e| format!("{}/{}={}", e.parent, e.name, e.text.trim()))
                        .collect();
                    let problem = r.problem.map(|p| format!(" !{p}")).unwrap_or_default();
                    out.push(Ok(format!("{}@{}: {}{problem}", r.index, r.line, names.join(" "))));
                }
                Ok(Item::Outside(e)) => out.push(Ok(format!("outside {}", e.name))),
                Err(e) => {
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }

    #[test]
    fn records_flatten_to_elements_with_resolved_text() {
        let xml = b"<?xml version=\"1.0\"?>\n<x:root xmlns:x=\"u\">\n<rec><x:a>1 &amp; &#50;</x:a>\
            <b><c><![CDATA[<i>]]></c></b><d/></rec>\n<tail>t</tail></x:root>";
        let got = items(xml);
        assert_eq!(
            got,
            [
                Ok("1@3: rec/a=1 & 2 b/c=<i> rec/b= rec/d= root/rec=".to_string()),
                Ok("outside tail".to_string()),
                Ok("outside root".to_string()),
            ]
        );
    }

    #[test]
    fn truncated_document_is_fatal_after_complete_records() {
        let got = items(b"<root><rec><a>x</a></rec><rec><a>y");
        assert!(got[0].is_ok());
        let err = got[1].as_ref().unwrap_err();
        assert!(err.contains("ends inside <a>"), "{err}");
    }

    #[test]
    fn wrong_root_empty_source_and_syntax_errors() {
        let wrong = items(b"<html><body>503</body></html>");
        assert!(wrong[0].as_ref().unwrap_err().contains("found <html>"));
        assert!(items(b"  \n")
            .last()
            .unwrap()
            .as_ref()
            .unwrap_err()
            .contains("empty source"));
        let bad = items(b"<root>\n<rec><a>x</b></rec></root>");
        let err = bad.last().unwrap().as_ref().unwrap_err();
        assert!(err.starts_with("XML error near line 2"), "{err}");
        let text = items(b"Service Unavailable");
        assert!(text[0].as_ref().unwrap_err().contains("text before any element"));
    }

    #[test]
    fn invalid_utf8_rejects_only_its_record() {
        let got = items(b"<root><rec><a>bad \xff\xfe here</a></rec><rec><a>ok</a></rec></root>");
        assert!(got[0].as_ref().unwrap().contains("!invalid UTF-8"), "{got:?}");
        assert_eq!(got[1].as_ref().unwrap(), "2@1: rec/a=ok root/rec=");
        let outside = items(b"<root>\n\xff<rec><a>x</a></rec></root>");
        assert_eq!(outside[0].as_ref().unwrap_err(), "invalid UTF-8 near line 2");
        let in_tag = items(b"<root><rec><a\xff>x</a\xff></rec><rec><a>ok</a></rec></root>");
        assert!(in_tag[0].as_ref().unwrap().contains("!invalid UTF-8"), "{in_tag:?}");
        assert!(in_tag[1].is_ok(), "{in_tag:?}");
    }

    #[test]
    fn unknown_entities_are_kept_literally() {
        let got = items(b"<!DOCTYPE root [<!ENTITY e \"boom\">]><root><rec><a>&e;</a></rec></root>");
        assert!(got[0].as_ref().unwrap().contains("rec/a=&e;"), "{got:?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut xml = b"<root>".to_vec();
        for _ in 0..MAX_DEPTH + 1 {
            xml.extend_from_slice(b"<a>");
        }
        let got = items(&xml);
        assert!(got[0].as_ref().unwrap_err().contains("nested deeper"));
    }

    #[test]
    fn huge_text_is_bounded() {
        let mut xml = b"<root><rec><a>".to_vec();
        xml.extend(std::iter::repeat_n(b'x', MAX_TEXT_BYTES + 100));
        xml.extend_from_slice(b"</a></rec></root>");
        let mut reader = RecordReader::new(&xml[..], "root", "rec");
        let Ok(Item::Record(record)) = reader.next_item() else {
            panic!("expected a record");
        };
        assert_eq!(record.elements[0].text.len(), MAX_TEXT_BYTES);
    }
}
