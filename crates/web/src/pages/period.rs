//! `/week/YYYY-Www` and `/month/YYYY-MM`: every paper on the period's daily lists, most upvoted
//! first, with links to the nearest periods that have lists.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};

use crate::error::PageError;
use crate::export::{self, Wanted};
use crate::pager::Pager;
use crate::params;
use crate::period::Period;
use crate::view::Card;
use crate::AppState;

const PER_PAGE: usize = 30;

/// A neighbouring period, for navigation.
struct Link {
    path: String,
    name: String,
}

#[derive(Template)]
#[template(path = "period.html")]
struct PeriodPage {
    kind: &'static str,
    label: String,
    previous: Option<Link>,
    next: Option<Link>,
    cards: Vec<Card>,
    total: usize,
    pager: Pager,
}

pub async fn week(
    State(state): State<AppState>,
    wanted: Wanted,
    Path(week): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    render(state, Period::week(&week)?, query, wanted).await
}

pub async fn month(
    State(state): State<AppState>,
    wanted: Wanted,
    Path(month): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    render(state, Period::month(&month)?, query, wanted).await
}

async fn render(
    state: AppState,
    period: Period,
    query: HashMap<String, String>,
    Wanted(format): Wanted,
) -> Result<Response, PageError> {
    let page = params::page_number(query.get("page").map(String::as_str))?;
    let (first, last) = (period.first_day(), period.last_day());
    let (mut docs, before, after) = state
        .with_store(move |s| {
            Ok((
                s.daily_between(first, last)?,
                s.daily_neighbours(first)?.previous,
                s.daily_neighbours(last)?.next,
            ))
        })
        .await?;
    docs.sort_by(|a, b| b.upvotes.cmp(&a.upvotes).then_with(|| a.paper.id.cmp(&b.paper.id)));
    let link = |day| {
        let p = period.containing(day);
        Link {
            path: p.path(),
            name: p.to_string(),
        }
    };
    let skip = (page as usize - 1) * PER_PAGE;
    if let Some(format) = format {
        let papers = docs.iter().skip(skip).take(PER_PAGE).map(|d| &d.paper);
        return Ok(export::respond_papers(format, papers, &format!("paperboy-{period}")));
    }
    let shown = docs.len().saturating_sub(skip).min(PER_PAGE);
    let pager = Pager::new(
        &period.path(),
        page,
        PER_PAGE,
        shown,
        docs.len() > skip + PER_PAGE,
        Some(docs.len()),
    );
    let view = PeriodPage {
        kind: period.kind(),
        label: period.label(),
        previous: before.map(link),
        next: after.map(link),
        cards: docs
            .iter()
            .skip(skip)
            .take(PER_PAGE)
            .map(|doc| {
                let listed = doc
                    .daily_entries
                    .iter()
                    .filter(|e| e.day >= first && e.day <= last)
                    .map(|e| e.day)
                    .max();
                Card::new(doc, listed)
            })
            .collect(),
        total: docs.len(),
        pager,
    };
    Ok(crate::kit::render(&view)?.into_response())
}
