//! Ingest from files, URLs and arXiv's OAI-PMH, against replaying servers.
//!
//! One integration-test binary for the crate (as ripgrep's tests/tests.rs): every file
//! directly under tests/ would be a binary of its own, each linked separately.

mod harvest;
mod url_source;
