//! `/settings/for-you`: what a reader told paperboy — follows, saved searches, "not
//! interested" marks — to look at, change, export and forget, and private feed links. Every
//! form works without script (a POST with the CSRF token, then back to this page).

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use paperboy_store::{Follow, FollowKind, NotInterested, SavedSearch, TokenKind, User};
use serde::Deserialize;

use crate::api::signals::{add_follow, add_saved_search, checked_follow, checked_search};
use crate::auth::Viewer;
use crate::error::PageError;
use crate::kit::{checked_form, local_path, render, CsrfForm, SignedIn};
use crate::pages::account::settings::create_token;
use crate::pages::search::percent_encode;
use crate::view::AuthorLink;
use crate::{params, AppError, AppState};

/// Feed links one reader may hold.
const MAX_FEED_LINKS: usize = 10;
/// "Not interested" marks listed (newest first).
const LISTED_MARKS: usize = 200;

/// A private feed link as listed (its token is shown once, when made).
pub struct FeedLink {
    id: i64,
    label: String,
    created: String,
    last_used: String,
}

/// A follow as listed (here and on the profile), with the link to the author's page.
pub struct FollowRow {
    pub(crate) id: i64,
    pub(crate) author: Option<AuthorLink>,
    pub(crate) value: String,
}

impl FollowRow {
    pub(crate) fn new(follow: Follow) -> FollowRow {
        FollowRow {
            id: follow.id,
            author: (follow.kind == FollowKind::Author).then(|| AuthorLink::new(&follow.value)),
            value: follow.value,
        }
    }
}

/// A saved search as listed, with the link that runs it.
pub struct SearchRow {
    id: i64,
    name: String,
    query: String,
    mode: String,
    href: String,
    /// `daily`, `weekly` or `off`.
    digest: &'static str,
}

impl SearchRow {
    fn new(search: SavedSearch) -> SearchRow {
        let href = format!("/search?q={}&mode={}", percent_encode(&search.query), search.mode);
        SearchRow {
            id: search.id,
            name: search.name,
            query: search.query,
            mode: search.mode,
            href,
            digest: crate::api::signals::digest_name(search.digest),
        }
    }
}

