//! `GET /api/status`: the sync status as JSON (see `crate::sync_status`).

use axum::extract::State;
use axum::Json;
use chrono::Utc;

use crate::error::ApiError;
use crate::sync_status::{self, SyncStatus};
use crate::AppState;

pub async fn show(State(state): State<AppState>) -> Result<Json<SyncStatus>, ApiError> {
    let activity = state.sync.clone();
    let status = state
        .with_store(move |s| sync_status::compute(s, activity.as_deref(), Utc::now()))
        .await?;
    Ok(Json(status))
}
