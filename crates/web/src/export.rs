//! Citation exports of a paper or a list (BibTeX, RIS, CSL-JSON): which format a request asks
//! for (`?format=` first, then `Accept`), and the response. The entries themselves are
//! `paperboy_domain::cite`'s.
//!
//! A list page answers an export request with the papers it shows, in its order. The page
//! cache never serves or stores an export (see `page_cache`), so an HTML page and a
//! bibliography at one URL cannot be mixed up.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use paperboy_domain::cite::Format;
use paperboy_domain::{ArxivId, Paper, PaperDocument};

use crate::error::PageError;
use crate::{AppError, AppState};

/// What a page request wants: the page (`None`) or an export.
pub struct Wanted(pub Option<Format>);

impl<S: Send + Sync> FromRequestParts<S> for Wanted {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Wanted, PageError> {
        Ok(Wanted(requested(parts.uri.query(), &parts.headers)?))
    }
}

/// The export format `?format=` names, else the first media type in `Accept` that is a
/// citation format; an unknown `?format=` is refused.
pub fn requested(query: Option<&str>, headers: &HeaderMap) -> Result<Option<Format>, AppError> {
    let named = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("format="));
    if let Some(name) = named {
        return Format::from_name(name).map(Some).ok_or_else(|| {
            AppError::BadRequest(format!(
                "{:?} is not an export format (expected bibtex, ris or csl-json)",
                name.chars().take(40).collect::<String>()
            ))
        });
    }
    Ok(from_accept(headers))
}

/// Whether a request asks for an export at all (even a malformed one): the page cache steps
/// aside for these.
pub fn asks_for_export(query: Option<&str>, headers: &HeaderMap) -> bool {
    query.unwrap_or_default().split('&').any(|p| p.starts_with("format=")) || from_accept(headers).is_some()
}

fn from_accept(headers: &HeaderMap) -> Option<Format> {
    let accept = headers.get(header::ACCEPT)?.to_str().ok()?;
    accept.split(',').find_map(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next()?;
        // `q=0` (or 0.0, 0.000) means "not this one".
        let refused = parts.any(|p| {
            p.replace(' ', "")
                .strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        Format::ALL
            .into_iter()
            .find(|f| f.media_type().eq_ignore_ascii_case(media))
            .filter(|_| !refused)
    })
}

/// The stored papers among `ids` (ids as stored), in their order: what a list of ids (a
/// profile's upvotes, a library) exports. Ids no longer stored are left out.
pub async fn documents(state: &AppState, ids: Vec<String>) -> Result<Vec<PaperDocument>, AppError> {
    state
        .with_store(move |s| {
            let mut docs = Vec::with_capacity(ids.len());
            for id in ids.iter().filter_map(|id| ArxivId::parse(id).ok()) {
                docs.extend(s.paper(&id)?);
            }
            Ok(docs)
        })
        .await
}

/// `docs` in `format`, offered as `<stem>.<extension>`.
pub fn respond(format: Format, docs: &[PaperDocument], stem: &str) -> Response {
    respond_papers(format, docs.iter().map(|d| &d.paper), stem)
}

/// `papers` in `format`, offered as `<stem>.<extension>`.
pub fn respond_papers<'a>(format: Format, papers: impl IntoIterator<Item = &'a Paper>, stem: &str) -> Response {
    let body = format.write(papers);
    let filename: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let disposition = format!("attachment; filename=\"{filename}.{}\"", format.extension());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let content_type = format!("{}; charset=utf-8", format.media_type());
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition),
        (header::VARY, "Accept".to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn the_query_wins_over_accept() {
        let bib = accept("application/x-bibtex");
        assert_eq!(requested(None, &bib).unwrap(), Some(Format::Bibtex));
        assert_eq!(requested(Some("format=ris&page=2"), &bib).unwrap(), Some(Format::Ris));
        assert!(requested(Some("format=docx"), &bib).is_err());
        assert!(asks_for_export(Some("format=docx"), &HeaderMap::new()));
    }

    #[test]
    fn browsers_get_pages() {
        let browser = accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        assert_eq!(requested(None, &browser).unwrap(), None);
        assert!(!asks_for_export(Some("q=format"), &browser));
        let csl = accept("text/html;q=0.5, application/vnd.citationstyles.csl+json");
        assert_eq!(requested(None, &csl).unwrap(), Some(Format::CslJson));
        assert_eq!(requested(None, &accept("application/x-bibtex;q=0")).unwrap(), None);
    }
}
