//! What every handler can reach, and the two ways it reaches the blocking parts (the store
//! and the search indexes).

use std::sync::Arc;

use paperboy_accounts::Limits;
use paperboy_domain::ArxivId;
use paperboy_search::{SearchHit, SearchRequest, SearchResponse, Searcher};
use paperboy_store::{Backend, RateLimitStore, StoreError};

use crate::kit::blocking;
use crate::outbox::MailActivity;
use crate::participation::PaperFetcher;
use crate::rate_limits::RateLimits;
use crate::sync_status::SyncActivity;
use crate::{metrics, page_cache, AppError, CommunitySettings, DigestSite};

/// The app: one backend (everything stored), the search indexes, and the site's settings.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Backend>,
    pub searcher: Arc<Searcher>,
    /// Request counts and latencies for `/metrics`.
    pub(crate) metrics: Arc<metrics::Metrics>,
    /// Email digest subscriptions; `None` when mail is not configured.
    pub digests: Option<Arc<DigestSite>>,
    /// How accounts, votes, comments and submissions behave.
    pub settings: Arc<CommunitySettings>,
    pub(crate) limits: Arc<RateLimits>,
    /// The sources that keep the store current, as the binary runs them (`None`: none run
    /// here; `/status` then shows the store's ledger alone).
    pub(crate) sync: Option<Arc<SyncActivity>>,
    /// Where a submitted paper that is not stored yet comes from; `None`: nowhere (only
    /// stored papers can be submitted).
    pub(crate) fetcher: Option<Arc<dyn PaperFetcher>>,
    /// Rendered busy pages (see `page_cache`).
    pub(crate) pages: Arc<page_cache::PageCache>,
    /// Rendered search result pages, apart from `pages`.
    pub(crate) searches: Arc<page_cache::PageCache>,
    /// The mail outbox's worker: its doorbell and what it did.
    pub(crate) mail: Arc<MailActivity>,
    /// Each reader's "For you" model, kept between requests.
    pub(crate) for_you: Arc<paperboy_foryou::Models>,
}

impl AppState {
    pub fn new(store: Arc<dyn Backend>, searcher: Arc<Searcher>) -> AppState {
        AppState {
            store,
            searcher,
            metrics: Arc::default(),
            digests: None,
            settings: Arc::new(CommunitySettings::default()),
            limits: Arc::new(RateLimits::in_memory(Limits::default())),
            fetcher: None,
            sync: None,
            pages: Arc::default(),
            searches: Arc::default(),
            mail: Arc::default(),
            for_you: Arc::default(),
        }
    }

    /// Replaces the community settings and rate limits (keeping counts shared with other
    /// instances, when they are).
    pub fn with_community(mut self, settings: CommunitySettings, limits: Limits) -> AppState {
        self.settings = Arc::new(settings);
        self.limits = Arc::new(self.limits.with_limits(limits));
        self
    }

    /// Counts rate limits in the database, for every instance on it together (with one
    /// process, counting in memory is the same and cheaper).
    pub fn with_shared_rate_limits(mut self, counters: Arc<dyn RateLimitStore>) -> AppState {
        self.limits = Arc::new(self.limits.shared_in(counters));
        self
    }

    /// Enables the subscription pages.
    pub fn with_digests(mut self, site: DigestSite) -> AppState {
        self.digests = Some(Arc::new(site));
        self
    }

    /// Lets submissions name papers that are not stored yet: `fetcher` brings them in.
    pub fn with_paper_fetcher(mut self, fetcher: Arc<dyn PaperFetcher>) -> AppState {
        self.fetcher = Some(fetcher);
        self
    }

    /// Something that cached pages show changed (a vote, a comment, a submission, a moderator's
    /// action): pages rendered before are not served again. Only the writes that change what
    /// the caches hold call this, so requests that change nothing shown (signing out, settings)
    /// cannot be used to empty the caches.
    pub(crate) fn shown_content_changed(&self) {
        self.pages.invalidate();
        self.searches.invalidate();
    }

    /// Shows on `/status` and `/metrics` what the binary's sources do.
    pub fn with_sync(mut self, activity: Arc<SyncActivity>) -> AppState {
        self.sync = Some(activity);
        self
    }

    /// Runs a store call on a blocking thread.
    pub(crate) async fn with_store<T, F>(&self, call: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Backend) -> Result<T, StoreError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        blocking(move || call(store.as_ref())).await
    }

    /// Runs a search on a blocking thread (ranking is CPU work).
    pub(crate) async fn search(&self, request: SearchRequest) -> Result<SearchResponse, AppError> {
        let (store, searcher) = (Arc::clone(&self.store), Arc::clone(&self.searcher));
        blocking(move || searcher.search(store.as_ref(), &request)).await
    }

    /// Papers like `id` (for "similar papers"), on a blocking thread.
    pub(crate) async fn similar(&self, id: ArxivId, limit: usize) -> Result<Vec<SearchHit>, AppError> {
        let (store, searcher) = (Arc::clone(&self.store), Arc::clone(&self.searcher));
        blocking(move || searcher.similar(store.as_ref(), &id, limit)).await
    }
}
