//! Hugging Face's paper API, in Hugging Face's shapes, so that `huggingface_hub.HfApi`'s paper
//! calls (`list_daily_papers`, `paper_info`, `list_papers`, `read_paper`) work against paperboy.
//!
//! `/api/daily_papers` has always had HF's shape and answers at the site's root. Paperboy's own
//! `/api/papers/{id}` and `/api/papers/search` answer in paperboy's shapes, which clients rely on;
//! HF's shapes for those paths live under `/hf`, so a client points `HF_ENDPOINT` at
//! `https://paperboy.example/hf`. Differences that remain are listed in docs/hf-compat.md.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{NaiveDate, SecondsFormat, Utc};
use paperboy_domain::trending::{end_of_day, rank_listed};
use paperboy_domain::{DailyEntry, PaperDocument};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::period::Period;
use crate::{params, AppError, AppState};

/// The most entries one page of `/api/daily_papers` holds (`limit`), and the default.
const DAILY_MAX: usize = 100;
const DAILY_DEFAULT: usize = 50;

/// Which days `/api/daily_papers` lists: the days that every one of `date`, `week` and
/// `month` given contains (each narrows the span, as `from` and `until` would; given
/// together, the days they share, which may be none: then `from` is after `until`). `None`
/// when none is given.
fn span(get: impl Fn(&str) -> Result<Option<String>, AppError>) -> Result<Option<(NaiveDate, NaiveDate)>, AppError> {
    let mut spans = Vec::new();
    if let Some(date) = get("date")? {
        let day = params::day(&date)?;
        spans.push((day, day));
    }
    if let Some(week) = get("week")? {
        let week = Period::week(&week)?;
        spans.push((week.first_day(), week.last_day()));
    }
    if let Some(month) = get("month")? {
        let month = Period::month(&month)?;
        spans.push((month.first_day(), month.last_day()));
    }
    Ok(spans
        .into_iter()
        .reduce(|(from, until), (first, last)| (from.max(first), until.min(last))))
}

/// `sort=`: `publishedAt` (newest daily list first; the default) or `trending` (hot rank).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    PublishedAt,
    Trending,
}

fn sort(value: Option<&str>) -> Result<Sort, AppError> {
    match value {
        None | Some("publishedAt") => Ok(Sort::PublishedAt),
        Some("trending") => Ok(Sort::Trending),
        Some(other) => Err(AppError::BadRequest(format!(
            "sort {:?} is not publishedAt or trending",
            other.chars().take(40).collect::<String>()
        ))),
    }
}

/// The last page `p=` may ask for: far beyond any span's list, short of overflow.
const MAX_PAGE: usize = 10_000;

/// `p=`: the page, counted from 0.
fn page(value: Option<&str>) -> Result<usize, AppError> {
    match value {
        None => Ok(0),
        Some(v) => v.parse::<usize>().ok().filter(|p| *p <= MAX_PAGE).ok_or_else(|| {
            AppError::BadRequest(format!(
                "p {:?} is not a page number from 0 to {MAX_PAGE}",
                v.chars().take(20).collect::<String>()
            ))
        }),
    }
}

/// `GET /api/daily_papers?date=|week=|month=&submitter=&sort=&p=&limit=`: the daily lists of a
/// day, an ISO week or a month (the latest day's without one), each paper once with its latest
/// entry in the span, in Hugging Face's shape.
pub async fn daily_papers(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let get = |key: &str| super::param(&query, key);
    let span = span(|key| Ok(get(key)?.map(str::to_string)))?;
    let sort = sort(get("sort")?)?;
    let page = page(get("p")?)?;
    let limit = params::limit(get("limit")?, DAILY_DEFAULT, DAILY_MAX)?;
    let submitter = get("submitter")?.map(str::to_string);
    let entries = state
        .with_store(move |s| {
            let Some((from, until)) = span.or(s.latest_daily_day(None)?.map(|d| (d, d))) else {
                return Ok(Vec::new());
            };
            if from > until {
                return Ok(Vec::new());
            }
            let docs = if from == until {
                s.daily_list(from)?
            } else {
                s.daily_between(from, until)?
            };
            let mut listed: Vec<(NaiveDate, PaperDocument)> = match sort {
                // As of the span's end, or of now while the span is not over.
                Sort::Trending => rank_listed(docs, from, until, end_of_day(until).min(Utc::now()))
                    .into_iter()
                    .map(|l| (l.day, l.doc))
                    .collect(),
                Sort::PublishedAt => {
                    let mut listed: Vec<_> = docs
                        .into_iter()
                        .filter_map(|doc| Some((latest_entry_in(&doc, from, until)?, doc)))
                        .collect();
                    // Stable: within a day, the list keeps the store's order.
                    listed.sort_by_key(|(day, _)| std::cmp::Reverse(*day));
                    listed
                }
            };
            if let Some(submitter) = &submitter {
                listed.retain(|(day, doc)| submitted_by(doc, *day) == Some(submitter.as_str()));
            }
            Ok(listed
                .iter()
                .skip(page.saturating_mul(limit))
                .take(limit)
                .map(|(day, doc)| entry(doc, Some(*day)))
                .collect())
        })
        .await?;
    Ok(Json(entries))
}

