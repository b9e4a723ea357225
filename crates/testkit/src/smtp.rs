//! A real SMTP server for tests: aiosmtpd (installed by `scripts/setup-tests` into `.cache/venv`)
//! with `smtp_sink.py`, which writes every accepted message to a folder read back here.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running aiosmtpd on a free local port; stopped when dropped.
pub struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

fn python() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/venv/bin/python"))
}

/// A loopback port nothing listens on (free when picked).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl SmtpSink {
    /// Starts a sink (see `smtp_sink.py` for the recipients that provoke failures).
    /// Panics, saying what to run, when aiosmtpd is not installed.
    pub fn start() -> SmtpSink {
        SmtpSink::start_on(free_port())
    }

    /// Starts a sink on `port` — one a server was told about while nothing listened there, to
    /// play a mail server that comes back.
    pub fn start_on(port: u16) -> SmtpSink {
        let python = python();
        assert!(
            python.exists(),
            "the SMTP tests need aiosmtpd: run scripts/setup-tests (it installs it into .cache/venv)"
        );
        let dir = tempfile::tempdir().expect("a temp dir");
        let child = Command::new(&python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "smtp_sink.Sink",
            ])
            .arg(dir.path().join("mail"))
            .env("PYTHONPATH", env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let sink = SmtpSink { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        sink
    }

    /// `smtp://127.0.0.1:PORT`, for `PAPERBOY_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn folder(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.files().iter().map(|p| ReceivedMail::read(p)).collect()
    }

    /// The files of the messages received so far (bytes as received, after one
    /// `X-Envelope-To` line), in arrival order.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.folder())
            .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        paths.retain(|p| p.extension().is_some_and(|e| e == "eml"));
        paths.sort();
        paths
    }

    /// Waits until the sink holds a message to `recipient` (a local part containing "hold"),
    /// unanswered: the sending client is then stopped at a known point. False on timeout.
    pub fn wait_until_holding(&self, recipient: &str, timeout: Duration) -> bool {
        let marker = self.folder().join(format!("{recipient}.held"));
        let deadline = Instant::now() + timeout;
        while !marker.exists() {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    /// Waits until at least `count` messages arrived (or `timeout` passed), and returns all.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= count || Instant::now() > deadline {
                return messages;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One received message, with just enough MIME decoding for tests.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub raw: String,
}

impl ReceivedMail {
    fn read(path: &Path) -> ReceivedMail {
        let bytes = std::fs::read(path).expect("read a received message");
        ReceivedMail {
            raw: String::from_utf8_lossy(&bytes).replace("\r\n", "\n"),
        }
    }

    /// The envelope recipients, as the server saw them.
    pub fn to(&self) -> String {
        self.header("X-Envelope-To").unwrap_or_default()
    }

    fn head(&self) -> &str {
        self.raw.split("\n\n").next().unwrap_or_default()
    }

    /// A top-level header's value, unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        header_in(self.head(), name)
    }

    /// The decoded body of the first part with this content type (`text/plain`, `text/html`).
    pub fn part(&self, content_type: &str) -> Option<String> {
        let boundary = self
            .header("Content-Type")?
            .split("boundary=")
            .nth(1)?
            .trim_matches('"')
            .to_string();
        self.raw.split(&format!("--{boundary}")).skip(1).find_map(|part| {
            let (head, body) = part.trim_start_matches('\n').split_once("\n\n")?;
            let kind = header_in(head, "Content-Type")?;
            if !kind.to_ascii_lowercase().starts_with(content_type) {
                return None;
            }
            let encoding = header_in(head, "Content-Transfer-Encoding").unwrap_or_default();
            Some(decode(body, &encoding.to_ascii_lowercase()))
        })
    }

    /// The decoded text of a message: its `text/plain` part, or its body when it has one part.
    pub fn text(&self) -> String {
        if let Some(plain) = self.part("text/plain") {
            return plain;
        }
        let body = self.raw.split_once("\n\n").map(|(_, b)| b).unwrap_or_default();
        let encoding = self.header("Content-Transfer-Encoding").unwrap_or_default();
        decode(body, &encoding.to_ascii_lowercase())
    }

    /// Every `href="…"` in the HTML part and every URL in the text (part, or a plain mail's
    /// body) containing `needle`.
    pub fn links_containing(&self, needle: &str) -> Vec<String> {
        let mut links = Vec::new();
        for body in [Some(self.text()), self.part("text/html")].into_iter().flatten() {
            for word in body.split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>') {
                let word = word.replace("&amp;", "&");
                if word.starts_with("http") && word.contains(needle) && !links.contains(&word) {
                    links.push(word);
                }
            }
        }
        links
    }
}

fn header_in(head: &str, name: &str) -> Option<String> {
    let mut lines = head.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if key.eq_ignore_ascii_case(name) {
            let mut value = value.trim().to_string();
            while lines.peek().is_some_and(|l| l.starts_with([' ', '\t'])) {
                value.push(' ');
                value.push_str(lines.next().unwrap_or_default().trim());
            }
            return Some(value);
        }
    }
    None
}

fn decode(body: &str, encoding: &str) -> String {
    match encoding {
        "base64" => {
            let clean: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            String::from_utf8_lossy(&base64_decode(&clean)).into_owned()
        }
        "quoted-printable" => {
            let joined = body.replace("=\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                    (b'=', Some(byte)) => {
                        out.push(byte);
                        i += 3;
                    }
                    (b, _) => {
                        out.push(b);
                        i += 1;
                    }
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        _ => body.to_string(),
    }
}

fn base64_decode(input: &[u8]) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    for chunk in input.chunks(4) {
        let v: Vec<u8> = chunk.iter().filter_map(|&c| value(c)).collect();
        if v.len() >= 2 {
            out.push((v[0] << 2) | (v[1] >> 4));
        }
        if v.len() >= 3 {
            out.push((v[1] << 4) | (v[2] >> 2));
        }
        if v.len() == 4 {
            out.push((v[2] << 6) | v[3]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_transfer_encodings_lettre_uses() {
        assert_eq!(decode("aMOpbGxv\n", "base64"), "héllo");
        assert_eq!(decode("caf=C3=A9 =\nau lait", "quoted-printable"), "café au lait");
    }
}
