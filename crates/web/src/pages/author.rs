//! `/authors/{name}`: an author's papers, newest first.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use paperboy_store::Page;

use crate::error::PageError;
use crate::pager::Pager;
use crate::params;
use crate::view::{author_path, Card};
use crate::{AppError, AppState};

const PER_PAGE: u64 = 30;

#[derive(Template)]
#[template(path = "author.html")]
struct AuthorPage {
    name: String,
    /// Where the viewer's Follow button goes (`for_you::follow_mark`).
    follow: String,
    cards: Vec<Card>,
    pager: Pager,
}

pub async fn show(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let name = params::author(&name)?;
    let page = params::page_number(query.get("page").map(String::as_str))?;
    let wanted = Page {
        offset: (page - 1) * PER_PAGE,
        limit: PER_PAGE + 1,
    };
    let who = name.clone();
    let mut docs = state.with_store(move |s| s.papers_by_author(&who, wanted)).await?;
    if docs.is_empty() && page == 1 {
        return Err(AppError::NotFound(format!("No papers by {name} here yet.")).into());
    }
    let has_next_page = docs.len() as u64 > PER_PAGE;
    docs.truncate(PER_PAGE as usize);
    let pager = Pager::new(
        &author_path(&name),
        page,
        PER_PAGE as usize,
        docs.len(),
        has_next_page,
        None,
    );
    let view = AuthorPage {
        follow: crate::for_you::follow_mark(&name),
        name,
        cards: docs.iter().map(|d| Card::new(d, None)).collect(),
        pager,
    };
    Ok(crate::kit::render(&view)?)
}