/// The day of `doc`'s latest daily-list entry from `from` to `until`.
fn latest_entry_in(doc: &PaperDocument, from: NaiveDate, until: NaiveDate) -> Option<NaiveDate> {
    doc.daily_entries
        .iter()
        .map(|e| e.day)
        .filter(|d| (from..=until).contains(d))
        .max()
}

fn submitted_by(doc: &PaperDocument, day: NaiveDate) -> Option<&str> {
    daily_entry(doc, day).and_then(|e| e.submitted_by.as_deref())
}

fn daily_entry(doc: &PaperDocument, day: NaiveDate) -> Option<&DailyEntry> {
    doc.daily_entries.iter().find(|e| e.day == day)
}

/// `GET /hf/api/papers/{id}`: the paper as Hugging Face's `/api/papers/{id}` describes it.
pub async fn paper_info(State(state): State<AppState>, Path(raw_id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = params::arxiv_id(&raw_id)?;
    let wanted = id.clone();
    let doc = state
        .with_store(move |s| s.paper(&wanted))
        .await?
        .ok_or_else(|| ApiError(AppError::NotFound(format!("no paper {id}"))))?;
    let latest = doc.daily_entries.last().map(|e| e.day);
    let mut paper = paper(&doc, latest);
    if let Some(day) = latest {
        paper["submittedOnDailyBy"] = json!(submitted_by(&doc, day).map(user));
    }
    paper["numComments"] = json!(doc.comments);
    Ok(Json(paper))
}

/// `GET /hf/api/papers/search?q=&limit=`: matching papers as a list of daily-list entries
/// (Hugging Face's shape), best first.
pub async fn search(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let get = |key: &str| super::param(&query, key);
    let text = get("q")?.ok_or_else(|| AppError::BadRequest("Give the query as ?q=….".into()))?;
    let request = paperboy_search::SearchRequest {
        text: text.to_string(),
        mode: params::mode(None)?,
        filters: paperboy_search::Filters::default(),
        offset: 0,
        limit: params::limit(get("limit")?, DAILY_DEFAULT, DAILY_MAX)?,
    };
    if super::papers::finds_nothing(&request).is_some() {
        return Ok(Json(Vec::new()));
    }
    let ids: Vec<_> = state.search(request).await?.results.into_iter().map(|h| h.id).collect();
    let entries = state
        .with_store(move |s| {
            let mut entries = Vec::with_capacity(ids.len());
            for id in &ids {
                if let Some(doc) = s.paper(id)? {
                    entries.push(entry(&doc, doc.daily_entries.last().map(|e| e.day)));
                }
            }
            Ok(entries)
        })
        .await?;
    Ok(Json(entries))
}

/// `GET /hf/papers/{id}.md`: the paper as Markdown (`/papers/{id}.md` is the paper page's).
pub async fn paper_markdown(State(state): State<AppState>, Path(raw): Path<String>) -> Result<Response, ApiError> {
    let raw_id = raw
        .strip_suffix(".md")
        .ok_or_else(|| ApiError(AppError::NotFound("There is nothing here.".into())))?;
    let id = params::arxiv_id(raw_id)?;
    let wanted = id.clone();
    let doc = state
        .with_store(move |s| s.paper(&wanted))
        .await?
        .ok_or_else(|| ApiError(AppError::NotFound(format!("no paper {id}"))))?;
    Ok(markdown_response(&doc))
}

/// The Markdown answer for a paper.
pub fn markdown_response(doc: &PaperDocument) -> Response {
    ([(header::CONTENT_TYPE, "text/markdown; charset=utf-8")], markdown(doc)).into_response()
}

/// A paper as Markdown: title, authors, links, abstract, and the AI summary (labelled) when
/// one was imported.
pub fn markdown(doc: &PaperDocument) -> String {
    let p = &doc.paper;
    let links = p.links();
    let mut out = format!("# {}\n\n", one_line(&p.title));
    if !p.authors.is_empty() {
        out.push_str(&format!("**Authors:** {}\n\n", p.authors.join(", ")));
    }
    if let Some(published) = p.published {
        out.push_str(&format!("**Published:** {}\n\n", published.date_naive()));
    }
    out.push_str(&format!(
        "**arXiv:** [{}]({}) · [PDF]({})\n\n",
        p.id, links.abs, links.pdf
    ));
    if let Some(code) = &links.code {
        out.push_str(&format!("**Code:** <{code}>\n\n"));
    }
    if let Some(project) = &links.project {
        out.push_str(&format!("**Project page:** <{project}>\n\n"));
    }
    out.push_str(&format!("## Abstract\n\n{}\n", p.abstract_text.trim()));
    if let Some(summary) = &p.ai_summary {
        out.push_str(&format!("\n## AI summary\n\n{}\n", summary.trim()));
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A submitter in Hugging Face's user shape. Paperboy keeps the handle only (a local account's
/// name, or the imported Hugging Face handle), so `fullname` repeats it and there is no avatar.
/// `user` is the handle too: `huggingface_hub`'s `User` reads its `username` from it.
fn user(handle: &str) -> Value {
    json!({ "name": handle, "user": handle, "fullname": handle, "avatarUrl": "", "type": "user" })
}

/// The paper object of Hugging Face's shape (`paper` in a daily-list entry).
fn paper(doc: &PaperDocument, day: Option<NaiveDate>) -> Value {
    let p = &doc.paper;
    let published = p.published.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true));
    let on_daily = day
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().to_rfc3339_opts(SecondsFormat::Millis, true));
    let authors: Vec<Value> = p
        .authors
        .iter()
        .map(|name| json!({ "name": name, "hidden": false }))
        .collect();
    let mut paper = json!({
        "id": p.id.as_str(),
        "title": p.title,
        "summary": p.abstract_text,
        "authors": authors,
        "publishedAt": published,
        "submittedOnDailyAt": on_daily,
        "upvotes": doc.upvotes,
    });
    if let Some(code) = &p.code_url {
        paper["githubRepo"] = json!(code);
    }
    if let Some(project) = &p.project_url {
        paper["projectPage"] = json!(project);
    }
    if let Some(summary) = &p.ai_summary {
        paper["ai_summary"] = json!(summary);
    }
    if !p.ai_keywords.is_empty() {
        paper["ai_keywords"] = json!(p.ai_keywords);
    }
    paper
}

