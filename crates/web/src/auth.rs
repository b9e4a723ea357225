//! Who is asking, and may they change things: sessions, API tokens, CSRF, security headers.
//!
//! One middleware ([`identify`]) runs on every request:
//! - it resolves the viewer from `Authorization: Bearer …` (an API token) or the session cookie,
//!   and puts a [`Viewer`] in the request's extensions for handlers;
//! - it refuses a state-changing request whose `Origin` names another site;
//! - it fills the account bar and CSRF placeholders of HTML pages, so that page handlers and
//!   templates that know nothing of accounts still render per-viewer forms;
//! - it adds the security headers (Content-Security-Policy and friends) to every response.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use paperboy_accounts::{csrf, hash_token, new_token};
use paperboy_store::{TokenKind, User};

use crate::error::{ApiError, PageError};
use crate::reader::{self, Reader};
use crate::{AppError, AppState};

pub const SESSION_COOKIE: &str = "pb_session";
/// The double-submit CSRF cookie of signed-out visitors.
pub const CSRF_COOKIE: &str = "pb_csrf";
/// Replaced in HTML pages by a hidden form field holding the viewer's CSRF token. It starts
/// with `<`, which every piece of user text reaching a page has escaped (titles, abstracts,
/// comments), so no one can plant it in a page to have other viewers' tokens written there.
pub const CSRF_PLACEHOLDER: &str = "<!--paperboy-csrf-->";
/// Replaced in HTML pages by the account links (sign in / the user's name and sign out).
pub const ACCOUNT_PLACEHOLDER: &str = "<!--paperboy-account-->";
/// How long a session lasts without signing in again.
pub const SESSION_DAYS: i64 = 30;

/// No inline scripts or styles anywhere; MathML needs nothing else.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The requester, as handlers see it.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub user: Option<User>,
    /// The token a state-changing form or cookie-authenticated API call must echo.
    pub csrf: String,
    /// Authenticated by an API token: no cookie was involved, so no CSRF check is needed.
    pub by_api_token: bool,
    /// The session token from the cookie (to sign out this session).
    pub session_token: Option<String>,
    /// The client's address, for rate limits.
    pub client: String,
}

impl Viewer {
    /// A signed-out visitor without a CSRF token (nothing they send can pass the check).
    pub fn anonymous(client: String) -> Viewer {
        Viewer {
            user: None,
            csrf: String::new(),
            by_api_token: false,
            session_token: None,
            client,
        }
    }

    /// Checks the CSRF token a form or request carried (`crate::kit`'s extractors call this;
    /// handlers take those instead).
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), AppError> {
        if self.by_api_token || csrf::matches(&self.csrf, submitted.unwrap_or_default()) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "This form has expired or came from another site. Go back, reload the page and try again.".into(),
            ))
        }
    }
}

pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The client address: the peer, or with `trust_forwarded_for` (behind a reverse proxy) the
/// last address the proxy appended to `X-Forwarded-For`.
fn client_address(request: &Request, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        let forwarded = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim().to_string());
        if let Some(address) = forwarded.filter(|a| !a.is_empty()) {
            return address;
        }
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

/// A cross-site state-changing request: refused whatever its cookies (defence in depth on
/// top of the CSRF token and SameSite=Lax).
fn cross_site(request: &Request) -> bool {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let headers = request.headers();
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) else {
        return false;
    };
    let origin = origin.to_str().unwrap_or("null");
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    origin_host != host.to_str().unwrap_or_default()
}

pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let for_api = crate::error::answers_in_json(request.uri().path());
    if cross_site(&request) {
        // Read what was sent, so that the connection stays usable (see `crate::body`).
        let _ = crate::body::read(request.into_body()).await;
        return lookup_failed(
            AppError::Forbidden("Requests from other sites cannot change anything here.".into()),
            for_api,
        );
    }
    let headers = request.headers().clone();
    let client = client_address(&request, state.settings.trust_forwarded_for);
    let mut new_csrf_cookie = None;
    let viewer = if let Some(token) = bearer(&headers) {
        let user = match find(&state, token, TokenKind::Api).await {
            Ok(user) => user,
            Err(failed) => return lookup_failed(failed, for_api),
        };
        Viewer {
            user,
            csrf: String::new(),
            by_api_token: true,
            session_token: None,
            client,
        }
    } else if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        let user = match find(&state, session, TokenKind::Session).await {
            Ok(user) => user,
            Err(failed) => return lookup_failed(failed, for_api),
        };
        match user {
            Some(user) => Viewer {
                user: Some(user),
                csrf: csrf::token_for_session(session),
                by_api_token: false,
                session_token: Some(session.to_string()),
                client,
            },
            None => anonymous(&headers, client, &mut new_csrf_cookie),
        }
    } else {
        anonymous(&headers, client, &mut new_csrf_cookie)
    };
    let here = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
    let previous_visit = match &viewer.user {
        Some(user) if !viewer.by_api_token && *request.method() == Method::GET && is_page(&here) => {
            reader::visit(&state, user, Utc::now()).await
        }
        _ => None,
    };
    let reader = Reader::new(&headers, &here, previous_visit);
    request.extensions_mut().insert(viewer.clone());
    let response = next.run(request).await;
    let mut response = personalise(response, &viewer, &reader, &state).await;
    if let Some(value) = new_csrf_cookie {
        let cookie = format!(
            "{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{}",
            secure_flag(&state)
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    security_headers(response.headers_mut());
    response
}

/// Whether `path` is one of the site's pages (a reader's visit), not its API or its files.
fn is_page(path: &str) -> bool {
    !path.starts_with("/api/") && !path.starts_with("/static/") && !path.starts_with("/feeds/")
}

fn anonymous(headers: &HeaderMap, client: String, new_cookie: &mut Option<String>) -> Viewer {
    // The cookie's value is written into pages: only a token this site could have issued
    // (URL-safe base64) is kept.
    let issued = |v: &&str| v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let csrf = match cookie(headers, CSRF_COOKIE).filter(issued) {
        Some(existing) => existing.to_string(),
        None => {
            let (fresh, _) = new_token();
            *new_cookie = Some(fresh.clone());
            fresh
        }
    };
    Viewer {
        user: None,
        csrf,
        by_api_token: false,
        session_token: None,
        client,
    }
}

/// The user a token stands for; `Err` when the store could not say (not "signed out": a
/// failing database must not look like a wrong password to API clients).
async fn find(state: &AppState, token: &str, kind: TokenKind) -> Result<Option<User>, AppError> {
    let hash = hash_token(token);
    let found = state.with_store(move |s| s.find_token(&hash, kind, Utc::now())).await?;
    Ok(found.map(|(_, user)| user))
}

/// The answer when the request is refused before the viewer is known (a cross-site write, or
/// the store's error while looking the viewer up: 503 while it is out of reach), as a page or
/// as API JSON.
fn lookup_failed(failed: AppError, for_api: bool) -> Response {
    let mut response = if for_api {
        ApiError(failed).into_response()
    } else {
        PageError(failed).into_response()
    };
    security_headers(response.headers_mut());
    response
}

pub fn secure_flag(state: &AppState) -> &'static str {
    if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    }
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(state: &AppState, token: &str) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_DAYS * 86_400,
        secure_flag(state)
    )
}

/// The `Set-Cookie` value that ends one.
pub fn clear_session_cookie(state: &AppState) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        secure_flag(state)
    )
}

/// Fills the placeholders of an HTML page for this viewer.
async fn personalise(response: Response, viewer: &Viewer, reader: &Reader, state: &AppState) -> Response {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024 * 1024).await else {
        return (parts.status, "the page was too large to send").into_response();
    };
    let html = String::from_utf8_lossy(&bytes).into_owned();
    // The reader's parts first: they bring CSRF placeholders of their own.
    let html = match reader::fill(html, reader, viewer, state).await {
        Ok(html) => html,
        Err(failed) => return PageError(failed).into_response(),
    };
    let html = crate::library::fill_save_buttons(state, viewer, &html).await;
    let html = crate::for_you::fill_signal_buttons(state, viewer, &html).await;
    let html = html
        .replace(ACCOUNT_PLACEHOLDER, &account_bar(viewer))
        .replace(CSRF_PLACEHOLDER, &csrf_field(&viewer.csrf));
    parts.headers.remove(header::CONTENT_LENGTH);
    // A personalised page must not be stored by shared caches.
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    Response::from_parts(parts, Body::from(html))
}

/// The hidden form field that carries a CSRF token (tokens are URL-safe: nothing to escape).
fn csrf_field(token: &str) -> String {
    format!("<input type=\"hidden\" name=\"csrf\" value=\"{token}\">")
}

fn account_bar(viewer: &Viewer) -> String {
    match &viewer.user {
        // Names are validated to ASCII letters, digits, '-' and '_': nothing to escape.
        Some(user) => format!(
            "<a href=\"/submit\">Submit</a> <a href=\"/u/{name}\">{name}</a> <a href=\"/settings\">Settings</a>{admin} \
             <form class=\"inline\" method=\"post\" action=\"/signout\">{csrf}\
             <button type=\"submit\" class=\"link\">Sign out</button></form>",
            name = user.name,
            csrf = csrf_field(&viewer.csrf),
            admin = if user.is_admin { " <a href=\"/admin\">Admin</a>" } else { "" },
        ),
        None => "<a href=\"/signin\">Sign in</a> <a href=\"/signup\">Sign up</a>".to_string(),
    }
}

fn security_headers(headers: &mut HeaderMap) {
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        headers.entry(name).or_insert_with(|| HeaderValue::from_static(value));
    };
    set(headers, "content-security-policy", CONTENT_SECURITY_POLICY);
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "same-origin");
    set(headers, "x-frame-options", "DENY");
}

/// The viewer of a request (set by [`identify`]; anonymous when the middleware did not run).
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Viewer, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .unwrap_or_else(|| Viewer::anonymous("unknown".into())))
    }
}
