use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use paperboy_web::AppState;

use super::{open_full_search, open_store};
use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (also `listen` in the config file, `PAPERBOY_LISTEN`).
    #[arg(long, env = "PAPERBOY_LISTEN", value_name = "ADDR")]
    listen: Option<SocketAddr>,
}

pub fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let listen = args
        .listen
        .or(config.listen)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let store = Arc::new(open_store(config)?);
    // Catch up the keyword index before serving (search is right from the first request), then
    // follow the store; papers not embedded yet are embedded in the background.
    let searcher = Arc::new(open_full_search(config, &store)?);
    if let Some(why) = searcher.semantic_unavailable() {
        println!("semantic search is off ({why}); serving keyword search only");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let follower = paperboy_search::follow_store(
        Arc::clone(&searcher),
        store.clone(),
        std::time::Duration::from_secs(2),
        Arc::clone(&stop),
    );
    let mut state = AppState::new(store.clone(), searcher.clone());
    if let Some(site) = super::schedule::digest_site(config, store.clone())? {
        super::schedule::spawn(config, store.clone(), searcher.clone(), &site);
        state = state.with_digests(site);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        tracing::info!(address = %listener.local_addr()?, data_dir = %config.data_dir.display(), "paperboy is serving");
        println!("paperboy is serving on http://{}", listener.local_addr()?);
        paperboy_web::serve(listener, state).await.context("the server failed")
    })?;
    // Let the follower save the vector index before the process ends.
    stop.store(true, Ordering::Relaxed);
    if let Some(follower) = follower {
        let _ = follower.join();
    }
    Ok(ExitCode::SUCCESS)
}
