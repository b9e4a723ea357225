//! Submitting a paper to today's list, fetching it first when it is not stored yet.

use chrono::{NaiveDate, Utc};
use paperboy_accounts::Action;
use paperboy_domain::ArxivId;
use paperboy_store::{PaperStore, Submission, SubmitOutcome, User};

use crate::kit::blocking;
use crate::{AppError, AppState};

/// Brings a paper that is not stored yet into the store (the binary provides one that asks
/// arXiv's API). The web crate knows nothing of ingesting: it only asks.
pub trait PaperFetcher: Send + Sync {
    /// Fetches `id` and stores it; `Err` says why that could not be done (logged, and the
    /// submitter is asked to try again later).
    fn fetch_into(&self, id: &ArxivId, store: &dyn PaperStore) -> Result<(), String>;

    /// Fetches several papers (a library import's unknown ids). The binary asks arXiv for them
    /// in few requests; this default asks one by one.
    fn fetch_many_into(&self, ids: &[ArxivId], store: &dyn PaperStore) -> Result<(), String> {
        ids.iter().try_for_each(|id| self.fetch_into(id, store))
    }
}

/// What submitting did, for the page and the API.
pub enum Submitted {
    Added(Submission),
    AlreadyListed(NaiveDate),
}

/// Submits a paper (by id or URL) to `day`'s list, which must be today's.
pub async fn submit_paper(state: &AppState, user: &User, raw: &str, day: NaiveDate) -> Result<Submitted, AppError> {
    let today = Utc::now().date_naive();
    if day != today {
        // A well-formed day whose list is closed (or not open yet): the request conflicts
        // with the state of that list, it is not malformed.
        return Err(AppError::Conflict(format!(
            "Papers are submitted to today's list ({today}); the list of {day} takes no submissions."
        )));
    }
    let id = ArxivId::parse(raw.trim()).map_err(|_| {
        AppError::BadRequest(format!(
            "{:?} is not an arXiv id or URL.",
            raw.chars().take(100).collect::<String>()
        ))
    })?;
    state.limits.check_account(Action::Submit, user).await?;
    ensure_stored(state, &id).await?;
    let (limit, user_id, wanted) = (state.settings.daily_submission_limit, user.id, id.clone());
    match state
        .with_store(move |s| s.submit(day, &wanted, user_id, limit))
        .await?
    {
        SubmitOutcome::Added(submission) => {
            state.shown_content_changed();
            Ok(Submitted::Added(submission))
        }
        SubmitOutcome::AlreadyListed(day) => Ok(Submitted::AlreadyListed(day)),
        SubmitOutcome::LimitReached => Err(AppError::TooManyRequests {
            retry_after: seconds_to_midnight(),
        }),
        SubmitOutcome::NoSuchPaper => Err(AppError::NotFound(format!("arXiv has no paper {id}."))),
    }
}

fn seconds_to_midnight() -> u64 {
    let now = Utc::now();
    let midnight = (now.date_naive() + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    (midnight.and_utc() - now).num_seconds().max(1) as u64
}

/// Fetches a paper into the store when it is not there yet (and this site can fetch).
async fn ensure_stored(state: &AppState, id: &ArxivId) -> Result<(), AppError> {
    let wanted = id.clone();
    if state.with_store(move |s| s.paper(&wanted)).await?.is_some() {
        return Ok(());
    }
    let Some(fetcher) = state.fetcher.clone() else {
        return Err(AppError::NotFound(format!(
            "{id} is not on this site yet, and this site does not fetch papers from arXiv."
        )));
    };
    let (store, wanted) = (state.store.clone(), id.clone());
    let fetched = blocking(move || Ok::<_, AppError>(fetcher.fetch_into(&wanted, store.as_ref()))).await?;
    if let Err(e) = fetched {
        tracing::warn!(%id, error = %e, "fetching a submitted paper from arXiv failed");
        // arXiv failed us, not the request: a gateway's error, which clients may retry.
        return Err(AppError::BadGateway(format!(
            "Could not fetch {id} from arXiv right now; try again in a few minutes."
        )));
    }
    Ok(())
}
