//! paperboy's web app: server-rendered HTML pages that work without JavaScript, and the JSON
//! API. Handlers are thin: they parse the request, ask the store (on a blocking thread — the
//! store is synchronous), and render a view.

use std::sync::Arc;

use axum::routing::{delete, get, post};
use axum::Router;
use paperboy_accounts::{Limits, RateLimiter};
use paperboy_domain::ArxivId;
use paperboy_search::{SearchError, SearchHit, SearchRequest, SearchResponse, Searcher};
use paperboy_store::{Backend, PaperStore, PaperStore as BrowseStore, RateLimitStore, Store, StoreError};

mod api;
mod api_community;
mod assets;
pub mod auth;
mod community;
mod error;
mod feeds;
mod markdown;
mod math;
mod metrics;
mod page_cache;
mod pages;
mod params;
mod period;
mod trending;
mod view;

pub use community::{CommunitySettings, CommunitySite};
pub use error::AppError;
pub use pages::digest::DigestSite;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The same store, seen through its browsing queries.
    pub browse: Arc<dyn BrowseStore>,
    pub searcher: Arc<Searcher>,
    /// Request counts and latencies for `/metrics`.
    pub(crate) metrics: Arc<metrics::Metrics>,
    /// Email digest subscriptions; `None` when mail is not configured.
    pub digests: Option<Arc<DigestSite>>,
    /// Accounts, votes, comments, submissions.
    pub community: Arc<CommunitySite>,
    /// Rendered busy pages (see `page_cache`).
    pub(crate) pages: Arc<page_cache::PageCache>,
    /// Rendered search result pages, apart from `pages`.
    pub(crate) searches: Arc<page_cache::PageCache>,
}

impl AppState {
    pub fn new(store: Arc<dyn Backend>, searcher: Arc<Searcher>) -> AppState {
        AppState {
            store: store.clone(),
            browse: store.clone(),
            searcher,
            metrics: Arc::default(),
            digests: None,
            pages: Arc::default(),
            searches: Arc::default(),
            community: Arc::new(CommunitySite {
                store,
                limiter: RateLimiter::new(Limits::default()),
                shared_limits: None,
                settings: CommunitySettings::default(),
            }),
        }
    }

    /// Replaces the community settings and rate limits.
    pub fn with_community(mut self, settings: CommunitySettings, limits: Limits) -> AppState {
        let store = Arc::clone(&self.community.store);
        let shared_limits = self.community.shared_limits.clone();
        self.community = Arc::new(CommunitySite {
            store,
            limiter: RateLimiter::new(limits),
            shared_limits,
            settings,
        });
        self
    }

    /// Counts rate limits in the database, for every instance on it together (with one
    /// process, counting in memory is the same and cheaper).
    pub fn with_shared_rate_limits(mut self, counters: Arc<dyn RateLimitStore>) -> AppState {
        let current = &self.community;
        self.community = Arc::new(CommunitySite {
            store: Arc::clone(&current.store),
            limiter: RateLimiter::new(*current.limiter.limits()),
            shared_limits: Some(counters),
            settings: current.settings.clone(),
        });
        self
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

    /// Papers like `id` (for "similar papers"), on a blocking thread.
    pub(crate) async fn similar(&self, id: ArxivId, limit: usize) -> Result<Vec<SearchHit>, SearchError> {
        let (store, searcher) = (Arc::clone(&self.store), Arc::clone(&self.searcher));
        tokio::task::spawn_blocking(move || searcher.similar(store.as_ref(), &id, limit))
            .await
            .unwrap_or_else(|e| {
                Err(SearchError::Index {
                    path: "similar-papers task".into(),
                    message: e.to_string(),
                })
            })
    }

    /// Runs a browsing query on a blocking thread.
    pub(crate) async fn with_browse<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn BrowseStore) -> Result<T, StoreError> + Send + 'static,
    {
        let browse = Arc::clone(&self.browse);
        let joined = tokio::task::spawn_blocking(move || f(browse.as_ref())).await;
        match joined {
            Ok(result) => result.map_err(AppError::from),
            Err(e) => Err(AppError::Internal(format!("a store task failed: {e}"))),
        }
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
    // The busiest pages, the same for every visitor until something changes: cached.
    let cached = Router::new()
        .route("/", get(pages::daily::today))
        .route("/date/{day}", get(pages::daily::on_day))
        .route("/trending", get(pages::trending::show))
        .route("/week/{week}", get(pages::period::week))
        .route("/month/{month}", get(pages::period::month));
    let cached = page_cache::layer(cached, &state, &state.pages);
    // Popular queries repeat; a cache of their pages of its own.
    let searches = Router::new().route("/search", get(pages::search::results));
    let searches = page_cache::layer(searches, &state, &state.searches);
    Router::new()
        .merge(cached)
        .merge(searches)
        .route("/papers/{*id}", get(pages::paper::show).post(pages::paper::act))
        .route("/u/{name}", get(pages::profile::show))
        .route("/authors/{name}", get(pages::author::show))
        .route("/feeds/daily.atom", get(feeds::daily))
        .route("/feeds/trending.atom", get(feeds::trending))
        .route("/feeds/search.atom", get(feeds::search))
        .route("/healthz", get(api::health))
        .route("/metrics", get(metrics::show))
        .route("/static/{file}", get(assets::serve))
        .merge(api_routes())
        .merge(pages::digest::routes())
        .merge(pages::account::routes())
        .merge(pages::community::routes())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::identify))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .with_state(state)
}

/// The JSON API's routes, each documented in `openapi.json` (a test holds them together).
fn api_routes() -> Router<AppState> {
    API_ROUTES
        .iter()
        .fold(Router::new(), |router, (path, route)| router.route(path, route()))
}

type ApiRoute = fn() -> axum::routing::MethodRouter<AppState>;

const API_ROUTES: &[(&str, ApiRoute)] = &[
    ("/api/papers/search", || get(api::search)),
    ("/api/papers/{*id}", || {
        get(api_community::paper_get)
            .post(api_community::paper_post)
            .delete(api_community::paper_delete)
    }),
    ("/api/comments/{id}", || delete(api_community::comment_delete)),
    ("/api/votes", || get(api_community::votes_get)),
    ("/api/daily/{date}/submissions", || post(api_community::submission_post)),
    ("/api/daily_papers", || get(api::daily_papers)),
    ("/api/trending", || get(api::trending)),
    ("/api/openapi.json", || get(api::openapi)),
];

/// Paths served by the `/api/papers/{*id}` catch-all (ids may contain `/`), by suffix.
const PAPER_SUBRESOURCES: &[&str] = &["/api/papers/{id}/upvote", "/api/papers/{id}/comments"];

/// The paths of the JSON API as the router matches them (`{*id}` for a catch-all segment),
/// and the sub-resources the paper catch-all serves.
pub fn api_paths() -> impl Iterator<Item = &'static str> {
    API_ROUTES
        .iter()
        .map(|(path, _)| *path)
        .chain(PAPER_SUBRESOURCES.iter().copied())
}

/// Serves the site on `listener` until Ctrl-C or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
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
