//! Sources: what a `SOURCE` argument names (a file, a directory, a glob, `-` for stdin, an
//! http(s) URL) and how each is opened — gzip is undone transparently, by its magic bytes
//! rather than by file name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use flate2::read::MultiGzDecoder;

use crate::formats::{detect, Format};
use crate::record::SourceContext;

/// One readable source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
    Url(String),
}

/// Why a source could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{pattern}: no files match")]
    NoMatch { pattern: String },
    #[error("{pattern}: invalid glob pattern: {message}")]
    BadPattern { pattern: String, message: String },
    #[error("{url}: download failed: {message}")]
    Http { url: String, message: String },
    #[error("{source_name}: cannot tell the format (not OAI-PMH or Atom XML, Hugging Face JSON or JSON lines); give --format")]
    UnknownFormat { source_name: String },
}

/// Expands one `SOURCE` argument into the sources it names, in a stable order.
pub fn expand(arg: &str) -> Result<Vec<Source>, SourceError> {
    if arg == "-" {
        return Ok(vec![Source::Stdin]);
    }
    if arg.starts_with("http://") || arg.starts_with("https://") {
        return Ok(vec![Source::Url(arg.to_string())]);
    }
    let path = Path::new(arg);
    if path.is_dir() {
        return files_in(path);
    }
    if arg.contains(['*', '?', '[']) && !path.exists() {
        let pattern_error = |e: &dyn std::fmt::Display| SourceError::BadPattern {
            pattern: arg.into(),
            message: e.to_string(),
        };
        let mut files = Vec::new();
        for entry in glob::glob(arg).map_err(|e| pattern_error(&e))? {
            let file = entry.map_err(|e| pattern_error(&e))?;
            if file.is_file() {
                files.push(Source::File(file));
            }
        }
        if files.is_empty() {
            return Err(SourceError::NoMatch { pattern: arg.into() });
        }
        return Ok(files);
    }
    Ok(vec![Source::File(path.to_path_buf())])
}

/// Every non-hidden file in a directory tree, sorted by path (listing archives are named by
/// day, so this ingests days in order).
fn files_in(dir: &Path) -> Result<Vec<Source>, SourceError> {
    let io_error = |path: &Path, source| SourceError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| io_error(&dir, e))? {
            let path = entry.map_err(|e| io_error(&dir, e))?.path();
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_none_or(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files.into_iter().map(Source::File).collect())
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "stdin".into(),
            Source::File(path) => path.display().to_string(),
            Source::Url(url) => url.clone(),
        }
    }

    /// Opens the source, undoes gzip, and tells its format (`format` when given, else detected).
    pub fn open(&self, format: Option<Format>) -> Result<OpenSource, SourceError> {
        let name = self.name();
        let raw: Box<dyn Read + Send> = match self {
            Source::Stdin => Box::new(io::stdin()),
            Source::File(path) => Box::new(File::open(path).map_err(|source| SourceError::Io {
                path: name.clone(),
                source,
            })?),
            Source::Url(url) => download(url)?,
        };
        let io_error = |source| SourceError::Io {
            path: name.clone(),
            source,
        };
        let mut raw = BufReader::with_capacity(64 * 1024, raw);
        let is_gzip = raw.fill_buf().map_err(io_error)?.starts_with(&[0x1f, 0x8b]);
        let mut decoded: Box<dyn Read + Send> = if is_gzip {
            Box::new(MultiGzDecoder::new(raw))
        } else {
            Box::new(raw)
        };
        let head = read_head(&mut decoded, 8 * 1024).map_err(io_error)?;
        let format = match format.or_else(|| detect(&head)) {
            Some(format) => format,
            None => return Err(SourceError::UnknownFormat { source_name: name }),
        };
        let reader = BufReader::with_capacity(64 * 1024, Cursor::new(head).chain(decoded));
        let listing_day = match self {
            Source::File(path) => path.file_name().and_then(|n| n.to_str()).and_then(day_in_name),
            _ => None,
        };
        Ok(OpenSource {
            format,
            reader: Box::new(reader),
            context: SourceContext { name, listing_day },
        })
    }
}

/// An opened source, ready for [`crate::formats::parse`].
pub struct OpenSource {
    pub format: Format,
    pub reader: Box<dyn BufRead + Send>,
    pub context: SourceContext,
}

/// Reads up to `limit` bytes (fewer only at end of input), for format detection.
fn read_head(reader: &mut dyn Read, limit: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(limit);
    reader.take(limit as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The first `YYYY-MM-DD` in a file name (`2026-01-06.jsonl.gz` names a listing day).
pub fn day_in_name(name: &str) -> Option<NaiveDate> {
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(9)).find_map(|start| {
        let candidate = name.get(start..start + 10)?;
        let shape_ok = candidate.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
        shape_ok
            .then(|| NaiveDate::parse_from_str(candidate, "%Y-%m-%d").ok())
            .flatten()
    })
}

/// The HTTP client every download uses: identifies paperboy, bounded timeouts.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(20)))
        .timeout_recv_body(Some(Duration::from_secs(300)))
        .user_agent(concat!(
            "paperboy/",
            env!("CARGO_PKG_VERSION"),
            " (self-hosted paper hub)"
        ))
        .http_status_as_error(false)
        .build()
        .into()
}

fn download(url: &str) -> Result<Box<dyn Read + Send>, SourceError> {
    let http_error = |message: String| SourceError::Http {
        url: url.into(),
        message,
    };
    let response = http_agent().get(url).call().map_err(|e| http_error(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(http_error(format!("server answered {status}")));
    }
    Ok(Box::new(response.into_body().into_reader()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_in_file_names() {
        assert_eq!(day_in_name("2026-01-06.jsonl.gz"), NaiveDate::from_ymd_opt(2026, 1, 6));
        assert_eq!(
            day_in_name("listing-2026-02-28.jsonl"),
            NaiveDate::from_ymd_opt(2026, 2, 28)
        );
        assert_eq!(day_in_name("2026-02-30.jsonl"), None);
        assert_eq!(day_in_name("papers.jsonl"), None);
        assert_eq!(day_in_name("é2026-01-06"), NaiveDate::from_ymd_opt(2026, 1, 6));
    }

    #[test]
    fn expand_stdin_urls_dirs_and_globs() {
        assert_eq!(expand("-").unwrap(), vec![Source::Stdin]);
        assert_eq!(
            expand("https://x.org/a").unwrap(),
            vec![Source::Url("https://x.org/a".into())]
        );
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.json", "a.json", ".hidden"] {
            std::fs::write(dir.path().join(name), "[]").unwrap();
        }
        let names: Vec<String> = expand(dir.path().to_str().unwrap())
            .unwrap()
            .iter()
            .map(Source::name)
            .collect();
        assert!(
            names[0].ends_with("a.json") && names[1].ends_with("b.json") && names.len() == 2,
            "{names:?}"
        );
        let pattern = format!("{}/*.json", dir.path().display());
        assert_eq!(expand(&pattern).unwrap().len(), 2);
        assert!(matches!(
            expand(&format!("{}/*.xml", dir.path().display())),
            Err(SourceError::NoMatch { .. })
        ));
    }
}
