//! Every request body is read whole, up to the limit, before anything answers it. A handler
//! may refuse a request from its headers alone (`SignedIn`, `Admin`, a cross-site `Origin`);
//! if the body were still unread then, the server would have to close the connection, and a
//! client that reuses it for its next request would find it gone. Reading first keeps
//! connections reusable, and makes "too large" one answer in one place.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware: buffers the body of every request that may have one, up to axum's default
/// limit (2 MiB), which the handlers' extractors apply too.
pub async fn read_whole(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match read(body).await {
        Ok(body) => next.run(Request::from_parts(parts, body)).await,
        Err(status) => status.into_response(),
    }
}

/// Reads a body whole (axum's own limit and rejections: 413 past the limit, 400 when the
/// client went away mid-body).
pub async fn read(body: Body) -> Result<Body, StatusCode> {
    use axum::extract::FromRequest;
    match axum::body::Bytes::from_request(Request::new(body), &()).await {
        Ok(bytes) => Ok(Body::from(bytes)),
        Err(rejection) => Err(rejection.status()),
    }
}
