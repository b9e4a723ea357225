//! The search page: hybrid search with filters, matches highlighted.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use paperboy_domain::tex::excerpt;
use paperboy_search::{Filters, SearchRequest};

use crate::error::PageError;
use crate::export::{self, Wanted};
use crate::pager::Pager;
use crate::params;
use crate::view::{author_list, highlight_math, Segment};
use crate::AppState;

const PER_PAGE: usize = 20;

/// A search result; `id` and `upvotes` are what the shared vote button (`vote.html`) shows.
struct Result {
    id: String,
    upvotes: i64,
    comments: i64,
    title: Vec<Segment>,
    authors: String,
    day: Option<String>,
    snippet: Vec<Segment>,
    pdf_url: String,
    /// The paper as a COinS ContextObject (`coins.html`).
    coins: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    q: String,
    from: String,
    until: String,
    category: String,
    results: Vec<Result>,
    notices: Vec<String>,
    took_ms: String,
    pager: Pager,
    /// The query string without `page`, for the feeds' links (already URL-encoded).
    base_query: String,
    /// Where the viewer's "Save this search" goes (`for_you::save_search_mark`).
    save_search: String,
}

pub async fn results(
    State(state): State<AppState>,
    Wanted(format): Wanted,
    Query(query): Query<HashMap<String, String>>,
) -> std::result::Result<Response, PageError> {
    let get = |key: &str| query.get(key).map(String::as_str);
    let q = get("q").unwrap_or_default().trim().to_string();
    let from = params::optional_day(get("from"))?;
    let until = params::optional_day(get("until"))?;
    let category = params::category(get("category"))?;
    let page = params::page_number(get("page"))?;
    let mut view = SearchPage {
        q: q.clone(),
        from: from.map(|d| d.to_string()).unwrap_or_default(),
        until: until.map(|d| d.to_string()).unwrap_or_default(),
        category: category.clone().unwrap_or_default(),
        results: Vec::new(),
        notices: Vec::new(),
        took_ms: String::new(),
        pager: Pager::new("/search", page, PER_PAGE, 0, false, None),
        base_query: String::new(),
        save_search: String::new(),
    };
    if !q.is_empty() {
        let mode = params::mode(get("mode"))?;
        let request = SearchRequest {
            text: q.clone(),
            mode,
            filters: Filters {
                from,
                until,
                categories: category.into_iter().collect(),
            },
            offset: (page as usize - 1) * PER_PAGE,
            limit: PER_PAGE + 1,
        };
        let response = state.search(request).await?;
        let words: Vec<String> = paperboy_search::parse(&q)
            .map(|p| p.free_text())
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let has_next_page = response.results.len() > PER_PAGE;
        let ids: Vec<_> = response.results.iter().take(PER_PAGE).map(|h| h.id.clone()).collect();
        let docs = state
            .with_store(move |s| {
                ids.iter()
                    .map(|id| s.paper(id))
                    .collect::<std::result::Result<Vec<_>, _>>()
            })
            .await?;
        let docs: Vec<_> = docs.into_iter().flatten().collect();
        if let Some(format) = format {
            return Ok(export::respond(format, &docs, "paperboy-search"));
        }
        view.results = docs
            .into_iter()
            .map(|doc| Result {
                id: doc.paper.id.to_string(),
                upvotes: doc.upvotes,
                comments: doc.comments,
                title: highlight_math(&doc.paper.title, &words),
                authors: author_list(&doc.paper.authors, 6),
                day: doc.paper.announced.map(|d| d.to_string()),
                snippet: highlight_math(&excerpt(&doc.paper.abstract_text, 400), &words),
                pdf_url: doc.paper.links().pdf,
                coins: paperboy_domain::cite::context_object(&doc.paper),
            })
            .collect();
        view.notices = response.notices;
        view.took_ms = format!("{:.1}", response.took_ms);
        view.base_query = encode_query(&[
            ("q", &q),
            ("from", &view.from),
            ("until", &view.until),
            ("category", &view.category),
        ]);
        view.save_search = crate::for_you::save_search_mark(&[
            ("q", &q),
            ("mode", get("mode").map_or("", |_| params::mode_name(mode))),
            ("from", &view.from),
            ("until", &view.until),
            ("category", &view.category),
        ]);
        let base = format!("/search?{}", view.base_query);
        view.pager = Pager::new(&base, page, PER_PAGE, view.results.len(), has_next_page, None);
    } else if let Some(format) = format {
        return Ok(export::respond(format, &[], "paperboy-search"));
    }
    Ok(crate::kit::render(&view)?.into_response())
}

/// `key=value&…` for the non-empty pairs, percent-encoded.
fn encode_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A query-string value, percent-encoded (spaces as `+`).
pub(crate) fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
