//! What a page shows for one reader, filled in after the page cache (which keeps one copy of
//! a page for everyone, see `page_cache`): the colour theme they chose, the invitation to
//! subscribe at the top of the daily page, and "New" on the papers added since their previous
//! visit. Each is a placeholder in the cached page — a comment starting with `<`, which no
//! escaped user text can contain — replaced here per request, so all of it works without
//! JavaScript and is right on the first paint.
//!
//! The choices live in cookies (`pb_theme`, `pb_invite`), set by two small forms
//! ([`routes`]); visit times live on the user's row, written at most every [`SEEN_EVERY`].

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use paperboy_store::{SubscriberStatus, User};
use serde::Deserialize;

use crate::auth::{cookie, secure_flag, Viewer};
use crate::error::PageError;
use crate::kit::{blocking, local_path, redirect_local, CsrfForm};
use crate::pages::account::with_cookie;
use crate::{AppError, AppState};

/// The reader's theme: absent means "follow the system" (`prefers-color-scheme`).
pub const THEME_COOKIE: &str = "pb_theme";
/// Present when the reader dismissed the invitation to subscribe.
pub const INVITE_COOKIE: &str = "pb_invite";
/// Replaced by the theme switcher.
pub const THEME_PLACEHOLDER: &str = "<!--paperboy-theme-->";
/// Replaced by the invitation to subscribe (or "you are subscribed").
pub const INVITE_PLACEHOLDER: &str = "<!--paperboy-subscribe-invite-->";
/// Followed by a day (`YYYY-MM-DD`) and `-->`: replaced by a "New" badge when the day is after
/// the reader's previous visit, else removed.
pub const NEW_MARK: &str = "<!--paperboy-new:";
/// How every page starts (`layout.html`); a chosen theme is set on this element.
const DOCUMENT_START: &str = "<!doctype html>\n<html lang=\"en\">";
/// How long the choices are kept.
const COOKIE_SECONDS: u32 = 365 * 86_400;
/// A visit's time is written at most this often per user (not a write per request).
const SEEN_EVERY: chrono::Duration = chrono::Duration::minutes(5);
/// A pause this long between requests ends a visit.
const VISIT_GAP: chrono::Duration = chrono::Duration::minutes(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Auto,
    Light,
    Dark,
}

impl Theme {
    fn parse(value: &str) -> Option<Theme> {
        match value {
            "auto" => Some(Theme::Auto),
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    fn from_cookies(headers: &HeaderMap) -> Theme {
        cookie(headers, THEME_COOKIE)
            .and_then(Theme::parse)
            .unwrap_or(Theme::Auto)
    }
}

/// What the invitation to subscribe says to this reader.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Invite {
    /// Dismissed, or digests are not set up here.
    Hidden,
    /// A confirmed subscription for the signed-in reader's address.
    Subscribed {
        email: String,
    },
    Asking,
}

/// One reader's side of a page, read from the request before it is answered.
pub struct Reader {
    theme: Theme,
    dismissed_invite: bool,
    /// Where the forms return to: the page asked for.
    here: String,
    /// Papers added on later days are new to this reader (signed in, with a previous visit).
    new_after: Option<NaiveDate>,
}

impl Reader {
    pub fn new(headers: &HeaderMap, path_and_query: &str, previous_visit: Option<DateTime<Utc>>) -> Reader {
        Reader {
            theme: Theme::from_cookies(headers),
            dismissed_invite: cookie(headers, INVITE_COOKIE).is_some(),
            here: local_path(path_and_query).unwrap_or("/").to_string(),
            new_after: previous_visit.map(|at| at.date_naive()),
        }
    }
}

#[derive(Template)]
#[template(path = "theme_switch.html")]
struct ThemeSwitch<'a> {
    theme: Theme,
    here: &'a str,
}

#[derive(Template)]
#[template(path = "subscribe_invite.html")]
struct SubscribeInvite<'a> {
    subscribed: Option<&'a str>,
    here: &'a str,
}

const NEW_BADGE: &str =
    "<strong class=\"new\">New<span class=\"visually-hidden\"> since your last visit</span></strong>";

/// `html` for this reader (the CSRF placeholders in what is added are filled afterwards).
pub async fn fill(html: String, reader: &Reader, viewer: &Viewer, state: &AppState) -> Result<String, AppError> {
    let mut html = match (reader.theme, html.strip_prefix(DOCUMENT_START)) {
        (Theme::Light | Theme::Dark, Some(rest)) => {
            let name = if reader.theme == Theme::Dark { "dark" } else { "light" };
            format!("<!doctype html>\n<html lang=\"en\" data-theme=\"{name}\">{rest}")
        }
        _ => html,
    };
    if html.contains(THEME_PLACEHOLDER) {
        let switch = render(&ThemeSwitch {
            theme: reader.theme,
            here: &reader.here,
        })?;
        html = html.replace(THEME_PLACEHOLDER, &switch);
    }
    if html.contains(INVITE_PLACEHOLDER) {
        let invite = match invite(reader, viewer, state).await? {
            Invite::Hidden => String::new(),
            Invite::Subscribed { email } => render(&SubscribeInvite {
                subscribed: Some(&email),
                here: &reader.here,
            })?,
            Invite::Asking => render(&SubscribeInvite {
                subscribed: None,
                here: &reader.here,
            })?,
        };
        html = html.replace(INVITE_PLACEHOLDER, &invite);
    }
    if html.contains(NEW_MARK) {
        html = mark_new(&html, reader.new_after);
    }
    Ok(html)
}

fn render(template: &impl Template) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Internal(format!("rendering a page: {e}")))
}

