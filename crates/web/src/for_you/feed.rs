//! Private feeds: `/feeds/for-you.atom?token=…` (and `.json`) is a reader's For you list, and
//! `&search=N` one of their saved searches, for a feed reader that cannot sign in. The token
//! is a feed link made in `/settings/for-you`: it reads these feeds only, and revoking it (or
//! changing the password) ends it.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use chrono::Utc;
use paperboy_domain::PaperDocument;
use paperboy_search::SearchRequest;
use paperboy_store::{TokenKind, User};

use super::{for_reader, DEFAULT_DAYS};
use crate::error::PageError;
use crate::feeds::{answer, searched_papers, Feed, FEED_ENTRIES};
use crate::{params, AppError, AppState};

/// The reader whose feed link `token` is; a missing, revoked or unknown one is 404 (a feed
/// reader shows that as "gone"), the same for each so that links cannot be probed.
async fn reader(state: &AppState, token: Option<&String>) -> Result<User, AppError> {
    let gone = || AppError::NotFound("This feed link does not exist or was revoked.".into());
    let token = token.filter(|t| !t.is_empty() && t.len() <= 128).ok_or_else(gone)?;
    let hash = paperboy_accounts::hash_token(token);
    state
        .with_store(move |s| s.find_token(&hash, TokenKind::Feed, Utc::now()))
        .await?
        .map(|(_, user)| user)
        .ok_or_else(gone)
}

/// `/feeds/for-you.atom?token=…[&days=N][&search=N]` (and `.json`).
pub async fn show(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let user = reader(&state, query.get("token")).await?;
    if let Some(search) = query.get("search") {
        return saved_search(&state, &uri, &headers, &user, search).await;
    }
    let days = params::limit(
        query.get("days").map(String::as_str),
        DEFAULT_DAYS as usize,
        super::MAX_DAYS as usize,
    )? as u32;
    let ranked = for_reader(&state, user.id, days).await?;
    let entries: Vec<(&PaperDocument, Option<chrono::NaiveDate>)> = ranked
        .picks
        .iter()
        .take(FEED_ENTRIES)
        .map(|p| (p.doc.as_ref(), None))
        .collect();
    Ok(answer(
        &uri,
        &headers,
        &state,
        &Feed {
            id: &format!("urn:paperboy:for-you:{}", user.id),
            title: &format!("For {}", user.name),
            page: "/for-you",
            updated: Some(ranked.until),
            entries: &entries,
        },
    ))
}

/// One saved search of the reader, run as the search box runs it, newest matches first.
async fn saved_search(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    user: &User,
    raw: &str,
) -> Result<Response, PageError> {
    let id: i64 = raw.parse().map_err(|_| {
        AppError::BadRequest(format!(
            "search {:?} is not a saved search's number",
            raw.chars().take(20).collect::<String>()
        ))
    })?;
    let reader = user.id;
    let saved = state
        .with_store(move |s| s.saved_searches(reader))
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| AppError::NotFound(format!("you have no saved search {id}")))?;
    let request = SearchRequest::top(saved.query.clone(), params::mode(Some(&saved.mode))?, FEED_ENTRIES);
    let mut docs = searched_papers(state, request).await?;
    // A feed reader shows what is new: the newest matches first.
    docs.sort_by_key(|d| std::cmp::Reverse(d.paper.announced));
    let entries: Vec<_> = docs.iter().map(|d| (d, None)).collect();
    Ok(answer(
        uri,
        headers,
        state,
        &Feed {
            id: &format!("urn:paperboy:saved-search:{}:{id}", user.id),
            title: &format!("Saved search “{}”", saved.name),
            page: &format!("/search?q={}", crate::pages::search::percent_encode(&saved.query)),
            updated: docs.iter().filter_map(|d| d.paper.announced).max(),
            entries: &entries,
        },
    ))
}
