//! The daily page: a day's curated list, and beside it the papers arXiv announced that day.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use paperboy_store::{DayNeighbours, Page};

use crate::error::PageError;
use crate::export::{self, Wanted};
use crate::pager::Pager;
use crate::params;
use crate::period::Period;
use crate::view::{long_date, Card};
use crate::AppState;

/// "New on arXiv" papers per page.
const ANNOUNCED_PER_PAGE: u64 = 50;

#[derive(Template)]
#[template(path = "daily.html")]
struct DailyPage {
    day: NaiveDate,
    day_label: String,
    neighbours: DayNeighbours,
    daily: Vec<Card>,
    announced: Vec<Card>,
    category: Option<String>,
    page: u64,
    pager: Pager,
    week: Period,
    month: Period,
}

/// `/`: the latest day that has something — a curated list, or arXiv's announcements (which
/// arrive by themselves every announcement day, before anyone curates them).
pub async fn today(
    State(state): State<AppState>,
    wanted: Wanted,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let today = chrono::Utc::now().date_naive();
    let stats_day = state
        .with_store(move |s| {
            let daily = s.latest_daily_day(Some(today))?;
            let announced = s.latest_announced_day(today)?;
            Ok(daily.max(announced))
        })
        .await?;
    render_day(state, stats_day.unwrap_or(today), query, wanted).await
}

/// `/date/YYYY-MM-DD`.
pub async fn on_day(
    State(state): State<AppState>,
    wanted: Wanted,
    Path(day): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let day = params::day(&day)?;
    render_day(state, day, query, wanted).await
}

async fn render_day(
    state: AppState,
    day: NaiveDate,
    query: HashMap<String, String>,
    Wanted(format): Wanted,
) -> Result<Response, PageError> {
    let category = params::category(query.get("category").map(String::as_str))?;
    let page = params::page_number(query.get("page").map(String::as_str))?;
    let wanted = Page {
        offset: (page - 1) * ANNOUNCED_PER_PAGE,
        limit: ANNOUNCED_PER_PAGE + 1,
    };
    let filter = category.clone();
    let (daily, mut announced, neighbours) = state
        .with_store(move |s| {
            Ok((
                s.daily_list(day)?,
                s.announced_on(day, filter.as_deref(), wanted)?,
                s.daily_neighbours(day)?,
            ))
        })
        .await?;
    let has_next_page = announced.len() as u64 > ANNOUNCED_PER_PAGE;
    announced.truncate(ANNOUNCED_PER_PAGE as usize);
    if let Some(format) = format {
        // The curated list, then arXiv's announcements on this page (each paper once).
        let papers = daily
            .iter()
            .chain(
                announced
                    .iter()
                    .filter(|a| !daily.iter().any(|d| d.paper.id == a.paper.id)),
            )
            .map(|d| &d.paper);
        return Ok(export::respond_papers(format, papers, &format!("paperboy-{day}")));
    }
    let base = match &category {
        Some(c) => format!("/date/{day}?category={c}"),
        None => format!("/date/{day}"),
    };
    let pager = Pager::new(
        &base,
        page,
        ANNOUNCED_PER_PAGE as usize,
        announced.len(),
        has_next_page,
        None,
    );
    let view = DailyPage {
        day,
        day_label: long_date(day),
        neighbours,
        daily: daily.iter().map(|d| Card::new(d, Some(day))).collect(),
        announced: announced.iter().map(|d| Card::new(d, None)).collect(),
        category,
        page,
        pager,
        week: Period::Week(day).containing(day),
        month: Period::Month(day).containing(day),
    };
    Ok(crate::kit::render(&view)?.into_response())
}
