//! `/submit`: add a paper to today's list by arXiv id or URL.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use paperboy_domain::ArxivId;
use serde::Deserialize;

use crate::error::PageError;
use crate::kit::{render, CsrfForm, Notice, SignedIn};
use crate::participation::{submit_paper, Submitted};
use crate::AppState;

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    today: NaiveDate,
    limit: u32,
    error: Option<String>,
}

pub async fn form(State(state): State<AppState>, _: SignedIn) -> Result<Response, PageError> {
    let page = SubmitPage {
        today: Utc::now().date_naive(),
        limit: state.settings.daily_submission_limit,
        error: None,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct SubmitForm {
    #[serde(default)]
    paper: String,
}

pub async fn submit(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    CsrfForm(form): CsrfForm<SubmitForm>,
) -> Result<Response, PageError> {
    let today = Utc::now().date_naive();
    match submit_paper(&state, &user, &form.paper, today).await? {
        Submitted::Added(s) => Ok(Redirect::to(&format!("/date/{}#t-{}", s.day, s.paper_id)).into_response()),
        Submitted::AlreadyListed(day) => {
            let id = ArxivId::parse(form.paper.trim())
                .map(|i| i.to_string())
                .unwrap_or_default();
            let notice = Notice::with_links(
                "Already listed",
                format!("{id} is already in the daily list of {day}."),
                vec![
                    (format!("/date/{day}"), format!("The list of {day}")),
                    (format!("/papers/{id}"), "The paper".into()),
                ],
            );
            Ok((StatusCode::CONFLICT, notice.page()?).into_response())
        }
    }
}
