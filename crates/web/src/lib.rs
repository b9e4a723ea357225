//! paperboy's web app: server-rendered HTML pages that work without JavaScript, and the JSON
//! API. Handlers are thin: they parse the request, ask the store (on a blocking thread — the
//! store is synchronous) and render a view; the rules of what people may do live in
//! `participation`, the checks in `kit`'s extractors.
//!
//! Layout: `state` (what handlers reach), `kit` (how a handler is written: extractors that
//! are the checks, one blocking helper, one render), `auth` (the middleware that resolves the
//! viewer), `participation` (vote, comment, submit), `pages/` and `api/` (the two faces),
//! `mcp` (the JSON API's reads and upvotes as Model Context Protocol tools for AI agents),
//! `view`, `math`, `markdown` (what reaches HTML), `page_cache`, `reader` (per-reader touches
//! filled in after the cache), `pager`, `metrics`, `feeds`, `for_you` (each reader's ranked
//! list, its settings and private feeds), `outbox` (mail: requests queue it, a worker sends it).

use axum::routing::get;
use axum::Router;

mod api;
mod assets;
pub mod auth;
mod body;
mod edge;
mod error;
mod export;
mod feeds;
mod for_you;
mod kit;
pub mod library;
mod markdown;
mod math;
mod mcp;
mod metrics;
pub mod outbox;
mod page_cache;
mod pager;
mod pages;
mod params;
mod participation;
mod period;
mod rate_limits;
mod reader;
mod settings;
mod state;
mod sync_status;
mod trending;
mod view;

pub use edge::{serve_until, EdgeLimits};
pub use error::AppError;
pub use for_you::keep_warm as keep_for_you_warm;
pub use pages::digest::DigestSite;
pub use participation::PaperFetcher;
pub use settings::CommunitySettings;
pub use state::AppState;
pub use sync_status::SyncActivity;

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
        .route("/hf/papers/{*id}", get(api::hf::paper_markdown))
        .route("/u/{name}", get(pages::profile::show))
        .route("/for-you", get(for_you::show::page))
        .route(
            "/for-you/not-interested",
            axum::routing::post(for_you::show::not_interested),
        )
        .route("/feeds/for-you.atom", get(for_you::feed::show))
        .route("/feeds/for-you.json", get(for_you::feed::show))
        .merge(for_you::settings_routes())
        .route("/authors/{name}", get(pages::author::show))
        .route("/feeds/daily.atom", get(feeds::daily))
        .route("/feeds/trending.atom", get(feeds::trending))
        .route("/feeds/search.atom", get(feeds::search))
        .route("/feeds/daily.json", get(feeds::daily))
        .route("/feeds/trending.json", get(feeds::trending))
        .route("/feeds/search.json", get(feeds::search))
        .route("/status", get(pages::status::show))
        .route("/healthz", get(api::papers::health))
        .route("/metrics", get(metrics::show))
        .route("/static/{file}", get(assets::serve))
        .merge(api::routes())
        .merge(mcp::routes())
        .merge(pages::digest::routes())
        .merge(pages::account::routes())
        .merge(pages::participation_routes())
        .merge(reader::routes())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(body::read_whole))
        .layer(axum::middleware::from_fn(error::uniform_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::identify))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .with_state(state)
}

/// The paths of the JSON API as the router matches them (`{*id}` for a catch-all segment),
/// and the sub-resources the paper catch-all serves.
pub fn api_paths() -> impl Iterator<Item = &'static str> {
    api::paths()
}

/// Serves the site on `listener` within the default [`EdgeLimits`] until Ctrl-C or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_with(listener, state, EdgeLimits::default()).await
}

/// Serves the site on `listener` within `limits` until Ctrl-C or SIGTERM.
/// The mail outbox's worker runs alongside (when mail is configured).
pub async fn serve_with(listener: tokio::net::TcpListener, state: AppState, limits: EdgeLimits) -> std::io::Result<()> {
    let worker = outbox::spawn_worker(&state);
    let served = serve_until(listener, router(state), limits, shutdown_signal()).await;
    if let Some(worker) = worker {
        worker.abort();
    }
    served
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
