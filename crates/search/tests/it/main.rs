//! Keyword and semantic search over real papers.
//!
//! One integration-test binary for the crate (as ripgrep's tests/tests.rs): every file
//! directly under tests/ would be a binary of its own, each linked separately.

mod keyword_search;
mod semantic_pipeline;