#[derive(Template)]
#[template(path = "for_you_settings.html")]
struct SettingsPage {
    follows: Vec<FollowRow>,
    searches: Vec<SearchRow>,
    marks: Vec<NotInterested>,
    links: Vec<FeedLink>,
    /// A feed link just made: its full URL, shown once.
    new_link: Option<String>,
    /// "Keep my signals private" (`users.votes_public` off).
    private: bool,
    name: String,
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or("never".to_string(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

async fn page(state: &AppState, user: &User, new_link: Option<String>) -> Result<Response, PageError> {
    let reader = user.id;
    let (follows, searches, marks, tokens) = state
        .with_store(move |s| {
            Ok((
                s.follows(reader)?,
                s.saved_searches(reader)?,
                s.not_interested(reader, LISTED_MARKS)?,
                s.tokens(reader, TokenKind::Feed)?,
            ))
        })
        .await?;
    let links = tokens
        .into_iter()
        .map(|t| FeedLink {
            id: t.id,
            label: t.label.unwrap_or_default(),
            created: when(Some(t.created_at)),
            last_used: when(t.last_used_at),
        })
        .collect();
    let view = SettingsPage {
        follows: follows.into_iter().map(FollowRow::new).collect(),
        searches: searches.into_iter().map(SearchRow::new).collect(),
        marks,
        links,
        new_link,
        private: !user.votes_public,
        name: user.name.clone(),
    };
    Ok(render(&view)?.into_response())
}

/// `GET /settings/for-you`.
pub async fn show(State(state): State<AppState>, SignedIn(user): SignedIn) -> Result<Response, PageError> {
    page(&state, &user, None).await
}

fn back() -> Response {
    Redirect::to("/settings/for-you").into_response()
}

/// Back to `next` when it is a path on this site (an author's page, the list), else this page.
fn back_to(next: Option<&str>) -> Response {
    Redirect::to(next.and_then(crate::kit::local_path).unwrap_or("/settings/for-you")).into_response()
}

#[derive(Deserialize)]
pub struct FollowForm {
    kind: String,
    value: String,
    /// Where to go afterwards (an author's page follows from there); this page by default.
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct NextField {
    #[serde(default)]
    next: Option<String>,
}

/// The reader, or for a visitor who is not signed in (a page kept open since signing out, a
/// form posted from elsewhere) the way to sign in and come back to the form's `next`.
fn reader_or_sign_in(viewer: &Viewer, body: &[u8]) -> Result<User, Redirect> {
    match &viewer.user {
        Some(user) => Ok(user.clone()),
        None => {
            let next = params::form::<NextField>(body).ok().and_then(|f| f.next);
            let back = next.as_deref().and_then(local_path).unwrap_or("/for-you");
            Err(Redirect::to(&format!("/signin?next={}", percent_encode(back))))
        }
    }
}

/// `POST /settings/for-you/follow`: `kind` is `author` or `category`. Signed out, to sign in.
pub async fn follow(State(state): State<AppState>, viewer: Viewer, body: Bytes) -> Result<Response, PageError> {
    let user = match reader_or_sign_in(&viewer, &body) {
        Ok(user) => user,
        Err(sign_in) => return Ok(sign_in.into_response()),
    };
    let form: FollowForm = checked_form(&viewer, &body)?;
    let (kind, value) = match form.kind.as_str() {
        "author" => checked_follow(Some(form.value), None)?,
        "category" => checked_follow(None, Some(form.value))?,
        other => {
            return Err(AppError::BadRequest(format!(
                "{:?} cannot be followed: follow an author or a category.",
                other.chars().take(20).collect::<String>()
            ))
            .into())
        }
    };
    add_follow(&state, user.id, kind, value).await?;
    Ok(back_to(form.next.as_deref()))
}

#[derive(Deserialize)]
pub struct IdForm {
    id: i64,
    /// Where to go afterwards (the author's page unfollows from there); this page by default.
    #[serde(default)]
    next: Option<String>,
}

/// `POST /settings/for-you/unfollow`.
pub async fn unfollow(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    CsrfForm(form): CsrfForm<IdForm>,
) -> Result<Response, PageError> {
    state.with_store(move |s| s.unfollow(user.id, form.id)).await?;
    Ok(back_to(form.next.as_deref()))
}

#[derive(Deserialize)]
pub struct SearchForm {
    name: String,
    q: String,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /settings/for-you/search`: saves a search (the search page's "Save this search").
/// Signed out, to sign in.
pub async fn save_search(State(state): State<AppState>, viewer: Viewer, body: Bytes) -> Result<Response, PageError> {
    let user = match reader_or_sign_in(&viewer, &body) {
        Ok(user) => user,
        Err(sign_in) => return Ok(sign_in.into_response()),
    };
    let form: SearchForm = checked_form(&viewer, &body)?;
    let new = checked_search(&form.name, &form.q, form.mode.as_deref())?;
    add_saved_search(&state, user.id, new).await?;
    Ok(back_to(form.next.as_deref()))
}

#[derive(Deserialize)]
pub struct SearchDigestForm {
    id: i64,
    digest: String,
}

/// `POST /settings/for-you/search/digest`: send one of the reader's saved searches as a digest
/// of its own, or stop it; another reader's search is not found.
pub async fn search_digest(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    CsrfForm(form): CsrfForm<SearchDigestForm>,
) -> Result<Response, PageError> {
    let digest = crate::api::signals::checked_digest(&form.digest)?;
    crate::api::signals::set_search_digest(&state, user.id, form.id, digest).await?;
    Ok(back())
}

/// `POST /settings/for-you/search/delete`.
pub async fn delete_search(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    CsrfForm(form): CsrfForm<IdForm>,
) -> Result<Response, PageError> {
    state
        .with_store(move |s| s.delete_saved_search(user.id, form.id))
        .await?;
    Ok(back())
}

#[derive(Deserialize)]
pub struct FeedForm {
    #[serde(default)]
    label: String,
}

/// `POST /settings/for-you/feed`: a new private feed link, shown once.
pub async fn create_feed_link(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    headers: axum::http::HeaderMap,
    CsrfForm(form): CsrfForm<FeedForm>,
) -> Result<Response, PageError> {
    let label: String = form.label.trim().chars().filter(|c| !c.is_control()).take(64).collect();
    let label = if label.is_empty() {
        "feed reader".to_string()
    } else {
        label
    };
    let too_many = format!("You have {MAX_FEED_LINKS} feed links already; revoke one first.");
    let token = create_token(&state, user.id, TokenKind::Feed, label, MAX_FEED_LINKS, too_many).await?;
    let base = crate::feeds::site_base(&state, &headers);
    page(&state, &user, Some(format!("{base}/feeds/for-you.atom?token={token}"))).await
}

/// `POST /settings/for-you/feed/revoke`: the link stops working at once. Only a feed link of
/// the reader's is revoked here (404 for anything else: an API token, a session).
pub async fn revoke_feed_link(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    CsrfForm(form): CsrfForm<IdForm>,
) -> Result<Response, PageError> {
    if !state
        .with_store(move |s| s.delete_token_of(user.id, TokenKind::Feed, form.id))
        .await?
    {
        return Err(AppError::NotFound("You have no such feed link.".into()).into());
    }
    Ok(back())
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// `POST /settings/for-you/forget`: deletes every follow, saved search and mark.
pub async fn forget(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    state.with_store(move |s| s.delete_signals(user.id)).await?;
    Ok(back())
}
