//! What signed-in people do on the site: upvote, comment, submit papers to today's list; and
//! what administrators do about it. Every action is a POST with a CSRF token; the same rules
//! serve the JSON API (`crate::api_community`), which calls the functions marked `pub`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{NaiveDate, Utc};
use paperboy_accounts::Action;
use paperboy_domain::ArxivId;
use paperboy_store::{AddCommentOutcome, Comment, Submission, SubmitOutcome, User, VoteOutcome};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::PageError;
use crate::markdown::{self, MAX_COMMENT_CHARS};
use crate::pages::account::{community, html, signed_in_or_redirect, NoticePage};
use crate::{params, AppError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/comments/{id}/edit", get(edit_form).post(edit))
        .route("/comments/{id}/delete", post(delete))
        .route("/submit", get(submit_form).post(submit))
        .route("/admin", get(admin_page))
        .route("/admin/comments/{id}/hide", post(hide_comment))
        .route("/admin/submissions/{id}/remove", post(remove_submission))
        .route("/admin/users/{name}/ban", post(ban_user))
}

// --- shared rules (pages and API) --------------------------------------------------------------

/// Adds or removes the viewer's vote.
pub async fn vote(state: &AppState, viewer: &Viewer, id: ArxivId, up: bool) -> Result<VoteOutcome, AppError> {
    let user = viewer.require_user()?.clone();
    state.community.limit_viewer(Action::Vote, viewer).await?;
    let wanted = id.clone();
    community(state, move |s| s.vote(user.id, &wanted, up))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No paper {id} here yet.")))
}

/// A comment body as accepted: trimmed, not empty, not huge.
fn comment_body(body: &str) -> Result<String, AppError> {
    let body = body.trim().replace('\0', "");
    if body.is_empty() {
        return Err(AppError::BadRequest("A comment needs some text.".into()));
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::BadRequest(format!(
            "A comment can have at most {MAX_COMMENT_CHARS} characters."
        )));
    }
    Ok(body)
}

pub async fn add_comment(
    state: &AppState,
    viewer: &Viewer,
    id: ArxivId,
    parent_id: Option<i64>,
    body: &str,
) -> Result<Comment, AppError> {
    let user = viewer.require_user()?.clone();
    let body = comment_body(body)?;
    state.community.limit_viewer(Action::Comment, viewer).await?;
    let wanted = id.clone();
    match community(state, move |s| s.add_comment(&wanted, user.id, parent_id, &body)).await? {
        AddCommentOutcome::Added(comment) => Ok(comment),
        AddCommentOutcome::NoSuchPaper => Err(AppError::NotFound(format!("No paper {id} here yet."))),
        AddCommentOutcome::BadParent => Err(AppError::BadRequest(
            "The comment you replied to is not on this paper, or was deleted.".into(),
        )),
    }
}

/// A comment the viewer may change: their own (or, for deleting, any if admin).
async fn own_comment(state: &AppState, viewer: &Viewer, id: i64, admin_may: bool) -> Result<(User, Comment), AppError> {
    let user = viewer.require_user()?.clone();
    let comment = community(state, move |s| s.comment(id))
        .await?
        .filter(|c| !c.deleted)
        .ok_or_else(|| AppError::NotFound("No such comment.".into()))?;
    if comment.user_id != user.id && !(admin_may && user.is_admin) {
        return Err(AppError::Forbidden("You can only change your own comments.".into()));
    }
    Ok((user, comment))
}

pub async fn delete_comment(state: &AppState, viewer: &Viewer, id: i64) -> Result<Comment, AppError> {
    let (user, comment) = own_comment(state, viewer, id, true).await?;
    let by_admin = comment.user_id != user.id;
    community(state, move |s| {
        s.delete_comment(id)?;
        if by_admin {
            s.record_audit(user.id, "delete_comment", &format!("comment:{id}"), None)?;
        }
        Ok(())
    })
    .await?;
    Ok(comment)
}

/// What submitting did, for the page and the API.
pub enum Submitted {
    Added(Submission),
    AlreadyListed(NaiveDate),
}

/// Submits a paper (by id or URL) to today's list, fetching it from arXiv when not stored.
pub async fn submit_paper(state: &AppState, viewer: &Viewer, raw: &str, day: NaiveDate) -> Result<Submitted, AppError> {
    let user = viewer.require_user()?.clone();
    let today = Utc::now().date_naive();
    if day != today {
        return Err(AppError::BadRequest(format!(
            "Papers are submitted to today's list ({today}), not {day}."
        )));
    }
    let id = ArxivId::parse(raw.trim())
        .map_err(|_| AppError::BadRequest(format!("{:?} is not an arXiv id or URL.", truncate(raw, 100))))?;
    state.community.limit_viewer(Action::Submit, viewer).await?;
    ensure_stored(state, &id).await?;
    let limit = state.community.settings.daily_submission_limit;
    let wanted = id.clone();
    match community(state, move |s| s.submit(day, &wanted, user.id, limit)).await? {
        SubmitOutcome::Added(submission) => Ok(Submitted::Added(submission)),
        SubmitOutcome::AlreadyListed(day) => Ok(Submitted::AlreadyListed(day)),
        SubmitOutcome::LimitReached => Err(AppError::TooManyRequests {
            retry_after: seconds_to_midnight(),
        }),
        SubmitOutcome::NoSuchPaper => Err(AppError::NotFound(format!("arXiv has no paper {id}."))),
    }
}

