//! The byte stream under the XML reader: counts lines for messages, and replaces invalid
//! UTF-8 with U+FFFD while counting where it did.
//!
//! quick-xml stops for good at the first invalid UTF-8 byte, which would let one bad record
//! end a harvest of thousands. Repairing the bytes underneath keeps the document readable;
//! the record reader then rejects the record that held them, so no repaired text is stored.

use std::io::{self, BufRead, Read};

const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

pub(super) struct CheckedInput<R> {
    inner: R,
    /// Valid UTF-8 ready for the reader, from `position` on.
    out: Vec<u8>,
    position: usize,
    /// Offsets in `out` where a replacement was made, ascending.
    replaced_at: Vec<usize>,
    /// Bytes of a character split across two reads of `inner`.
    partial: Vec<u8>,
    /// Line of the next byte to be consumed, from 1.
    pub line: u64,
    /// Invalid sequences consumed by the reader so far.
    pub invalid: u64,
}

impl<R: BufRead> CheckedInput<R> {
    pub fn new(inner: R) -> Self {
        CheckedInput {
            inner,
            out: Vec::with_capacity(64 * 1024),
            position: 0,
            replaced_at: Vec::new(),
            partial: Vec::new(),
            line: 1,
            invalid: 0,
        }
    }

    /// Refills `out` with the next chunk of `inner`, repaired; leaves it empty at the end.
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.replaced_at.clear();
        self.position = 0;
        while self.out.is_empty() {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if !self.partial.is_empty() {
                    // The source ended inside a character.
                    self.partial.clear();
                    self.replaced_at.push(0);
                    self.out.extend_from_slice(REPLACEMENT);
                }
                return Ok(());
            }
            let taken = chunk.len();
            let mut bytes = std::mem::take(&mut self.partial);
            bytes.extend_from_slice(chunk);
            self.inner.consume(taken);
            self.repair_into_out(&bytes);
        }
        Ok(())
    }

    fn repair_into_out(&mut self, mut bytes: &[u8]) {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(_) => {
                    self.out.extend_from_slice(bytes);
                    return;
                }
                Err(e) => {
                    let (valid, rest) = bytes.split_at(e.valid_up_to());
                    self.out.extend_from_slice(valid);
                    match e.error_len() {
                        Some(bad) => {
                            self.replaced_at.push(self.out.len());
                            self.out.extend_from_slice(REPLACEMENT);
                            bytes = &rest[bad..];
                        }
                        None => {
                            // An incomplete character at the end: finish it with the next read.
                            self.partial.extend_from_slice(rest);
                            return;
                        }
                    }
                }
            }
        }
    }
}

impl<R: BufRead> Read for CheckedInput<R> {
    fn read(&mut self, into: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(into.len());
        into[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CheckedInput<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.position >= self.out.len() {
            self.refill()?;
        }
        Ok(&self.out[self.position..])
    }

    fn consume(&mut self, amount: usize) {
        let end = (self.position + amount).min(self.out.len());
        let consumed = &self.out[self.position..end];
        self.line += consumed.iter().filter(|b| **b == b'\n').count() as u64;
        let passed = self
            .replaced_at
            .iter()
            .filter(|at| (self.position..end).contains(*at))
            .count();
        self.invalid += passed as u64;
        self.position = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads everything through a `BufReader` of `capacity`, so characters split across reads.
    fn through(bytes: &[u8], capacity: usize) -> (String, u64, u64) {
        let inner = io::BufReader::with_capacity(capacity, bytes);
        let mut input = CheckedInput::new(inner);
        let mut text = String::new();
        input.read_to_string(&mut text).unwrap();
        (text, input.invalid, input.line)
    }

    #[test]
    fn valid_text_passes_unchanged_across_split_characters() {
        let text = "Balázs — Schrödinger\nüber\n";
        for capacity in 1..8 {
            assert_eq!(through(text.as_bytes(), capacity), (text.to_string(), 0, 3));
        }
    }

    #[test]
    fn invalid_bytes_are_replaced_and_counted() {
        for capacity in [1, 2, 3, 64] {
            let (text, invalid, _) = through(b"a\xffb\xe9c\xe2\x82", capacity);
            assert_eq!(text, "a\u{FFFD}b\u{FFFD}c\u{FFFD}", "capacity {capacity}");
            assert_eq!(invalid, 3, "capacity {capacity}");
        }
    }
}