/// One entry in Hugging Face's daily-papers shape, for the list of `day` (none for a paper
/// that was never on a daily list).
fn entry(doc: &PaperDocument, day: Option<NaiveDate>) -> Value {
    let p = &doc.paper;
    let daily = day.and_then(|d| daily_entry(doc, d));
    let paper = paper(doc, day);
    json!({
        "publishedAt": paper["publishedAt"],
        "paper": paper,
        "title": p.title,
        "summary": p.abstract_text,
        "numComments": daily.map_or(0, |e| e.comments),
        "submittedBy": daily.and_then(|e| e.submitted_by.as_deref()).map(user),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Result<Option<String>, AppError> + 'a {
        move |key| Ok(pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn date_week_and_month_each_narrow_the_span() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(span(query(&[])).unwrap(), None);
        assert_eq!(
            span(query(&[("date", "2026-05-05")])).unwrap(),
            Some((day("2026-05-05"), day("2026-05-05")))
        );
        assert_eq!(
            span(query(&[("week", "2026-W19")])).unwrap(),
            Some((day("2026-05-04"), day("2026-05-10")))
        );
        assert_eq!(
            span(query(&[("month", "2026-02")])).unwrap(),
            Some((day("2026-02-01"), day("2026-02-28")))
        );
        assert_eq!(
            span(query(&[("date", "2026-05-05"), ("week", "2026-W19")])).unwrap(),
            Some((day("2026-05-05"), day("2026-05-05")))
        );
        assert_eq!(
            span(query(&[("week", "2026-W18"), ("month", "2026-05")])).unwrap(),
            Some((day("2026-05-01"), day("2026-05-03"))),
            "the week of 27 April to 3 May, within May"
        );
        let (from, until) = span(query(&[("date", "2026-05-05"), ("month", "2026-04")]))
            .unwrap()
            .unwrap();
        assert!(from > until, "no day in common");
        assert!(matches!(
            span(query(&[("week", "2026-19")])),
            Err(AppError::BadRequest(_))
        ));
    }

    #[test]
    fn sort_and_page_refuse_what_hf_does_not_take() {
        assert!(sort(Some("trending")).is_ok_and(|s| s == Sort::Trending));
        assert!(sort(None).is_ok_and(|s| s == Sort::PublishedAt));
        assert!(matches!(sort(Some("upvotes")), Err(AppError::BadRequest(_))));
        assert_eq!(page(Some("3")).unwrap(), 3);
        assert!(matches!(page(Some("-1")), Err(AppError::BadRequest(_))));
    }
}
