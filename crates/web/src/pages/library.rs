//! A reader's library as pages: the "Save"/"Saved" form (posted to the paper catch-all), the
//! library itself at `/u/{name}/library` with its exports (`.bib`, `.ris`, `.json`, or
//! `?format=`), shown to its owner only, and the import of a reference manager's file posted
//! from `/settings`.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use paperboy_domain::cite::Format;
use paperboy_domain::library::BadEntry;
use paperboy_domain::ArxivId;
use paperboy_store::{Page, User};
use serde::Deserialize;

use super::discussion::back;
use crate::auth::Viewer;
use crate::error::PageError;
use crate::export::{self, Wanted};
use crate::kit::{blocking, render, SignedIn};
use crate::library::{import_file, set_saved, Sources, Unmatched, MAX_EXPORT, PAGE_SIZE};
use crate::{params, AppError, AppState};

/// Where library files are uploaded.
pub const UPLOAD_PATH: &str = "/settings/library";
/// What an upload past the body limit (2 MiB, `crate::body`) is told: nothing was stored.
pub const TOO_LARGE: &str = "Nothing was imported: the file is larger than the 2 MiB an upload may have. \
     Split the library into smaller files, or import it with `paperboy library import USER FILE`.";

/// Papers one upload may fetch from arXiv: a page must answer within the request timeout
/// (the command line fetches any number).
pub const MAX_FETCH_PER_UPLOAD: usize = 200;

#[derive(Deserialize, Default)]
pub struct SaveForm {
    /// `add`, `remove`, or absent to toggle.
    #[serde(default)]
    save: Option<String>,
}

/// `POST /papers/{id}/save`: back to the page the form was on.
pub async fn save_form(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    id: ArxivId,
    form: SaveForm,
) -> Result<Response, PageError> {
    let saved = match form.save.as_deref() {
        Some("add") => true,
        Some("remove") => false,
        _ => {
            let (user_id, key) = (user.id, id.to_string());
            !state
                .with_store(move |s| Ok(s.saved(user_id, std::slice::from_ref(&key))?.contains(&key)))
                .await?
        }
    };
    set_saved(state, user, id.clone(), saved).await?;
    Ok(back(headers, &format!("/papers/{id}")).into_response())
}

pub struct LibraryRow {
    id: String,
    title: String,
    saved: String,
}

#[derive(Template)]
#[template(path = "library.html")]
struct LibraryPage {
    name: String,
    total: u64,
    papers: Vec<LibraryRow>,
    previous: Option<u64>,
    next: Option<u64>,
}

/// `/u/{name}/library` (and `library.bib`, `.ris`, `.json`): the owner's library; 403 for
/// anyone else, who must not learn what it holds.
pub async fn show(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Wanted(wanted): Wanted,
    Path((name, file)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let format = match file.as_str() {
        "library" => wanted,
        other => Some(
            Format::ALL
                .into_iter()
                .find(|f| other.strip_prefix("library.") == Some(f.extension()))
                .ok_or_else(|| AppError::NotFound("There is nothing here.".into()))?,
        ),
    };
    if !viewer.name.eq_ignore_ascii_case(&params::author(&name)?) {
        return Err(AppError::Forbidden("A library is private: only its owner sees it.".into()).into());
    }
    let user_id = viewer.id;
    if let Some(format) = format {
        let saved = state
            .with_store(move |s| {
                s.library(
                    user_id,
                    Page {
                        offset: 0,
                        limit: MAX_EXPORT,
                    },
                )
            })
            .await?;
        let docs = export::documents(&state, saved.into_iter().map(|p| p.id).collect()).await?;
        return Ok(export::respond(
            format,
            &docs,
            &format!("paperboy-library-{}", viewer.name),
        ));
    }
    let page = params::page_number(query.get("page").map(String::as_str))?;
    let offset = (page - 1) * PAGE_SIZE;
    let (total, saved) = state
        .with_store(move |s| {
            Ok((
                s.library_size(user_id)?,
                s.library(
                    user_id,
                    Page {
                        offset,
                        limit: PAGE_SIZE,
                    },
                )?,
            ))
        })
        .await?;
    let docs = export::documents(&state, saved.iter().map(|p| p.id.clone()).collect()).await?;
    let rows = saved
        .into_iter()
        .map(|paper| LibraryRow {
            title: docs
                .iter()
                .find(|d| d.paper.id.as_str() == paper.id)
                .map_or_else(|| paper.id.clone(), |d| d.paper.title.clone()),
            saved: paper.saved_at.format("%Y-%m-%d").to_string(),
            id: paper.id,
        })
        .collect();
    let page = LibraryPage {
        name: viewer.name.clone(),
        total,
        previous: (page > 1).then(|| page - 1),
        next: (offset + PAGE_SIZE < total).then_some(page + 1),
        papers: rows,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "library_import.html")]
struct ImportPage {
    name: String,
    format: String,
    matched: usize,
    fetched: usize,
    unmatched: Vec<Unmatched>,
    bad: Vec<BadEntry>,
    added: usize,
}

/// `POST /settings/library`: a `multipart/form-data` upload (`csrf`, `file`), imported into the
/// signed-in reader's library; the page lists what matched, was fetched, and did not.
pub async fn import(
    State(state): State<AppState>,
    viewer: Viewer,
    SignedIn(user): SignedIn,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let mut multipart = multipart.map_err(|e| AppError::Refused {
        status: e.status(),
        message: format!("The upload could not be read: {}.", e.body_text()),
    })?;
    let (mut csrf, mut file) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(unreadable)?),
            Some("file") => file = Some(field.bytes().await.map_err(unreadable)?),
            _ => {}
        }
    }
    viewer.check_csrf(csrf.as_deref())?;
    let bytes = file
        .filter(|b| !b.is_empty())
        .ok_or_else(|| AppError::BadRequest("Choose a file to import (BibTeX, RIS or CSL-JSON).".into()))?;
    state
        .limits
        .check_account(paperboy_accounts::Action::Submit, &user)
        .await?;
    let (store, searcher, fetcher) = (
        Arc::clone(&state.store),
        Arc::clone(&state.searcher),
        state.fetcher.clone(),
    );
    let user_id = user.id;
    let report = blocking(move || {
        let sources = Sources {
            store: store.as_ref(),
            searcher: Some(&searcher),
            fetcher: fetcher.as_deref(),
            max_fetch: MAX_FETCH_PER_UPLOAD,
        };
        import_file(&sources, user_id, &bytes)
    })
    .await?;
    if !report.fetched.is_empty() {
        state.shown_content_changed();
    }
    let page = ImportPage {
        name: user.name,
        format: report.format.to_string(),
        matched: report.matched.len(),
        fetched: report.fetched.len(),
        unmatched: report.unmatched,
        bad: report.bad,
        added: report.added,
    };
    Ok(render(&page)?.into_response())
}

fn unreadable(e: axum::extract::multipart::MultipartError) -> AppError {
    AppError::Refused {
        status: e.status(),
        message: format!("The upload could not be read: {}.", e.body_text()),
    }
}
