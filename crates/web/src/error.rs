//! One mapping from errors to HTTP: status, and a page or JSON body with a message a person
//! can act on. Store failures are logged in full and shown as a generic 500.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use paperboy_store::StoreError;

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl From<paperboy_search::SearchError> for AppError {
    fn from(e: paperboy_search::SearchError) -> AppError {
        use paperboy_search::SearchError as E;
        match e {
            E::Query(_) | E::EmptyRange { .. } => AppError::BadRequest(e.to_string()),
            E::Index { .. } | E::Store(_) | E::Embedding(_) => AppError::Internal(e.to_string()),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the visitor is told; internal details stay in the log.
    fn public_message(&self) -> String {
        match self {
            AppError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "Something went wrong on our side. Please try again.".into()
            }
            other => other.to_string(),
        }
    }
}

/// An error rendered as an HTML page (for the site's pages).
#[derive(Debug)]
pub struct PageError(pub AppError);

/// An error rendered as JSON `{"status": 404, "error": "…"}` (for the API).
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    reason: &'static str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let page = ErrorPage {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("Error"),
            message: self.0.public_message(),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, page.message).into_response(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = serde_json::json!({ "status": status.as_u16(), "error": self.0.public_message() });
        (status, Json(body)).into_response()
    }
}
