//! One mapping from errors to HTTP: status, and a page or JSON body with a message a person
//! can act on. Store failures are logged in full and shown as a generic 500, except a store
//! that is out of reach for now (its database restarting): 503 with `Retry-After`, so that
//! people and clients try again rather than report a bug.

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
    /// Not signed in (pages redirect to sign-in; the API answers 401).
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but not allowed; or a request that failed its CSRF check.
    #[error("{0}")]
    Forbidden(String),
    /// The request contradicts what is stored (a name already taken, a duplicate submission).
    #[error("{0}")]
    Conflict(String),
    /// Rate-limited: try again after this many seconds.
    #[error("Too many requests; please try again in {retry_after} seconds.")]
    TooManyRequests { retry_after: u64 },
    #[error("{0}")]
    Internal(String),
    /// A service this site asked on the request's behalf (arXiv's API) failed: 502, worth
    /// retrying later.
    #[error("{0}")]
    BadGateway(String),
    /// The store is out of reach for now (its database is down or restarting); the detail is
    /// logged, the visitor is asked to come back.
    #[error("{0}")]
    Unavailable(String),
    /// An error answered by the framework before a handler ran (a body too large, a method the
    /// path does not take, a path parameter that does not parse), restated in the app's format.
    #[error("{message}")]
    Refused { status: StatusCode, message: String },
}

/// How long a client is asked to wait when the store is out of reach: a database restart
/// takes seconds.
const RETRY_UNAVAILABLE_AFTER_SECONDS: u64 = 5;

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        if e.is_unavailable() {
            AppError::Unavailable(e.to_string())
        } else {
            AppError::Internal(e.to_string())
        }
    }
}

impl From<paperboy_search::SearchError> for AppError {
    fn from(e: paperboy_search::SearchError) -> AppError {
        use paperboy_search::SearchError as E;
        match e {
            E::Query(_) | E::EmptyRange { .. } => AppError::BadRequest(e.to_string()),
            E::Store(store) => store.into(),
            E::Index { .. } | E::Embedding(_) => AppError::Internal(e.to_string()),
        }
    }
}

impl From<paperboy_foryou::ForYouError> for AppError {
    fn from(e: paperboy_foryou::ForYouError) -> AppError {
        use paperboy_foryou::ForYouError as E;
        match e {
            E::Store(e) => e.into(),
            E::Search(e) => e.into(),
            E::Fit(_) | E::Rank(_) => AppError::Internal(e.to_string()),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Refused { status, .. } => *status,
        }
    }

    /// `Retry-After` for a rate-limited request, and while the store is out of reach.
    fn retry_after(&self) -> Option<(axum::http::HeaderName, String)> {
        let seconds = match self {
            AppError::TooManyRequests { retry_after } => *retry_after,
            AppError::Unavailable(_) => RETRY_UNAVAILABLE_AFTER_SECONDS,
            _ => return None,
        };
        Some((axum::http::header::RETRY_AFTER, seconds.to_string()))
    }

    /// What the visitor is told; internal details stay in the log.
    fn public_message(&self) -> String {
        match self {
            AppError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "Something went wrong on our side. Please try again.".into()
            }
            AppError::Unavailable(detail) => {
                tracing::warn!(%detail, "request refused: the store is unavailable");
                format!(
                    "The site's database is not answering at the moment. Please try again in {RETRY_UNAVAILABLE_AFTER_SECONDS} seconds."
                )
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
        let retry_after = self.0.retry_after();
        let page = ErrorPage {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("Error"),
            message: self.0.public_message(),
        };
        let mut response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, page.message).into_response(),
        };
        with_retry_after(&mut response, retry_after);
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let retry_after = self.0.retry_after();
        let body = serde_json::json!({ "status": status.as_u16(), "error": self.0.public_message() });
        let mut response = (status, Json(body)).into_response();
        with_retry_after(&mut response, retry_after);
        response
    }
}

/// Whether errors on `path` are answered as JSON (the API in both its shapes, and the MCP
/// endpoint, whose clients read JSON alone) rather than as pages.
pub(crate) fn answers_in_json(path: &str) -> bool {
    crate::api::is_api_path(path) || path == crate::mcp::PATH
}

/// Longest framework message passed on (axum's rejections quote the input).
const MAX_REFUSAL_CHARS: usize = 300;

/// Middleware: an error answered outside the handlers (axum's rejections: 400 for a path or
/// query that does not parse, 405, 413, 415, …) becomes a page, or JSON under `/api/` and at
/// `/mcp`, like every other error — with the same status and headers (`Allow` on a 405 stays).
/// The framework answers in plain text or with no body; handlers answer with pages (error pages,
/// or a form shown again with its message) or JSON, which pass unchanged.
pub async fn uniform_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let for_api = answers_in_json(request.uri().path());
    let is_upload = request.uri().path() == crate::pages::library::UPLOAD_PATH;
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let in_app_format = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || in_app_format {
        return response;
    }
    let (parts, body) = response.into_parts();
    let said = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let said: String = String::from_utf8_lossy(&said).chars().take(MAX_REFUSAL_CHARS).collect();
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => format!("This address does not take {method} requests."),
        StatusCode::PAYLOAD_TOO_LARGE if is_upload => crate::pages::library::TOO_LARGE.to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => "The request is too large.".to_string(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE if for_api => {
            "Send the request body as JSON (Content-Type: application/json).".to_string()
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Send the form as application/x-www-form-urlencoded.".to_string(),
        _ if !said.trim().is_empty() => format!("{}.", said.trim().trim_end_matches('.')),
        _ => status
            .canonical_reason()
            .unwrap_or("The request was refused")
            .to_string(),
    };
    let error = AppError::Refused { status, message };
    let mut restated = if for_api {
        ApiError(error).into_response()
    } else {
        PageError(error).into_response()
    };
    for (name, value) in parts.headers.iter() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            restated.headers_mut().insert(name.clone(), value.clone());
        }
    }
    restated
}

fn with_retry_after(response: &mut Response, retry_after: Option<(axum::http::HeaderName, String)>) {
    if let Some((name, value)) = retry_after {
        if let Ok(value) = axum::http::HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unavailable() -> AppError {
        StoreError::Unavailable {
            url: "postgres://db/pb".into(),
            reason: "connection refused".into(),
        }
        .into()
    }

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_store_out_of_reach_is_503_with_retry_after_as_a_page_or_as_json() {
        for (response, json) in [
            (PageError(unavailable()).into_response(), false),
            (ApiError(unavailable()).into_response(), true),
        ] {
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            let retry_after = response.headers()[axum::http::header::RETRY_AFTER].to_str().unwrap();
            assert_eq!(retry_after, RETRY_UNAVAILABLE_AFTER_SECONDS.to_string());
            let body = body(response).await;
            assert!(body.contains("database is not answering"), "{body}");
            assert!(!body.contains("postgres://"), "details stay in the log: {body}");
            if json {
                let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(parsed["status"], 503, "{body}");
            } else {
                assert!(body.contains("<html"), "{body}");
            }
        }
        let search: AppError = paperboy_search::SearchError::Store(StoreError::Unavailable {
            url: "postgres://db/pb".into(),
            reason: "connection refused".into(),
        })
        .into();
        assert_eq!(search.status(), StatusCode::SERVICE_UNAVAILABLE);
        let other: AppError = StoreError::Other("a bug".into()).into();
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
