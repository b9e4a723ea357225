//! "For you": the recent papers ranked for one reader by `paperboy_recommend`, from what the
//! reader told paperboy (upvotes, follows, saved searches, "not interested").
//!
//! `paperboy_foryou` gathers the inputs — the window's papers with their vectors from the search
//! engine, the reader's signals from the store —, keeps each reader's model between requests
//! (refitted from its previous weights on every ranking: well under a millisecond, so a new vote
//! counts at once), and ranks; the digest's "For you" section ranks the same way. Here: the
//! pages, the API and feeds, each showing the result in its shape.

pub mod feed;
mod marks;
pub mod settings;
pub mod show;

use std::sync::Arc;

pub use paperboy_foryou::{ForYou, Pick};

use crate::{AppError, AppState};

pub(crate) use marks::{fill_signal_buttons, follow_mark, save_search_mark};

/// Announcement days in the window, unless asked otherwise.
pub const DEFAULT_DAYS: u32 = 3;
/// The widest window one may ask for.
pub const MAX_DAYS: u32 = 14;

/// The forms of `/settings/for-you`.
pub fn settings_routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/settings/for-you", get(settings::show))
        .route("/settings/for-you/follow", post(settings::follow))
        .route("/settings/for-you/unfollow", post(settings::unfollow))
        .route("/settings/for-you/search", post(settings::save_search))
        .route("/settings/for-you/search/delete", post(settings::delete_search))
        .route("/settings/for-you/search/digest", post(settings::search_digest))
        .route("/settings/for-you/feed", post(settings::create_feed_link))
        .route("/settings/for-you/feed/revoke", post(settings::revoke_feed_link))
        .route("/settings/for-you/forget", post(settings::forget))
}

/// Keeps the default window ([`DEFAULT_DAYS`]) read and analysed in the background, looking
/// every `every` ([`paperboy_foryou::keep_warm`]): the first reader after an announcement or a
/// restart does not wait about a second for it. Ends when `stop` is set.
pub fn keep_warm(
    state: &AppState,
    every: std::time::Duration,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Option<std::thread::JoinHandle<()>> {
    paperboy_foryou::keep_warm(
        Arc::clone(&state.store),
        Arc::clone(&state.searcher),
        Arc::clone(&state.for_you),
        DEFAULT_DAYS,
        every,
        stop,
    )
}

/// Ranks the window of `days` announcement days for `reader`, on a blocking thread.
pub async fn for_reader(state: &AppState, reader: i64, days: u32) -> Result<ForYou, AppError> {
    let (store, searcher, models) = (
        Arc::clone(&state.store),
        Arc::clone(&state.searcher),
        Arc::clone(&state.for_you),
    );
    crate::kit::blocking(move || {
        let today = chrono::Utc::now().date_naive();
        paperboy_foryou::for_reader(&store, &searcher, &models, reader, days, today)
    })
    .await
}
