//! Finding an author's papers, shared by both backends: SQL narrows the candidates, and the
//! exact comparison of names happens here, the same for both.

use paperboy_domain::PaperDocument;

use crate::{Page, StoreError};

/// Rows a backend reads per batch while filtering an author's papers.
pub(crate) const AUTHOR_BATCH: i64 = 500;

/// One page of an author's papers, for both backends: `candidates(offset)` reads the next
/// [`AUTHOR_BATCH`] papers that SQL could only narrow down (in listing order); the exact,
/// Unicode-aware comparison with `name` happens here on the decoded author names.
pub(crate) fn author_page(
    name: &str,
    page: Page,
    mut candidates: impl FnMut(i64) -> Result<Vec<PaperDocument>, StoreError>,
) -> Result<Vec<PaperDocument>, StoreError> {
    let wanted = name.trim().to_lowercase();
    let mut found = Vec::new();
    if wanted.is_empty() || page.limit == 0 {
        return Ok(found);
    }
    let mut skipped = 0u64;
    let mut offset = 0i64;
    loop {
        let batch = candidates(offset)?;
        let exhausted = (batch.len() as i64) < AUTHOR_BATCH;
        offset += AUTHOR_BATCH;
        for doc in batch {
            if !doc.paper.authors.iter().any(|a| a.to_lowercase() == wanted) {
                continue;
            }
            if skipped < page.offset {
                skipped += 1;
                continue;
            }
            found.push(doc);
            if found.len() as u64 >= page.limit {
                return Ok(found);
            }
        }
        if exhausted {
            return Ok(found);
        }
    }
}
