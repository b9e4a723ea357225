//! The web app over HTTP and in a real browser, on real data.
//!
//! One integration-test binary for the crate (as ripgrep's tests/tests.rs): every file
//! directly under tests/ would be a binary of its own, each linked separately.

mod support;

mod browse;
mod cite;
mod community;
mod e2e;
mod feeds;
mod hardening;
mod hf_client;
mod mail;
mod openapi;
mod pages;
mod snapshots;
mod status;
