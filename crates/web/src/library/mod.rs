//! Each reader's library — a private list of saved papers — as rules that the pages, the API
//! and the command line share: saving and removing a paper, filling the "Save"/"Saved"
//! buttons of a page for its viewer, and importing a reference manager's export (`import`).

mod import;
mod marks;

pub use import::{import_file, ImportError, ImportReport, Matched, Sources, Unmatched};
pub(crate) use marks::fill_save_buttons;

use paperboy_accounts::Action;
use paperboy_domain::ArxivId;
use paperboy_store::User;

use crate::{AppError, AppState};

/// Papers a library page shows at once.
pub const PAGE_SIZE: u64 = 50;
/// Papers one export of a library holds at most.
pub const MAX_EXPORT: u64 = 10_000;

/// Saves (`saved`) or removes a paper in `user`'s library; whether anything changed. 404 for
/// a paper that is not stored.
pub async fn set_saved(state: &AppState, user: &User, id: ArxivId, saved: bool) -> Result<bool, AppError> {
    state.limits.check_account(Action::Vote, user).await?;
    let (user_id, wanted) = (user.id, id.clone());
    state
        .with_store(move |s| s.set_saved(user_id, &wanted, saved))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No paper {id} here yet.")))
}
