//! `/status`: the public proof that no day was missed (see `crate::sync_status`).

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use chrono::{DateTime, Utc};

use crate::error::PageError;
use crate::kit::render;
use crate::outbox::MailStatus;
use crate::sync_status::{self, STATUS_DAYS};
use crate::AppState;

struct SourceRow {
    source: String,
    enabled: bool,
    last_attempt: String,
    last_success: String,
    lag: String,
    last_error: Option<String>,
    next_run: String,
}

struct DayRow {
    day: String,
    source: String,
    category: String,
    state: &'static str,
    new: u64,
    cross: u64,
    replacements: u64,
    held: u64,
    fetched_at: String,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    generated_at: String,
    sources: Vec<SourceRow>,
    days: Vec<DayRow>,
    missing: usize,
    window: i64,
    mail: MailStatus,
    oldest_mail: String,
}

/// `YYYY-MM-DD HH:MM UTC`, or "never".
fn when(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "never".to_string(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// "3 h 5 min ago"-style text for a lag in seconds, or "never".
fn ago(seconds: Option<i64>) -> String {
    match seconds {
        None => "never".to_string(),
        Some(s) if s < 60 => format!("{s} s ago"),
        Some(s) if s < 3600 => format!("{} min ago", s / 60),
        Some(s) if s < 86_400 => format!("{} h {} min ago", s / 3600, s % 3600 / 60),
        Some(s) => format!("{} ago", paperboy_domain::text::count(s / 86_400, "day")),
    }
}

pub async fn show(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let activity = state.sync.clone();
    let status = state
        .with_store(move |s| sync_status::compute(s, activity.as_deref(), Utc::now()))
        .await?;
    let mail = MailStatus::read(&state).await?;
    let page = StatusPage {
        oldest_mail: ago(mail.oldest_queued_seconds),
        mail,
        generated_at: when(Some(status.generated_at)),
        missing: status.missing(),
        sources: status
            .sources
            .into_iter()
            .map(|s| SourceRow {
                last_attempt: when(s.last_attempt),
                last_success: when(s.last_success),
                lag: ago(s.lag_seconds),
                next_run: when(s.next_run),
                source: s.source,
                enabled: s.enabled,
                last_error: s.last_error,
            })
            .collect(),
        days: status
            .days
            .into_iter()
            .map(|d| DayRow {
                day: d.day.to_string(),
                state: d.state.as_str(),
                new: d.announced.new,
                cross: d.announced.cross,
                replacements: d.announced.replace + d.announced.replace_cross,
                held: d.held,
                fetched_at: when(d.fetched_at),
                source: d.source,
                category: if d.category.is_empty() {
                    "daily list".into()
                } else {
                    d.category
                },
            })
            .collect(),
        window: STATUS_DAYS,
    };
    Ok(render(&page)?)
}