async fn invite(reader: &Reader, viewer: &Viewer, state: &AppState) -> Result<Invite, AppError> {
    let Some(site) = state.digests.clone().filter(|_| !reader.dismissed_invite) else {
        return Ok(Invite::Hidden);
    };
    let Some(user) = viewer.user.as_ref().filter(|u| u.email_verified) else {
        return Ok(Invite::Asking);
    };
    let email = user.email.clone();
    let found = blocking(move || site.subscribers.subscriber_by_email(&email)).await?;
    Ok(match found {
        Some(s) if s.status == SubscriberStatus::Active => Invite::Subscribed { email: s.email },
        _ => Invite::Asking,
    })
}

/// Replaces each [`NEW_MARK`] with a badge when its day is after `after`, else with nothing.
fn mark_new(html: &str, after: Option<NaiveDate>) -> String {
    replace_marks(html, NEW_MARK, |raw| {
        let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
        match (day, after) {
            (Some(day), Some(after)) if day > after => NEW_BADGE.to_string(),
            _ => String::new(),
        }
    })
}

/// `html` with each mark — `open`, a value, then `-->` — replaced by what `fill` makes of its
/// value: the one loop behind every per-viewer mark (the "New" badge, the library's Save
/// buttons, For you's Follow and Save-this-search buttons). A mark cut short is dropped with
/// everything after it: a template that wrote it is broken, and no half-mark is shown.
pub(crate) fn replace_marks(html: &str, open: &str, mut fill: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(html.len() + 1024);
    let mut rest = html;
    while let Some(at) = rest.find(open) {
        out.push_str(&rest[..at]);
        let tail = &rest[at + open.len()..];
        let Some(end) = tail.find("-->") else {
            return out;
        };
        out.push_str(&fill(&tail[..end]));
        rest = &tail[end + 3..];
    }
    out.push_str(rest);
    out
}

/// Whether a request from `user` at `now` is recorded, and if so whether it starts a new visit.
fn visit_update(last_seen: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<bool> {
    match last_seen {
        None => Some(false),
        Some(at) if now - at < SEEN_EVERY => None,
        Some(at) => Some(now - at >= VISIT_GAP),
    }
}

/// Records that `user` is here (at most every [`SEEN_EVERY`]) and returns when their previous
/// visit ended. A failed write only costs the markers' accuracy: it is logged, not shown.
pub async fn visit(state: &AppState, user: &User, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let Some(new_visit) = visit_update(user.last_seen_at, now) else {
        return user.previous_seen_at;
    };
    let (id, before) = (user.id, user.last_seen_at);
    match state
        .with_store(move |s| s.record_visit(id, before, now, new_visit))
        .await
    {
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, user = id, "recording a visit failed"),
    }
    if new_visit {
        before
    } else {
        user.previous_seen_at
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/theme", post(choose_theme))
        .route("/subscribe/dismiss", post(dismiss_invite))
}

#[derive(Deserialize)]
struct ThemeForm {
    theme: String,
    #[serde(default)]
    next: String,
}

/// `POST /theme`: keeps the chosen theme in a cookie and returns to the page.
async fn choose_theme(
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<ThemeForm>,
) -> Result<Response, PageError> {
    let theme = Theme::parse(&form.theme).ok_or_else(|| {
        AppError::BadRequest(format!(
            "{:?} is not a theme; expected auto, light or dark",
            form.theme.chars().take(20).collect::<String>()
        ))
    })?;
    let cookie = match theme {
        Theme::Auto => format!(
            "{THEME_COOKIE}=; Path=/; SameSite=Lax; Max-Age=0{}",
            secure_flag(&state)
        ),
        Theme::Light | Theme::Dark => format!(
            "{THEME_COOKIE}={}; Path=/; SameSite=Lax; Max-Age={COOKIE_SECONDS}{}",
            form.theme,
            secure_flag(&state)
        ),
    };
    Ok(with_cookie(redirect_local(&form.next, "/"), &cookie))
}

#[derive(Deserialize)]
struct DismissForm {
    #[serde(default)]
    next: String,
}

/// `POST /subscribe/dismiss`: no more invitations to subscribe in this browser.
async fn dismiss_invite(State(state): State<AppState>, CsrfForm(form): CsrfForm<DismissForm>) -> Response {
    let cookie = format!(
        "{INVITE_COOKIE}=dismissed; Path=/; SameSite=Lax; Max-Age={COOKIE_SECONDS}{}",
        secure_flag(&state)
    );
    with_cookie(redirect_local(&form.next, "/"), &cookie)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn only_days_after_the_previous_visit_are_marked() {
        let html = "a<!--paperboy-new:2026-05-01-->b<!--paperboy-new:2026-05-02-->c<!--paperboy-new:nonsense-->d";
        let marked = mark_new(html, Some(day("2026-05-01")));
        assert_eq!(marked, format!("ab{NEW_BADGE}cd"));
        assert_eq!(mark_new(html, None), "abcd", "no previous visit: nothing is new");
        assert_eq!(
            mark_new("x<!--paperboy-new:2026", Some(day("2000-01-01"))),
            "x",
            "a cut mark is dropped"
        );
    }

    #[test]
    fn visits_are_written_seldom_and_end_after_a_pause() {
        let t0 = DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(visit_update(None, t0), Some(false), "the first request is recorded");
        assert_eq!(visit_update(Some(t0), t0 + chrono::Duration::minutes(1)), None);
        assert_eq!(visit_update(Some(t0), t0 + chrono::Duration::minutes(6)), Some(false));
        assert_eq!(visit_update(Some(t0), t0 + chrono::Duration::hours(2)), Some(true));
    }
}
