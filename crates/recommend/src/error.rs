//! What can go wrong when a reader's model is fitted or used: vectors from another model, or a
//! lexicon built for other candidates.

/// Errors of this crate. The first two mean an embedding that does not belong with the others,
/// which happens when the embedding model changed and some vectors were not recomputed; the
/// last a caller's mistake.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RecommendError {
    #[error("{what} {id} has a {found}-dimension embedding, the reader's model uses {expected}: re-embed it with the current model")]
    Dimension {
        what: &'static str,
        id: String,
        found: usize,
        expected: usize,
    },
    #[error("{what} {id} has an embedding with a value that is not a finite number: re-embed it")]
    NotFinite { what: &'static str, id: String },
    #[error(
        "the lexicon was built from {found} papers, but {expected} candidates are ranked: build it from the candidates"
    )]
    Lexicon { found: usize, expected: usize },
}

/// Checks one vector against the model's dimension.
pub(crate) fn check(what: &'static str, id: &str, vector: &[f32], expected: usize) -> Result<(), RecommendError> {
    if vector.len() != expected {
        return Err(RecommendError::Dimension {
            what,
            id: id.to_string(),
            found: vector.len(),
            expected,
        });
    }
    if !vector.iter().all(|v| v.is_finite()) {
        return Err(RecommendError::NotFinite {
            what,
            id: id.to_string(),
        });
    }
    Ok(())
}
