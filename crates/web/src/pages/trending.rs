//! `/trending`: the hottest papers of recent daily lists.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use chrono::NaiveDate;

use crate::error::PageError;
use crate::pager::Pager;
use crate::params;
use crate::trending::{self, FORMULA};
use crate::view::Card;
use crate::AppState;

const PER_PAGE: usize = 30;

#[derive(Template)]
#[template(path = "trending.html")]
struct TrendingPage {
    from: NaiveDate,
    until: NaiveDate,
    days: u32,
    fell_back: bool,
    cards: Vec<Card>,
    /// The rank of the first card on this page.
    first_rank: usize,
    page: u64,
    pager: Pager,
    formula: &'static str,
}

pub async fn show(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let days = trending::window_days(query.get("days").map(String::as_str))?;
    let page = params::page_number(query.get("page").map(String::as_str))?;
    let now = chrono::Utc::now();
    let ranked = state.with_store(move |s| trending::compute(s, days, now)).await?;
    let skip = (page as usize - 1) * PER_PAGE;
    let total = ranked.papers.len();
    let shown = total.saturating_sub(skip).min(PER_PAGE);
    let base = format!("/trending?days={}", ranked.days);
    let pager = Pager::new(&base, page, PER_PAGE, shown, total > skip + PER_PAGE, Some(total));
    let view = TrendingPage {
        from: ranked.from,
        until: ranked.until,
        days: ranked.days,
        fell_back: ranked.fell_back,
        cards: ranked
            .papers
            .iter()
            .skip(skip)
            .take(PER_PAGE)
            .map(|r| Card::new(&r.doc, Some(r.day)))
            .collect(),
        first_rank: skip + 1,
        page,
        pager,
        formula: FORMULA,
    };
    Ok(crate::kit::render(&view)?)
}
