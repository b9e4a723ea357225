//! The edge: accepting connections and bounding what each may hold. `axum::serve` keeps an
//! idle or half-sent connection open forever and accepts without limit; here every
//! connection gets `header_timeout` to send each request head (hyper starts that clock when
//! a connection waits for a request, so it also ends idle keep-alive connections), every
//! request `request_timeout` for its body and its answer, and at most `max_connections` are
//! served at once (the rest wait in the kernel's backlog).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower_service::Service;

use crate::error::{ApiError, PageError};
use crate::AppError;

/// How long connections and requests may take, and how many connections are served at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeLimits {
    /// To send a request head whole, counted from when the connection waits for one (a new
    /// connection, or an idle one between requests).
    pub header_timeout: Duration,
    /// To read a request's body and answer it (a slower handler is answered 503).
    pub request_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for EdgeLimits {
    fn default() -> EdgeLimits {
        EdgeLimits {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes; then stops
/// accepting, lets each connection finish its request in flight, and returns once all are
/// closed.
pub async fn serve_until(
    listener: TcpListener,
    app: Router,
    limits: EdgeLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let max = limits
        .max_connections
        .clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let permits = Arc::new(Semaphore::new(max));
    let (stopping, stop) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // A connection that failed before it was accepted (reset, or out of file
                // descriptors for a moment): the next one may do better, after a breath.
                Err(error) => {
                    tracing::debug!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let app = app.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                let for_api = crate::api::is_api_path(request.uri().path());
                let answer = app.clone().call(request);
                async move {
                    Ok::<_, Infallible>(match tokio::time::timeout(limits.request_timeout, answer).await {
                        Ok(Ok(response)) => response,
                        Ok(Err(never)) => match never {},
                        Err(_) => too_slow(for_api),
                    })
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            let mut connection = Box::pin(connection);
            let served = tokio::select! {
                served = connection.as_mut() => served,
                () = async { let _ = stop.wait_for(|stopping| *stopping).await; } => {
                    connection.as_mut().graceful_shutdown();
                    connection.as_mut().await
                }
            };
            if let Err(error) = served {
                tracing::debug!(%error, %peer, "connection ended");
            }
            // The socket closes before the next connection may take its place.
            drop(connection);
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    // Every permit back: every connection closed.
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
    Ok(())
}

/// A request that took longer than the request timeout, answered in the app's format.
fn too_slow(for_api: bool) -> Response {
    let error = AppError::Refused {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: "The server took too long to answer this request; please try again.".into(),
    };
    if for_api {
        ApiError(error).into_response()
    } else {
        PageError(error).into_response()
    }
}
