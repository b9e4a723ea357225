//! How the community side (accounts, votes, comments, submissions) behaves: the `[community]`
//! settings, resolved by the binary.

/// Defaults suit a public site.
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
    /// The site's public address, for links in mail (`https://papers.example.org`).
    pub base_url: String,
    /// The public address as configured (`PAPERBOY_BASE_URL`), for absolute links in feeds;
    /// `None`: feeds link to the host the request named.
    pub public_url: Option<String>,
}

impl Default for CommunitySettings {
    fn default() -> CommunitySettings {
        CommunitySettings {
            daily_submission_limit: 5,
            secure_cookies: false,
            trust_forwarded_for: false,
            log_account_links: false,
            base_url: "http://127.0.0.1:8080".into(),
            public_url: None,
        }
    }
}
