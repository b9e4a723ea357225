//! Checks as types: a handler that takes [`SignedIn`], [`Admin`], [`CsrfForm`] or [`ApiUser`]
//! cannot run without the check having passed, so "every state-changing request carries a
//! CSRF token" and "only administrators moderate" hold by construction, not by a call each
//! handler must remember.
//!
//! The viewer itself is resolved once per request by `auth::identify`; these extractors only
//! read it and decide.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use paperboy_store::User;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{ApiError, PageError};
use crate::{params, AppError};

/// The header carrying the CSRF token of a cookie-authenticated API call.
pub const CSRF_HEADER: &str = "x-csrf-token";

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn viewer_of(parts: &Parts) -> Viewer {
    parts
        .extensions
        .get::<Viewer>()
        .cloned()
        .unwrap_or_else(|| Viewer::anonymous("unknown".into()))
}

/// A signed-in account, for pages. Signed out, a page (GET) redirects to sign-in and comes
/// back after it; any other request is answered 401.
pub struct SignedIn(pub User);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<SignedIn, Response> {
        match viewer_of(parts).user {
            Some(user) => Ok(SignedIn(user)),
            None if !changes_state(&parts.method) => {
                let back = super::local_path(parts.uri.path()).unwrap_or("/");
                Err(Redirect::to(&format!("/signin?next={back}")).into_response())
            }
            None => Err(PageError(not_signed_in()).into_response()),
        }
    }
}

/// A signed-in administrator, for pages: 401 signed out, 403 for everyone else.
pub struct Admin(pub User);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Admin, PageError> {
        let user = viewer_of(parts).user.ok_or_else(not_signed_in)?;
        if user.is_admin {
            Ok(Admin(user))
        } else {
            Err(AppError::Forbidden("Only administrators can do that.".into()).into())
        }
    }
}

fn not_signed_in() -> AppError {
    AppError::Unauthorized("Please sign in first.".into())
}

/// A form body (`application/x-www-form-urlencoded`) whose `csrf` field matched the viewer's
/// token; refused with 403 otherwise.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<CsrfForm<T>, PageError> {
        let viewer = request
            .extensions()
            .get::<Viewer>()
            .cloned()
            .unwrap_or_else(|| Viewer::anonymous("unknown".into()));
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|e| AppError::Refused {
                status: e.status(),
                message: format!("The form could not be read: {}.", e.body_text()),
            })?;
        Ok(CsrfForm(checked_form(&viewer, &body)?))
    }
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// Reads a form body after checking its CSRF token, for handlers that must look at the path
/// before they know which form they got (the paper catch-all).
pub fn checked_form<T: DeserializeOwned>(viewer: &Viewer, body: &[u8]) -> Result<T, AppError> {
    let token: CsrfField = params::form(body)?;
    viewer.check_csrf(Some(&token.csrf))?;
    params::form(body)
}

/// The account behind an API call: signed in by an API token, or by the session cookie with
/// the page's CSRF token in `X-CSRF-Token` for calls that change something. 401 signed out,
/// 403 without the token.
pub struct ApiUser(pub User);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ApiUser, ApiError> {
        let viewer = viewer_of(parts);
        let user = viewer.user.clone().ok_or_else(not_signed_in)?;
        if changes_state(&parts.method) {
            let submitted = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            viewer.check_csrf(submitted)?;
        }
        Ok(ApiUser(user))
    }
}
