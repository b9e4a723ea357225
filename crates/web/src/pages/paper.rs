//! A paper's page.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use paperboy_domain::cite::{self, Format};
use paperboy_search::SearchHit;
use paperboy_store::Comment;

use crate::auth::Viewer;
use crate::error::PageError;
use crate::export::{self, Wanted};
use crate::kit::{checked_form, render};
use crate::math::{self, Piece};
use crate::pages::discussion::{comment_form, vote_form};
use crate::params;
use crate::participation::rendered_body;
use crate::view::AuthorLink;
use crate::{AppError, AppState};

/// Replies are indented up to this depth; deeper ones line up with it.
const MAX_DEPTH: usize = 6;

/// A comment as the page shows it, in thread order.
pub struct CommentView {
    id: i64,
    parent_id: Option<i64>,
    author: String,
    depth: usize,
    /// Safe HTML; `None` for a deleted or hidden comment (a placeholder is shown).
    html: Option<String>,
    deleted: bool,
    created: String,
    edited: bool,
    mine: bool,
    hidden: bool,
}

/// Orders comments as threads (each reply after its parent, oldest first) with depths.
fn threaded(comments: &[Comment], viewer_id: Option<i64>) -> Vec<CommentView> {
    let mut out = Vec::with_capacity(comments.len());
    let children = |parent: Option<i64>| comments.iter().filter(move |c| c.parent_id == parent).rev();
    let mut pending: Vec<(&Comment, usize)> = children(None).map(|c| (c, 0)).collect();
    while let Some((comment, depth)) = pending.pop() {
        out.push(CommentView {
            id: comment.id,
            parent_id: comment.parent_id,
            author: comment.author.clone(),
            depth: depth.min(MAX_DEPTH),
            html: rendered_body(comment),
            deleted: comment.deleted,
            created: comment.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            edited: comment.edited_at.is_some(),
            mine: viewer_id == Some(comment.user_id),
            hidden: comment.hidden,
        });
        pending.extend(children(Some(comment.id)).map(|c| (c, depth + 1)));
    }
    out
}

#[derive(Template)]
#[template(path = "paper.html")]
struct PaperPage {
    id: String,
    version: Option<u32>,
    title: String,
    /// The title with its math rendered.
    heading: Vec<Piece>,
    authors: Vec<AuthorLink>,
    paragraphs: Vec<Vec<Piece>>,
    /// Hugging Face's machine-written summary (math rendered like the abstract's), and its
    /// keywords: shown apart from the abstract, labelled with where they come from.
    ai_summary: Vec<Vec<Piece>>,
    ai_keywords: Vec<String>,
    categories: Vec<String>,
    announced: Option<NaiveDate>,
    published: Option<String>,
    updated: Option<String>,
    comment: Option<String>,
    journal_ref: Option<String>,
    links: paperboy_domain::Links,
    upvotes: i64,
    daily: Vec<NaiveDate>,
    similar: Vec<SearchHit>,
    signed_in: bool,
    viewer_is_admin: bool,
    voted: bool,
    comments: Vec<CommentView>,
    citation: CitationMeta,
}

/// Papers listed under "Similar papers".
const SIMILAR: usize = 5;

/// `POST /papers/{id}/upvote`, `/comments` and `/save` (ids may contain `/`, so the
/// paper routes are one catch-all, and the form is read once the path says which it is).
/// Signed out, each sends the visitor to sign in and back to the paper.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let parse = |suffix: &str| raw.strip_suffix(suffix).map(params::arxiv_id);
    let (id, form) = match (parse("/upvote"), parse("/comments"), parse("/save")) {
        (Some(id), _, _) => (id?, "upvote"),
        (None, Some(id), _) => (id?, "comments"),
        (None, None, Some(id)) => (id?, "save"),
        (None, None, None) => return Err(AppError::NotFound("There is nothing to post here.".into()).into()),
    };
    let Some(user) = viewer.user.clone() else {
        return Ok(Redirect::to(&format!("/signin?next=/papers/{id}")).into_response());
    };
    match form {
        "upvote" => vote_form(&state, &user, &headers, id, checked_form(&viewer, &body)?).await,
        "save" => super::library::save_form(&state, &user, &headers, id, checked_form(&viewer, &body)?).await,
        _ => comment_form(&state, &user, id, checked_form(&viewer, &body)?).await,
    }
}

