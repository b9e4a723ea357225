//! Browsing queries the site needs beyond [`crate::PaperStore`]'s core: kept in their own trait
//! so that backends (and branches) can grow them without touching the core trait.

use paperboy_domain::PaperDocument;

use crate::{Page, StoreError};

/// Lists of papers by something other than a day.
pub trait BrowseStore: Send + Sync {
    /// Papers whose author list holds `name` (compared case-insensitively, otherwise exactly;
    /// SQLite folds case for ASCII letters only, so "müller" does not find "Müller"),
    /// newest announcement first (then by id), one page.
    fn papers_by_author(&self, name: &str, page: Page) -> Result<Vec<PaperDocument>, StoreError>;
}