fn seconds_to_midnight() -> u64 {
    let now = Utc::now();
    let midnight = (now.date_naive() + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    (midnight.and_utc() - now).num_seconds().max(1) as u64
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Fetches a paper from the arXiv API into the store when it is not there yet.
async fn ensure_stored(state: &AppState, id: &ArxivId) -> Result<(), AppError> {
    let wanted = id.clone();
    if state.with_store(move |s| s.paper(&wanted)).await?.is_some() {
        return Ok(());
    }
    let url = format!("{}?id_list={}", state.community.settings.arxiv_api, id.as_str());
    let store = std::sync::Arc::clone(&state.store);
    let fetched = tokio::task::spawn_blocking(move || -> Result<(), String> {
        let sources = paperboy_ingest::source::expand(&url).map_err(|e| e.to_string())?;
        let mut report = paperboy_ingest::IngestReport::default();
        let store: &dyn paperboy_store::PaperStore = store.as_ref();
        paperboy_ingest::ingest(store, &sources, paperboy_ingest::IngestOptions::default(), &mut report)
            .map_err(|e| e.to_string())?;
        match report.errors.first() {
            Some(problem) => Err(format!("{problem:?}")),
            None => Ok(()),
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    if let Err(e) = fetched {
        tracing::warn!(%id, error = %e, "fetching a submitted paper from arXiv failed");
        return Err(AppError::BadRequest(format!(
            "Could not fetch {id} from arXiv right now; try again in a few minutes."
        )));
    }
    Ok(())
}

// --- pages: votes and comments on a paper (routed by the paper catch-all) -----------------------

#[derive(Deserialize, Default)]
pub struct VoteForm {
    #[serde(default)]
    csrf: String,
    /// `up`, `remove`, or absent to toggle.
    #[serde(default)]
    vote: Option<String>,
}

/// Back to the page the form was on (same site only), else the paper.
fn back(headers: &HeaderMap, fallback: &str) -> Redirect {
    let referer = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"));
    Redirect::to(&referer.unwrap_or_else(|| fallback.to_string()))
}

pub async fn vote_form(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    id: ArxivId,
    form: VoteForm,
) -> Result<Response, PageError> {
    if viewer.user.is_none() {
        return Ok(Redirect::to(&format!("/signin?next=/papers/{id}")).into_response());
    }
    viewer.check_csrf(Some(&form.csrf))?;
    let user_id = viewer.require_user()?.id;
    let up = match form.vote.as_deref() {
        Some("up") => true,
        Some("remove") => false,
        _ => {
            let key = id.to_string();
            !community(state, move |s| s.voted(user_id, std::slice::from_ref(&key)))
                .await?
                .contains(id.as_str())
        }
    };
    vote(state, viewer, id.clone(), up).await?;
    Ok(back(headers, &format!("/papers/{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent: Option<String>,
}

pub async fn comment_form(
    state: &AppState,
    viewer: &Viewer,
    id: ArxivId,
    form: CommentForm,
) -> Result<Response, PageError> {
    if viewer.user.is_none() {
        return Ok(Redirect::to(&format!("/signin?next=/papers/{id}")).into_response());
    }
    viewer.check_csrf(Some(&form.csrf))?;
    let parent = match form.parent.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(
            p.parse::<i64>()
                .map_err(|_| AppError::BadRequest("The reply target is not a comment number.".into()))?,
        ),
        None => None,
    };
    let comment = add_comment(state, viewer, id.clone(), parent, &form.body).await?;
    Ok(Redirect::to(&format!("/papers/{id}#c{}", comment.id)).into_response())
}

// --- pages: editing and deleting comments ------------------------------------------------------

#[derive(Template)]
#[template(path = "comment_edit.html")]
struct EditPage {
    comment: Comment,
}

async fn edit_form(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, PageError> {
    if let Err(redirect) = signed_in_or_redirect(&viewer, &format!("/comments/{id}/edit")) {
        return Ok(redirect.into_response());
    }
    let (_, comment) = own_comment(&state, &viewer, id, false).await?;
    Ok(html(EditPage { comment })?.into_response())
}

async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CommentForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let (_, comment) = own_comment(&state, &viewer, id, false).await?;
    let body = comment_body(&form.body)?;
    state.community.limit_viewer(Action::Comment, &viewer).await?;
    community(&state, move |s| s.edit_comment(id, &body)).await?;
    Ok(Redirect::to(&format!("/papers/{}#c{id}", comment.paper_id)).into_response())
}

/// A button's form: its CSRF token and, for moderation, a reason and a toggle. (The account
/// pages' `CsrfForm` carries the token alone.)
#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: Option<String>,
    /// For toggles: "0" undoes (unhide, unban).
    #[serde(default)]
    on: Option<String>,
}

async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let comment = delete_comment(&state, &viewer, id).await?;
    Ok(Redirect::to(&format!("/papers/{}#comments", comment.paper_id)).into_response())
}

// --- pages: submitting ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    today: NaiveDate,
    limit: u32,
    error: Option<String>,
}

async fn submit_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    if let Err(redirect) = signed_in_or_redirect(&viewer, "/submit") {
        return Ok(redirect.into_response());
    }
    Ok(html(SubmitPage {
        today: Utc::now().date_naive(),
        limit: state.community.settings.daily_submission_limit,
        error: None,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct SubmitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    paper: String,
}

async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<SubmitForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let today = Utc::now().date_naive();
    match submit_paper(&state, &viewer, &form.paper, today).await? {
        Submitted::Added(s) => Ok(Redirect::to(&format!("/date/{}#t-{}", s.day, s.paper_id)).into_response()),
        Submitted::AlreadyListed(day) => {
            let id = ArxivId::parse(form.paper.trim())
                .map(|i| i.to_string())
                .unwrap_or_default();
            Ok((
                axum::http::StatusCode::CONFLICT,
                html(NoticePage {
                    heading: "Already listed".into(),
                    message: format!("{id} is already in the daily list of {day}."),
                    secret: None,
                    links: vec![
                        (format!("/date/{day}"), format!("The list of {day}")),
                        (format!("/papers/{id}"), "The paper".into()),
                    ],
                })?,
            )
                .into_response())
        }
    }
}

// --- administration ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    entries: Vec<paperboy_store::AuditEntry>,
}

async fn admin_page(State(state): State<AppState>, viewer: Viewer) -> Result<Html<String>, PageError> {
    viewer.require_admin()?;
    let entries = community(&state, |s| s.audit_log(200)).await?;
    html(AdminPage { entries })
}

fn reason(form: &ActionForm) -> Option<String> {
    form.reason
        .as_deref()
        .map(|r| {
            r.trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(500)
                .collect::<String>()
        })
        .filter(|r| !r.is_empty())
}

async fn hide_comment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let admin = viewer.require_admin()?.id;
    let hidden = form.on.as_deref() != Some("0");
    let why = reason(&form);
    let comment = community(&state, move |s| {
        let Some(comment) = s.comment(id)? else { return Ok(None) };
        s.set_comment_hidden(id, hidden)?;
        let action = if hidden { "hide_comment" } else { "unhide_comment" };
        s.record_audit(admin, action, &format!("comment:{id}"), why.as_deref())?;
        Ok(Some(comment))
    })
    .await?
    .ok_or_else(|| AppError::NotFound("No such comment.".into()))?;
    Ok(Redirect::to(&format!("/papers/{}#c{id}", comment.paper_id)).into_response())
}

async fn remove_submission(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let admin = viewer.require_admin()?.id;
    let why = reason(&form);
    let submission = community(&state, move |s| {
        let Some(submission) = s.submission(id)? else {
            return Ok(None);
        };
        if !s.remove_submission(id)? {
            return Ok(None);
        }
        s.record_audit(admin, "remove_submission", &format!("submission:{id}"), why.as_deref())?;
        Ok(Some(submission))
    })
    .await?
    .ok_or_else(|| AppError::NotFound("No such submission (or it was removed already).".into()))?;
    Ok(Redirect::to(&format!("/date/{}", submission.day)).into_response())
}

async fn ban_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    let admin = viewer.require_admin()?.clone();
    let banned = form.on.as_deref() != Some("0");
    let why = reason(&form);
    let wanted = params::author(&name)?;
    let target = community(&state, move |s| s.user_by_name(&wanted))
        .await?
        .ok_or_else(|| AppError::NotFound("No such user.".into()))?;
    if target.id == admin.id {
        return Err(AppError::BadRequest("Administrators cannot ban themselves.".into()).into());
    }
    let target_name = target.name.clone();
    community(&state, move |s| {
        s.set_banned(target.id, banned)?;
        let action = if banned { "ban" } else { "unban" };
        s.record_audit(admin.id, action, &format!("user:{}", target.name), why.as_deref())
    })
    .await?;
    Ok(Redirect::to(&format!("/u/{target_name}")).into_response())
}

/// Renders comment bodies for display (safe HTML), leaving placeholders for removed ones.
pub fn rendered_body(comment: &Comment) -> Option<String> {
    (!comment.deleted && !comment.hidden).then(|| markdown::render(&comment.body))
}