/// `/papers/{id}`: the page, or with `.bib`, `.ris` or `.json` (CSL) after the id, `?format=`
/// or an `Accept` naming a citation format, the paper's citation; with `.md` after the id, the
/// paper as Markdown (what `huggingface_hub`'s `read_paper` reads).
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Wanted(wanted_format): Wanted,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let (raw_id, as_markdown) = match raw_id.strip_suffix(".md") {
        Some(id) => (id.to_string(), true),
        None => (raw_id, false),
    };
    let suffixed = Format::ALL
        .into_iter()
        .find_map(|f| raw_id.strip_suffix(&format!(".{}", f.extension())).map(|id| (id, f)));
    let (raw_id, format) = match suffixed {
        Some((id, format)) => (id, Some(format)),
        None => (raw_id.as_str(), wanted_format),
    };
    let id = params::arxiv_id(raw_id)?;
    let wanted = id.clone();
    let doc = state
        .with_store(move |s| s.paper(&wanted))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No paper {id} here yet.")))?;
    if as_markdown {
        return Ok(crate::api::hf::markdown_response(&doc));
    }
    if let Some(format) = format {
        return Ok(export::respond(
            format,
            std::slice::from_ref(&doc),
            doc.paper.id.as_str(),
        ));
    }
    // Similar papers are a nicety: if the index fails, the paper page still shows.
    let similar = state.similar(id.clone(), SIMILAR).await.unwrap_or_else(|e| {
        tracing::warn!(%id, error = %e, "similar papers failed");
        Vec::new()
    });
    let viewer_id = viewer.user.as_ref().map(|u| u.id);
    let key = doc.paper.id.to_string();
    let wanted = id.clone();
    let (voted, comments) = state
        .with_store(move |s| {
            let voted = match viewer_id {
                Some(user) => s.voted(user, std::slice::from_ref(&key))?.contains(&key),
                None => false,
            };
            Ok((voted, s.comments_on(&wanted)?))
        })
        .await?;
    let paper = &doc.paper;
    let page = PaperPage {
        signed_in: viewer.user.is_some(),
        viewer_is_admin: viewer.user.as_ref().is_some_and(|u| u.is_admin),
        voted,
        comments: threaded(&comments, viewer_id),
        id: paper.id.to_string(),
        version: paper.version,
        title: paper.title.clone(),
        heading: math::render(&paper.title),
        authors: paper.authors.iter().map(|a| AuthorLink::new(a)).collect(),
        paragraphs: paper.abstract_text.split("\n\n").map(math::render).collect(),
        ai_summary: paper
            .ai_summary
            .iter()
            .flat_map(|summary| summary.split("\n\n"))
            .map(math::render)
            .collect(),
        ai_keywords: paper.ai_keywords.clone(),
        categories: paper.categories.clone(),
        announced: paper.announced,
        published: paper.published.map(|t| t.format("%-d %B %Y").to_string()),
        updated: paper
            .updated
            .filter(|u| Some(*u) != paper.published)
            .map(|t| t.format("%-d %B %Y").to_string()),
        comment: paper.comment.clone(),
        journal_ref: paper.journal_ref.clone(),
        links: paper.links(),
        upvotes: doc.upvotes,
        daily: doc.daily.clone(),
        similar,
        citation: CitationMeta::new(paper),
    };
    Ok(render(&page)?.into_response())
}

/// The `citation_*` meta tags Google Scholar defined and Zotero's connector reads.
struct CitationMeta {
    title: String,
    authors: Vec<String>,
    date: Option<String>,
    arxiv_id: String,
    pdf_url: String,
    doi: Option<String>,
    journal: Option<String>,
}

impl CitationMeta {
    fn new(paper: &paperboy_domain::Paper) -> CitationMeta {
        CitationMeta {
            // Meta tags are read as plain text: TeX as the readable Unicode mail gets.
            title: paperboy_domain::tex::to_plain_text(&paper.title)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            authors: paper.authors.clone(),
            date: cite::issued(paper).map(|d| d.format("%Y/%m/%d").to_string()),
            arxiv_id: paper.id.to_string(),
            pdf_url: paper.id.pdf_url(),
            doi: paper.doi.clone(),
            journal: paper.journal_ref.clone(),
        }
    }
}
