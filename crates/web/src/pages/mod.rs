//! The site's HTML pages.

use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::error::{ApiError, PageError};
use crate::{AppError, AppState};

pub mod account;
pub mod author;
pub mod daily;
pub mod digest;
pub mod discussion;
pub mod library;
pub mod moderation;
pub mod paper;
pub mod period;
pub mod profile;
pub mod search;
pub mod status;
pub mod submit;
pub mod trending;

/// Comment editing, submissions, moderation and the library (votes, saves and new comments are
/// posted to the paper's own route, `pages::paper::act`).
pub fn participation_routes() -> Router<AppState> {
    Router::new()
        .route("/comments/{id}/edit", get(discussion::edit_form).post(discussion::edit))
        .route("/comments/{id}/delete", post(discussion::delete))
        .route("/submit", get(submit::form).post(submit::submit))
        .route("/admin", get(moderation::admin_page))
        .route("/admin/comments/{id}/hide", post(moderation::hide_comment))
        .route("/admin/submissions/{id}/remove", post(moderation::remove_submission))
        .route("/admin/users/{name}/ban", post(moderation::ban_user))
        .route("/u/{name}/{file}", get(library::show))
        .route(library::UPLOAD_PATH, post(library::import))
}

/// Any path no route knows: a page, or JSON under the API's paths.
pub async fn not_found(uri: Uri) -> Response {
    let path: String = uri.path().chars().take(200).collect();
    if crate::api::is_api_path(&path) {
        return ApiError(AppError::NotFound(format!("There is no API endpoint at {path}."))).into_response();
    }
    PageError(AppError::NotFound(format!("There is no page at {path}."))).into_response()
}
