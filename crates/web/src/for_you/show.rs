//! `/for-you` (the page), `GET /api/for-you` (JSON) and the page's "not interested" button.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{for_reader, ForYou, Pick, DEFAULT_DAYS, MAX_DAYS};
use crate::error::{ApiError, PageError};
use crate::kit::{render, ApiUser, CsrfForm, SignedIn};
use crate::view::Card;
use crate::{params, AppError, AppState};

/// Papers per page (the API's `limit` default) and the most one may ask for.
const PER_PAGE: usize = 30;
const MAX_LIMIT: usize = 100;

/// `days=` from 1 to [`MAX_DAYS`]; absent means [`DEFAULT_DAYS`].
fn days(value: Option<&str>) -> Result<u32, AppError> {
    Ok(params::limit(value, DEFAULT_DAYS as usize, MAX_DAYS as usize)? as u32)
}

/// `p=`, the page from 0 (as Hugging Face's API counts).
fn page_index(value: Option<&str>) -> Result<usize, AppError> {
    match value.map(str::trim) {
        None | Some("") => Ok(0),
        Some(v) => v.parse::<usize>().ok().filter(|p| *p < 10_000).ok_or_else(|| {
            AppError::BadRequest(format!(
                "p {:?} is not a page number from 0",
                v.chars().take(20).collect::<String>()
            ))
        }),
    }
}

fn reasons(pick: &Pick) -> Vec<String> {
    pick.reasons.iter().map(ToString::to_string).collect()
}

/// `GET /api/for-you?days=N&limit=N&p=N`: `{"results": [{"id", "title", "score", "reasons",
/// …paper fields}], …}` for the caller (session or API token).
pub async fn api(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let get = |key: &str| query.get(key).map(String::as_str);
    let days = days(get("days"))?;
    let limit = params::limit(get("limit"), PER_PAGE, MAX_LIMIT)?;
    let page = page_index(get("p"))?;
    let ranked = for_reader(&state, user.id, days).await?;
    let total = ranked.picks.len();
    let results: Vec<Value> = ranked
        .picks
        .iter()
        .skip(page * limit)
        .take(limit)
        .map(|pick| {
            let mut paper = serde_json::to_value(pick.doc.as_ref()).unwrap_or_else(|_| json!({}));
            if let Value::Object(fields) = &mut paper {
                fields.insert("score".into(), json!(pick.score));
                fields.insert("surfaced".into(), json!(pick.surfaced));
                fields.insert("reasons".into(), json!(reasons(pick)));
            }
            paper
        })
        .collect();
    Ok(Json(json!({
        "results": results,
        "total": total,
        "p": page,
        "limit": limit,
        "days": days,
        "from": ranked.from,
        "until": ranked.until,
        "announcement_days": ranked.days,
        "semantic": ranked.semantic,
        "cold_start": ranked.cold,
    })))
}

/// One card of the page and why it is there.
pub struct PickCard {
    pub card: Card,
    pub reasons: Vec<String>,
    pub surfaced: bool,
}

#[derive(Template)]
#[template(path = "for_you.html")]
struct ForYouPage {
    picks: Vec<PickCard>,
    from: NaiveDate,
    until: NaiveDate,
    days: u32,
    page: usize,
    has_next_page: bool,
    semantic: bool,
    cold: bool,
}

/// `/for-you`: the page, signed in (signed out, it sends to sign-in and back).
pub async fn page(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |key: &str| query.get(key).map(String::as_str);
    let days = days(get("days"))?;
    let page = params::page_number(get("page"))? as usize;
    let ForYou {
        picks,
        from,
        until,
        semantic,
        cold,
        ..
    } = for_reader(&state, user.id, days).await?;
    let skip = (page - 1) * PER_PAGE;
    let has_next_page = picks.len() > skip + PER_PAGE;
    let picks = picks
        .iter()
        .skip(skip)
        .take(PER_PAGE)
        .map(|pick| PickCard {
            card: Card::new(&pick.doc, None),
            reasons: reasons(pick),
            surfaced: pick.surfaced,
        })
        .collect();
    let view = ForYouPage {
        picks,
        from,
        until,
        days,
        page,
        has_next_page,
        semantic,
        cold,
    };
    Ok(render(&view)?.into_response())
}

#[derive(Deserialize)]
pub struct NotInterestedForm {
    id: String,
    /// `undo` takes the mark back.
    #[serde(default)]
    undo: Option<String>,
}

/// `POST /for-you/not-interested` (the card's button, no script needed): marks the paper and
/// comes back to the list, where it is gone.
pub async fn not_interested(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    CsrfForm(form): CsrfForm<NotInterestedForm>,
) -> Result<Response, PageError> {
    let id = params::arxiv_id(&form.id)?;
    let on = form.undo.is_none();
    let paper = id.clone();
    state
        .with_store(move |s| s.set_not_interested(user.id, &paper, on))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no paper {id}")))?;
    Ok(Redirect::to(if on {
        "/for-you"
    } else {
        "/settings/for-you#not-interested"
    })
    .into_response())
}
