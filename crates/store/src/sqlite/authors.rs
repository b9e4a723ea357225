//! [`crate::PaperStore::papers_by_author`] for SQLite.

use paperboy_domain::PaperDocument;
use rusqlite::params;

use super::{papers, SqliteStore};
use crate::authors::{author_page, AUTHOR_BATCH};
use crate::{Page, StoreError};

pub(super) fn papers_by_author(store: &SqliteStore, name: &str, page: Page) -> Result<Vec<PaperDocument>, StoreError> {
    // Authors are a JSON array of names. `LIKE` (ASCII case-insensitive) on the JSON text
    // narrows the rows cheaply; the exact, Unicode-aware comparison happens here on the
    // decoded names, so "Li" never matches "Lin" and JSON escapes cannot fool it.
    // LIKE folds ASCII letters only, so a non-ASCII letter ("Ö" for "ö") becomes `_` (any one
    // character) in the pattern; the comparison in `author_page` is the real one.
    let narrowed: String = like_escape(&json_inner(name.trim()))
        .chars()
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    let pattern = format!("%{narrowed}%");
    store.read(|conn| {
        author_page(name, page, |offset| {
            papers::documents_where(
                conn,
                "authors LIKE ?1 ESCAPE '\\' ORDER BY announced DESC, id LIMIT ?2 OFFSET ?3",
                params![pattern, AUTHOR_BATCH, offset],
            )
        })
    })
}

/// `name` as it appears inside a JSON string (without the quotes).
fn json_inner(name: &str) -> String {
    let quoted = serde_json::to_string(name).unwrap_or_default();
    quoted.trim_matches('"').to_string()
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
