//! A paper's page.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use chrono::NaiveDate;
use paperboy_search::SearchHit;

use crate::error::PageError;
use crate::math::{self, Piece};
use crate::params;
use crate::view::AuthorLink;
use crate::{AppError, AppState};

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
}

/// Papers listed under "Similar papers".
const SIMILAR: usize = 5;

pub async fn show(State(state): State<AppState>, Path(raw_id): Path<String>) -> Result<Html<String>, PageError> {
    let id = params::arxiv_id(&raw_id)?;
    let wanted = id.clone();
    let doc = state
        .with_store(move |s| s.paper(&wanted))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No paper {id} here yet.")))?;
    // Similar papers are a nicety: if the index fails, the paper page still shows.
    let similar = state.similar(id.clone(), SIMILAR).await.unwrap_or_else(|e| {
        tracing::warn!(%id, error = %e, "similar papers failed");
        Vec::new()
    });
    let paper = &doc.paper;
    let page = PaperPage {
        id: paper.id.to_string(),
        version: paper.version,
        title: paper.title.clone(),
        heading: math::render(&paper.title),
        authors: paper.authors.iter().map(|a| AuthorLink::new(a)).collect(),
        paragraphs: paper.abstract_text.split("\n\n").map(math::render).collect(),
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
    };
    Ok(Html(page.render().map_err(|e| AppError::Internal(e.to_string()))?))
}
