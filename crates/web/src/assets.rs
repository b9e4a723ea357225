//! Static files, compiled into the binary so that one file is the whole deployment.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::PageError;
use crate::AppError;

const STYLE_CSS: &str = include_str!("../static/style.css");
const APP_JS: &str = include_str!("../static/app.js");
const KEYS_JS: &str = include_str!("../static/keys.js");

pub async fn serve(Path(file): Path<String>) -> Result<Response, PageError> {
    match file.as_str() {
        "style.css" => Ok((
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            STYLE_CSS,
        )
            .into_response()),
        "app.js" => Ok((
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            APP_JS,
        )
            .into_response()),
        "keys.js" => Ok((
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            KEYS_JS,
        )
            .into_response()),
        _ => Err(PageError(AppError::NotFound(format!(
            "There is no file /static/{file}."
        )))),
    }
}
