//! The community side's settings and shared parts: accounts store, rate limiter, mail for
//! account links, and where missing papers are fetched from.

use std::sync::Arc;

use paperboy_accounts::{Action, RateLimiter};
use paperboy_store::CommunityStore;

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
    pub limiter: RateLimiter,
    pub settings: CommunitySettings,
}

impl CommunitySite {
    /// Counts one `action` against every key given (client address, account); 429 when any
    /// is over its limit.
    pub fn limit(&self, action: Action, keys: &[&str]) -> Result<(), AppError> {
        for key in keys {
            self.limiter
                .check(action, key)
                .map_err(|r| AppError::TooManyRequests { retry_after: r.0 })?;
        }
        Ok(())
    }

    /// Rate-limits an action of a signed-in viewer by account (accounts themselves are
    /// limited per address when created, and a lab behind one NAT address shares it).
    pub fn limit_viewer(&self, action: Action, viewer: &Viewer) -> Result<(), AppError> {
        let account = viewer.require_user()?.id.to_string();
        self.limit(action, &[&format!("user:{account}")])
    }
}
