//! The `paperboy` binary: its commands run as child processes, servers included.
//!
//! One integration-test binary for the crate (as ripgrep's tests/tests.rs): every file
//! directly under tests/ would be a binary of its own, each linked separately.

mod support;

mod accounts;
mod backup;
mod bad_input;
mod copy;
mod crash;
mod digest;
mod faults;
mod ingest;
mod instances;
mod library;
mod mail;
mod progress;
mod semantic;
mod serve;
mod sync;
