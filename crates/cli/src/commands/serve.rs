use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use paperboy_accounts::Limits;
use paperboy_domain::ArxivId;
use paperboy_ingest::ArxivApi;
use paperboy_store::PaperStore;
use paperboy_web::{AppState, CommunitySettings, PaperFetcher};

use super::{open_full_search, open_store_for_serving};
use crate::config::docs::{flag_help, settings_help};
use crate::config::{settings, Config};

#[derive(clap::Args)]
#[command(after_help = community_help())]
pub struct Args {
    #[arg(long, value_name = "ADDR", value_parser = settings::LISTEN.flag_parser(),
          help = flag_help(&settings::LISTEN.about))]
    listen: Option<SocketAddr>,
}

/// The community side's settings, and the base URL its mail links use, for `serve --help`.
fn community_help() -> String {
    settings_help("Community settings", |about| {
        about.section() == Some("community") || about.key == settings::BASE_URL.about.key
    })
}

/// How often the For you warmer looks whether the store changed (a window is made once the
/// store has held still this long).
const FOR_YOU_WARM_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

pub fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let listen = args.listen.unwrap_or(config.listen);
    let (store, shared_limits) = open_store_for_serving(config)?;
    // Catch up the keyword index before serving (search is right from the first request), then
    // follow the store; papers not embedded yet are embedded in the background.
    let searcher = Arc::new(open_full_search(config, store.as_ref())?);
    if let Some(why) = searcher.semantic_unavailable() {
        println!("semantic search is off ({why}); serving keyword search only");
    }
    let stop = Arc::new(AtomicBool::new(false));
    // Instances sharing a database take turns at embedding by a lease (see `embed_lease`).
    let turn: Box<dyn paperboy_search::EmbedTurn> = match searcher.model_id() {
        Some(model) => Box::new(super::embed_lease::EmbedLease::new(
            store.clone() as Arc<dyn paperboy_store::LeaseStore>,
            model,
        )),
        None => Box::new(paperboy_search::AlwaysEmbed),
    };
    let follower = paperboy_search::follow_store(
        Arc::clone(&searcher),
        store.clone(),
        std::time::Duration::from_secs(2),
        Arc::clone(&stop),
        turn,
    );
    let location = store.location();
    let mut state = AppState::new(store.clone(), searcher.clone());
    let activity = Arc::new(paperboy_web::SyncActivity::new(super::sync_schedule::enabled_sources(
        config,
    )));
    super::sync_schedule::spawn(config, store.clone(), Arc::clone(&activity));
    state = state.with_sync(activity);
    if let Some(site) = super::schedule::digest_site(config, store.clone())? {
        super::schedule::spawn(config, store.clone(), searcher.clone(), &site);
        state = state.with_digests(site);
    }
    // The For you window is made ready ahead of its first reader (detached: it only reads).
    let _ = paperboy_web::keep_for_you_warm(&state, FOR_YOU_WARM_EVERY, Arc::clone(&stop));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener.local_addr()?;
        let mut state = state
            .with_community(community_settings(config, address), Limits::default())
            .with_paper_fetcher(Arc::new(ArxivFetcher(ArxivApi {
                endpoint: config.community.arxiv_api.clone(),
            })));
        if let Some(counters) = shared_limits {
            state = state.with_shared_rate_limits(counters);
        }
        tracing::info!(%address, store = %location, indexes = %config.data_dir.display(), "paperboy is serving");
        println!("paperboy is serving on http://{address}");
        paperboy_web::serve_with(listener, state, config.server)
            .await
            .context("the server failed")
    })?;
    // Let the follower save the vector index before the process ends.
    stop.store(true, Ordering::Relaxed);
    if let Some(follower) = follower {
        let _ = follower.join();
    }
    Ok(ExitCode::SUCCESS)
}

/// Submitted and imported papers come from arXiv's API (the web app only asks for them).
pub(crate) struct ArxivFetcher(pub(crate) ArxivApi);

impl PaperFetcher for ArxivFetcher {
    fn fetch_into(&self, id: &ArxivId, store: &dyn PaperStore) -> Result<(), String> {
        self.0.fetch_into(id, store).map_err(|e| e.to_string())
    }

    fn fetch_many_into(&self, ids: &[ArxivId], store: &dyn PaperStore) -> Result<(), String> {
        self.0.fetch_many_into(ids, store).map_err(|e| e.to_string())
    }
}

/// The community side's settings. Without `PAPERBOY_BASE_URL`, links point at the address
/// served (right for a local instance, and only logged or mailed links use it).
fn community_settings(config: &Config, served_at: SocketAddr) -> CommunitySettings {
    let community = &config.community;
    let base_url = config.mail.base_url.as_deref().map_or_else(
        || format!("http://{served_at}"),
        |url| url.trim_end_matches('/').to_string(),
    );
    CommunitySettings {
        daily_submission_limit: community.daily_submission_limit,
        secure_cookies: base_url.starts_with("https://"),
        trust_forwarded_for: community.trust_forwarded_for,
        log_account_links: community.log_account_links,
        base_url,
        public_url: config
            .mail
            .base_url
            .as_deref()
            .map(|url| url.trim_end_matches('/').to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::defaults;

    #[test]
    fn cookies_are_secure_when_the_site_is_served_over_https() {
        let served_at = SocketAddr::from(([127, 0, 0, 1], 8080));
        let mut config = defaults();
        config.mail.base_url = Some("https://papers.example.org/".into());
        let settings = community_settings(&config, served_at);
        assert!(settings.secure_cookies);
        assert_eq!(settings.base_url, "https://papers.example.org");
        config.mail.base_url = None;
        let settings = community_settings(&config, served_at);
        assert!(!settings.secure_cookies);
        assert_eq!(settings.base_url, "http://127.0.0.1:8080");
        assert_eq!(settings.daily_submission_limit, 5);
    }
}
