//! `GET /api/status`: the sync status as JSON (see `crate::sync_status`), with the mail
//! outbox's (see `crate::outbox`) under `mail`.

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use serde::Serialize;

use crate::error::ApiError;
use crate::outbox::MailStatus;
use crate::sync_status::{self, SyncStatus};
use crate::AppState;

#[derive(Serialize)]
pub struct Status {
    #[serde(flatten)]
    sync: SyncStatus,
    mail: MailStatus,
}

pub async fn show(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    let activity = state.sync.clone();
    let sync = state
        .with_store(move |s| sync_status::compute(s, activity.as_deref(), Utc::now()))
        .await?;
    let mail = MailStatus::read(&state).await?;
    Ok(Json(Status { sync, mail }))
}
