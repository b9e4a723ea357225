//! Profiles at `/u/{name}`: a person's submissions, upvotes and followed authors and
//! categories (when they turned "Keep my signals private" off, `users.votes_public`), and
//! comments.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use paperboy_domain::ArxivId;
use paperboy_store::User;

use crate::auth::Viewer;
use crate::error::PageError;
use crate::export::{self, Wanted};
use crate::for_you::settings::FollowRow;
use crate::kit::render;
use crate::participation::rendered_body;
use crate::{params, AppError, AppState};

/// Items of each kind shown.
const SHOWN: usize = 50;

pub struct SubmissionRow {
    id: i64,
    paper_id: String,
    title: String,
    day: NaiveDate,
    removed: bool,
}

pub struct CommentRow {
    id: i64,
    paper_id: String,
    created_at: DateTime<Utc>,
    html: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    user: User,
    viewer_is_admin: bool,
    is_self: bool,
    submissions: Vec<SubmissionRow>,
    /// `None` when the user keeps their signals private (and the viewer is someone else).
    upvoted: Option<Vec<(String, String)>>,
    /// Followed authors and categories, shown as the upvotes are.
    follows: Option<Vec<FollowRow>>,
    comments: Vec<CommentRow>,
    /// The viewer's own library: its size and latest papers; `None` on anyone else's profile.
    library: Option<(u64, Vec<(String, String)>)>,
}

/// Papers of one's library shown on one's profile (the rest at `/u/{name}/library`).
const LIBRARY_SHOWN: u64 = 10;

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Wanted(format): Wanted,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let wanted = params::author(&name)?;
    let user = state
        .with_store(move |s| s.user_by_name(&wanted))
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "There is no user {}.",
                name.chars().take(64).collect::<String>()
            ))
        })?;
    let is_self = viewer.user.as_ref().is_some_and(|v| v.id == user.id);
    let viewer_is_admin = viewer.user.as_ref().is_some_and(|v| v.is_admin);
    let show_votes = user.votes_public || is_self;
    let user_id = user.id;
    let (submissions, upvoted, follows, comments, library) = state
        .with_store(move |s| {
            // A library is private: read only for its owner.
            let library = if is_self {
                let latest = s.library(
                    user_id,
                    paperboy_store::Page {
                        offset: 0,
                        limit: LIBRARY_SHOWN,
                    },
                )?;
                Some((
                    s.library_size(user_id)?,
                    latest.into_iter().map(|p| p.id).collect::<Vec<_>>(),
                ))
            } else {
                None
            };
            let submissions = s.submissions_by(user_id, SHOWN)?;
            let (upvoted, follows) = if show_votes {
                (Some(s.upvoted_by(user_id, SHOWN)?), Some(s.follows(user_id)?))
            } else {
                (None, None)
            };
            let comments = s.comments_by(user_id, SHOWN)?;
            Ok((submissions, upvoted, follows, comments, library))
        })
        .await?;
    if let Some(format) = format {
        // An export is of the upvotes, and only when the profile shows them.
        let ids = upvoted.ok_or_else(|| AppError::NotFound(format!("{} keeps their upvotes private.", user.name)))?;
        let docs = export::documents(&state, ids).await?;
        return Ok(export::respond(
            format,
            &docs,
            &format!("paperboy-upvotes-{}", user.name),
        ));
    }
    let mut ids: Vec<String> = submissions.iter().map(|s| s.paper_id.clone()).collect();
    ids.extend(upvoted.iter().flatten().cloned());
    ids.extend(library.iter().flat_map(|(_, ids)| ids.iter().cloned()));
    let titles = titles(&state, ids).await?;
    let title = |id: &str| {
        titles
            .iter()
            .find(|(i, _)| i == id)
            .map_or_else(|| id.to_string(), |(_, t)| t.clone())
    };
    let page = ProfilePage {
        submissions: submissions
            .iter()
            .map(|s| SubmissionRow {
                id: s.id,
                paper_id: s.paper_id.clone(),
                title: title(&s.paper_id),
                day: s.day,
                removed: s.removed,
            })
            .collect(),
        upvoted: upvoted.map(|ids| ids.iter().map(|id| (id.clone(), title(id))).collect()),
        follows: follows.map(|f| f.into_iter().map(FollowRow::new).collect()),
        comments: comments
            .iter()
            .filter_map(|c| {
                rendered_body(c).map(|html| CommentRow {
                    id: c.id,
                    paper_id: c.paper_id.clone(),
                    created_at: c.created_at,
                    html,
                })
            })
            .collect(),
        library: library.map(|(size, ids)| (size, ids.iter().map(|id| (id.clone(), title(id))).collect())),
        user,
        viewer_is_admin,
        is_self,
    };
    Ok(render(&page)?.into_response())
}

async fn titles(state: &AppState, ids: Vec<String>) -> Result<Vec<(String, String)>, AppError> {
    state
        .with_store(move |s| {
            let mut out = Vec::new();
            for id in ids {
                if let Ok(parsed) = ArxivId::parse(&id) {
                    if let Some(doc) = s.paper(&parsed)? {
                        out.push((id, doc.paper.title));
                    }
                }
            }
            Ok(out)
        })
        .await
}
