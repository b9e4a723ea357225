//! What administrators do: hide comments, remove submissions, ban accounts — each recorded
//! in the audit log that `/admin` shows.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::error::PageError;
use crate::kit::{render, Admin, CsrfForm};
use crate::{params, AppError, AppState};

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    entries: Vec<paperboy_store::AuditEntry>,
}

pub async fn admin_page(State(state): State<AppState>, _: Admin) -> Result<Html<String>, PageError> {
    let entries = state.with_store(|s| s.audit_log(200)).await?;
    Ok(render(&AdminPage { entries })?)
}

/// A moderation button's form: a reason and, for toggles, "0" to undo (unhide, unban).
#[derive(Deserialize, Default)]
pub struct ModerationForm {
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    on: Option<String>,
}

impl ModerationForm {
    /// The reason for the log: one line, at most 500 characters; `None` when empty.
    fn reason(&self) -> Option<String> {
        self.reason
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

    /// Whether the toggle is turned on (the default) rather than undone.
    fn on(&self) -> bool {
        self.on.as_deref() != Some("0")
    }
}

pub async fn hide_comment(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ModerationForm>,
) -> Result<Response, PageError> {
    let (hidden, why) = (form.on(), form.reason());
    let comment = state
        .with_store(move |s| {
            let Some(comment) = s.comment(id)? else { return Ok(None) };
            s.set_comment_hidden(id, hidden)?;
            let action = if hidden { "hide_comment" } else { "unhide_comment" };
            s.record_audit(admin.id, action, &format!("comment:{id}"), why.as_deref())?;
            Ok(Some(comment))
        })
        .await?
        .ok_or_else(|| AppError::NotFound("No such comment.".into()))?;
    state.shown_content_changed();
    Ok(Redirect::to(&format!("/papers/{}#c{id}", comment.paper_id)).into_response())
}

pub async fn remove_submission(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ModerationForm>,
) -> Result<Response, PageError> {
    let why = form.reason();
    let submission = state
        .with_store(move |s| {
            let Some(submission) = s.submission(id)? else {
                return Ok(None);
            };
            if !s.remove_submission(id)? {
                return Ok(None);
            }
            s.record_audit(
                admin.id,
                "remove_submission",
                &format!("submission:{id}"),
                why.as_deref(),
            )?;
            Ok(Some(submission))
        })
        .await?
        .ok_or_else(|| AppError::NotFound("No such submission (or it was removed already).".into()))?;
    state.shown_content_changed();
    Ok(Redirect::to(&format!("/date/{}", submission.day)).into_response())
}

pub async fn ban_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(name): Path<String>,
    CsrfForm(form): CsrfForm<ModerationForm>,
) -> Result<Response, PageError> {
    let (banned, why) = (form.on(), form.reason());
    let wanted = params::author(&name)?;
    let target = state
        .with_store(move |s| s.user_by_name(&wanted))
        .await?
        .ok_or_else(|| AppError::NotFound("No such user.".into()))?;
    if target.id == admin.id {
        return Err(AppError::BadRequest("Administrators cannot ban themselves.".into()).into());
    }
    let target_name = target.name.clone();
    state
        .with_store(move |s| {
            s.set_banned(target.id, banned)?;
            let action = if banned { "ban" } else { "unban" };
            s.record_audit(admin.id, action, &format!("user:{}", target.name), why.as_deref())
        })
        .await?;
    state.shown_content_changed();
    Ok(Redirect::to(&format!("/u/{target_name}")).into_response())
}
