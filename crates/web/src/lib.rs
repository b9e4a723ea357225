//! paperboy's web app: server-rendered HTML pages that work without JavaScript, and the JSON
//! API. Handlers are thin: they parse the request, ask the store (on a blocking thread — the
//! store is synchronous), and render a view.

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use paperboy_search::{SearchError, SearchRequest, SearchResponse, Searcher};
use paperboy_store::{PaperStore, StoreError};

mod api;
mod assets;
mod error;
mod pages;
mod params;
mod view;

pub use error::AppError;
pub use pages::digest::DigestSite;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn PaperStore>,
    pub searcher: Arc<Searcher>,
    /// Email digest subscriptions; `None` when mail is not configured.
    pub digests: Option<Arc<DigestSite>>,
}

impl AppState {
    pub fn new(store: Arc<dyn PaperStore>, searcher: Arc<Searcher>) -> AppState {
        AppState {
            store,
            searcher,
            digests: None,
        }
    }

    /// Enables the subscription pages.
    pub fn with_digests(mut self, site: DigestSite) -> AppState {
        self.digests = Some(Arc::new(site));
        self
    }

    /// Runs a search on a blocking thread (ranking is CPU work).
    pub(crate) async fn search(&self, request: SearchRequest) -> Result<SearchResponse, SearchError> {
        let (store, searcher) = (Arc::clone(&self.store), Arc::clone(&self.searcher));
        tokio::task::spawn_blocking(move || searcher.search(store.as_ref(), &request))
            .await
            .unwrap_or_else(|e| {
                Err(SearchError::Index {
                    path: "search task".into(),
                    message: e.to_string(),
                })
            })
    }

    /// Runs a store call on a blocking thread.
    pub(crate) async fn with_store<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn PaperStore) -> Result<T, StoreError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        let joined = tokio::task::spawn_blocking(move || f(store.as_ref())).await;
        match joined {
            Ok(result) => result.map_err(AppError::from),
            Err(e) => Err(AppError::Internal(format!("a store task failed: {e}"))),
        }
    }
}

/// All routes of the site.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::daily::today))
        .route("/date/{day}", get(pages::daily::on_day))
        .route("/papers/{*id}", get(pages::paper::show))
        .route("/search", get(pages::search::results))
        .route("/api/papers/search", get(api::search))
        .route("/api/papers/{*id}", get(api::paper))
        .route("/api/daily_papers", get(api::daily_papers))
        .route("/healthz", get(api::health))
        .route("/static/{file}", get(assets::serve))
        .merge(pages::digest::routes())
        .fallback(pages::not_found)
        .with_state(state)
}

/// Serves the site on `listener` until Ctrl-C or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
