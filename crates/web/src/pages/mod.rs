//! The site's HTML pages.

use axum::http::Uri;

use crate::error::PageError;
use crate::AppError;

pub mod account;
pub mod author;
pub mod community;
pub mod daily;
pub mod digest;
pub mod paper;
pub mod period;
pub mod profile;
pub mod search;
pub mod trending;

/// Any path no route knows.
pub async fn not_found(uri: Uri) -> PageError {
    let path: String = uri.path().chars().take(200).collect();
    PageError(AppError::NotFound(format!("There is no page at {path}.")))
}
