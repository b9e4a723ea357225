//! The community side's settings and shared parts: accounts store, rate limiter, mail for
//! account links, and where missing papers are fetched from.

use std::sync::Arc;

use paperboy_accounts::{Action, RateLimiter};
use paperboy_store::{Backend as CommunityStore, RateLimitStore};

use crate::auth::Viewer;
use crate::AppError;

/// How the community side behaves; defaults suit a public site.
#[derive(Debug, Clone)]
pub struct CommunitySettings {
    /// Papers one account may submit to one day's list.
    pub daily_submission_limit: u32,
    /// Mark cookies `Secure` (the site is served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// Without a mail server, write password-reset and verification links to the log
    /// (for a single-admin instance; never on a public site, since anyone could request one).
    pub log_account_links: bool,
    /// The arXiv API used to fetch a submitted paper that is not stored yet.
    pub arxiv_api: String,
    /// The site's public address, for links in mail (`https://papers.example.org`).
    pub base_url: String,
}

impl Default for CommunitySettings {
    fn default() -> CommunitySettings {
        CommunitySettings {
            daily_submission_limit: 5,
            secure_cookies: false,
            trust_forwarded_for: false,
            log_account_links: false,
            arxiv_api: "https://export.arxiv.org/api/query".into(),
            base_url: "http://127.0.0.1:8080".into(),
        }
    }
}

pub struct CommunitySite {
    pub store: Arc<dyn CommunityStore>,
    /// The limits, and the counts when this process is the only one.
    pub limiter: RateLimiter,
    /// Counts shared by every instance on one database; when set, `limiter` only gives limits.
    pub shared_limits: Option<Arc<dyn RateLimitStore>>,
    pub settings: CommunitySettings,
}

impl CommunitySite {
    /// Counts one `action` against every key given (client address, account); 429 when any
    /// is over its limit.
    pub async fn limit(&self, action: Action, keys: &[&str]) -> Result<(), AppError> {
        let Some(shared) = &self.shared_limits else {
            for key in keys {
                self.limiter
                    .check(action, key)
                    .map_err(|r| AppError::TooManyRequests { retry_after: r.0 })?;
            }
            return Ok(());
        };
        let (max, window) = self.limiter.limits().of(action);
        let buckets: Vec<String> = keys.iter().map(|key| format!("{}:{key}", action.as_str())).collect();
        let shared = Arc::clone(shared);
        let counted = tokio::task::spawn_blocking(move || {
            buckets
                .iter()
                .map(|bucket| shared.count_event(bucket, window))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| AppError::Internal(format!("rate limit check: {e}")))??;
        match counted
            .iter()
            .filter(|(count, _)| *count > max)
            .map(|(_, left)| *left)
            .max()
        {
            Some(left) => Err(AppError::TooManyRequests {
                retry_after: left.as_secs_f64().ceil().max(1.0) as u64,
            }),
            None => Ok(()),
        }
    }

    /// Rate-limits an action of a signed-in viewer by account (accounts themselves are
    /// limited per address when created, and a lab behind one NAT address shares it).
    pub async fn limit_viewer(&self, action: Action, viewer: &Viewer) -> Result<(), AppError> {
        let account = viewer.require_user()?.id.to_string();
        self.limit(action, &[&format!("user:{account}")]).await
    }
}
