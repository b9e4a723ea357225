//! One paper by id from arXiv's API (Atom), merged into the store like any ingest: what the
//! web app uses when someone submits a paper that is not stored yet.

use paperboy_domain::ArxivId;
use paperboy_store::{PaperStore, StoreError};

use crate::{ingest, IngestOptions, IngestReport, Problem, SourceError};

/// Why a paper could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("storing the fetched paper: {0}")]
    Store(#[from] StoreError),
    #[error("{}: arXiv's answer could not be read: {}", .0.source, .0.message)]
    Unreadable(Problem),
}

/// Ids asked for in one request to arXiv's API (it allows more; a smaller answer fails less).
pub const IDS_PER_REQUEST: usize = 100;

/// arXiv's query API at `endpoint` (`https://export.arxiv.org/api/query`, or a mirror).
#[derive(Debug, Clone)]
pub struct ArxivApi {
    pub endpoint: String,
}

impl ArxivApi {
    /// Fetches `id` and merges it into `store`. An id arXiv does not know stores nothing and is
    /// not an error (the caller finds the paper still missing).
    pub fn fetch_into(&self, id: &ArxivId, store: &dyn PaperStore) -> Result<(), FetchError> {
        self.fetch_many_into(std::slice::from_ref(id), store)
    }

    /// Fetches `ids` and merges them into `store`, [`IDS_PER_REQUEST`] to a request; ids arXiv
    /// does not know store nothing.
    pub fn fetch_many_into(&self, ids: &[ArxivId], store: &dyn PaperStore) -> Result<(), FetchError> {
        ids.chunks(IDS_PER_REQUEST)
            .try_for_each(|chunk| self.fetch_chunk(chunk, store))
    }

    fn fetch_chunk(&self, ids: &[ArxivId], store: &dyn PaperStore) -> Result<(), FetchError> {
        let list: Vec<&str> = ids.iter().map(ArxivId::as_str).collect();
        let url = if ids.len() == 1 {
            format!("{}?id_list={}", self.endpoint, list[0])
        } else {
            // Without max_results arXiv answers ten entries at most.
            format!("{}?id_list={}&max_results={}", self.endpoint, list.join(","), ids.len())
        };
        let sources = crate::source::expand(&url)?;
        let mut report = IngestReport::default();
        ingest(store, &sources, IngestOptions::default(), &mut report)?;
        match report.errors.into_iter().next() {
            Some(problem) => Err(FetchError::Unreadable(problem)),
            None => Ok(()),
        }
    }
}
