//! A cache of the busiest pages (`/`, days, weeks, months, trending), rendered once and served
//! many times; and, as a separate cache (so that many distinct queries never push the front
//! page out), of search result pages, since popular queries repeat.
//!
//! A cached page is the HTML before personalisation (the account bar and CSRF tokens are filled
//! in afterwards by `auth::identify`), so one copy serves every visitor. It is used while
//! - the store's `change_seq` is unchanged (an ingest, from this process or another, moves it;
//!   checked at most every [`SEQ_CHECK`]),
//! - no state-changing request (a vote, a comment, a submission) succeeded in this process
//!   since it was rendered, and
//! - it is younger than [`MAX_AGE`], which bounds staleness from what the sequence number does
//!   not cover (papers embedded since, for semantic search) and day roll-over on `/`.
//!
//! Votes, comments and submissions move `change_seq` too, so what another instance sharing a
//! PostgreSQL database changes shows here within [`SEQ_CHECK`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{export, AppState};

/// How long a cached page may be served at most.
pub const MAX_AGE: Duration = Duration::from_secs(10);
/// How often the store's change sequence is read.
const SEQ_CHECK: Duration = Duration::from_millis(250);
/// Distinct URLs kept (query strings make many); past this the cache starts afresh.
const MAX_ENTRIES: usize = 1024;
/// Bodies larger than this are not cached.
const MAX_BODY: usize = 4 * 1024 * 1024;

struct Entry {
    seq: i64,
    generation: u64,
    rendered: Instant,
    content_type: HeaderValue,
    body: Bytes,
}

pub struct PageCache {
    entries: Mutex<HashMap<String, Entry>>,
    /// One render at a time per URL: when a page expires under load, the other requests for it
    /// wait for that render instead of all rendering it at once (a thundering herd).
    renders: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Bumped by every successful state-changing request.
    generation: AtomicU64,
    seq: AtomicI64,
    seq_checked: Mutex<Option<Instant>>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

impl Default for PageCache {
    fn default() -> PageCache {
        PageCache {
            entries: Mutex::new(HashMap::new()),
            renders: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            seq: AtomicI64::new(i64::MIN),
            seq_checked: Mutex::new(None),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }
}

impl PageCache {
    /// Something changed that pages show (called after successful POST/DELETE requests).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The cached body of `key`, when still valid for `seq` and `generation`.
    fn lookup(&self, key: &str, seq: i64, generation: u64) -> Option<(HeaderValue, Bytes)> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get(key)?;
        (entry.seq == seq && entry.generation == generation && entry.rendered.elapsed() < MAX_AGE)
            .then(|| (entry.content_type.clone(), entry.body.clone()))
    }

    fn render_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut renders = self.renders.lock().unwrap_or_else(|p| p.into_inner());
        if renders.len() >= MAX_ENTRIES {
            renders.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        Arc::clone(renders.entry(key.to_string()).or_default())
    }

    async fn current_seq(&self, state: &AppState) -> i64 {
        let due = {
            let mut checked = self.seq_checked.lock().unwrap_or_else(|p| p.into_inner());
            let due = checked.is_none_or(|at| at.elapsed() >= SEQ_CHECK);
            if due {
                *checked = Some(Instant::now());
            }
            due
        };
        if due {
            if let Ok(seq) = state.with_store(|s| s.change_seq()).await {
                self.seq.store(seq, Ordering::SeqCst);
            }
        }
        self.seq.load(Ordering::SeqCst)
    }
}

/// A cache and the app it serves, as the middleware's state.
#[derive(Clone)]
pub struct Scope {
    pub app: AppState,
    pub cache: Arc<PageCache>,
}

/// `routes` served through `cache`.
pub fn layer(routes: axum::Router<AppState>, app: &AppState, cache: &Arc<PageCache>) -> axum::Router<AppState> {
    let scope = Scope {
        app: app.clone(),
        cache: Arc::clone(cache),
    };
    routes.route_layer(axum::middleware::from_fn_with_state(scope, cached))
}

/// Serves cacheable GET pages from the scope's cache, filling it on a miss.
pub async fn cached(State(scope): State<Scope>, request: Request, next: Next) -> Response {
    // Exports share their pages' URLs (`Accept`), and answer with headers of their own.
    if request.method() != Method::GET || export::asks_for_export(request.uri().query(), request.headers()) {
        return next.run(request).await;
    }
    let Scope { app: state, cache } = scope;
    let key = request.uri().to_string();
    let seq = cache.current_seq(&state).await;
    let generation = cache.generation.load(Ordering::SeqCst);
    if let Some((content_type, body)) = cache.lookup(&key, seq, generation) {
        cache.hits.fetch_add(1, Ordering::Relaxed);
        return ([(header::CONTENT_TYPE, content_type)], body).into_response();
    }
    let lock = cache.render_lock(&key);
    let _rendering = lock.lock().await;
    // Rendered by the request this one waited for?
    if let Some((content_type, body)) = cache.lookup(&key, seq, generation) {
        cache.hits.fetch_add(1, Ordering::Relaxed);
        return ([(header::CONTENT_TYPE, content_type)], body).into_response();
    }
    cache.misses.fetch_add(1, Ordering::Relaxed);
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the page was too large").into_response();
    };
    if let Some(content_type) = parts.headers.get(header::CONTENT_TYPE).cloned() {
        let mut entries = cache.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                seq,
                generation,
                rendered: Instant::now(),
                content_type,
                body: bytes.clone(),
            },
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}
