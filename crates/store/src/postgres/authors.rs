//! [`crate::PaperStore::papers_by_author`] for PostgreSQL.

use paperboy_domain::PaperDocument;

use super::papers::{documents, PAPER_COLUMNS};
use super::PostgresStore;
use crate::authors::{author_page, AUTHOR_BATCH};
use crate::{Page, StoreError};

pub(super) fn papers_by_author(
    store: &PostgresStore,
    name: &str,
    page: Page,
) -> Result<Vec<PaperDocument>, StoreError> {
    // As in SQLite: SQL narrows, Rust compares. The narrowing pattern is matched against
    // each whole author name, folded with `COLLATE "C"` (ASCII letters only, whatever the
    // database's locale); other letters stand for any run of characters. The exact,
    // Unicode-aware comparison on the decoded names is the one that counts, so "Li" never
    // matches "Lin" and the locale cannot change the answer.
    let pattern = narrowing_pattern(name.trim());
    let sql = format!(
        "SELECT {PAPER_COLUMNS} FROM papers
         WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(papers.authors) AS author
                       WHERE lower(author COLLATE \"C\") LIKE $1)
         ORDER BY papers.announced DESC NULLS LAST, papers.id COLLATE \"C\" LIMIT $2 OFFSET $3"
    );
    store.with_client(|client| {
        author_page(name, page, |offset| {
            documents(client, &sql, &[&pattern, &AUTHOR_BATCH, &offset])
        })
    })
}

/// A `LIKE` pattern for a whole name: ASCII lowercased and escaped, each run of other
/// characters `%` (their case folding is Unicode's, which may change their number).
fn narrowing_pattern(name: &str) -> String {
    let mut pattern = String::with_capacity(name.len());
    let mut in_wildcard = false;
    for c in name.chars() {
        if c.is_ascii() {
            if matches!(c, '\\' | '%' | '_') {
                pattern.push('\\');
            }
            pattern.push(c.to_ascii_lowercase());
        } else if !in_wildcard {
            pattern.push('%');
        }
        in_wildcard = !c.is_ascii();
    }
    pattern
}

#[cfg(test)]
mod tests {
    use super::narrowing_pattern;

    #[test]
    fn patterns_fold_ascii_and_widen_the_rest() {
        assert_eq!(narrowing_pattern("Ada Lovelace"), "ada lovelace");
        assert_eq!(narrowing_pattern("Karl Åström"), "karl %str%m");
        assert_eq!(narrowing_pattern("ÉÖ x"), "% x");
        assert_eq!(narrowing_pattern("50%_\\"), "50\\%\\_\\\\");
        assert_eq!(narrowing_pattern("\\%Ö"), "\\\\\\%%");
    }
}
