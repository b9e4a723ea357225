//! The store through its public traits, on every backend (SQLite, and PostgreSQL when a test
//! server is configured).
//!
//! One integration-test binary for the crate (as ripgrep's tests/tests.rs): every file
//! directly under tests/ would be a binary of its own, each linked separately.

mod support;

mod community;
mod copy;
mod digest;
mod embeddings;
mod outbox;
mod papers;
mod postgres_pool;
mod rate_limits;
mod signals;
mod sync;
