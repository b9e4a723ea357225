//! The web app over HTTP and in a real browser, on real data.
//!
//! One integration-test binary for the crate (as ripgrep's tests/tests.rs): every file
//! directly under tests/ would be a binary of its own, each linked separately.

mod support;

mod a11y;
mod browse;
mod cite;
mod community;
mod e2e;
mod feeds;
mod for_you;
mod for_you_browser;
mod hardening;
mod hf_client;
mod library;
mod mail;
mod mcp;
mod openapi;
mod pages;
mod reading;
mod reading_browser;
mod signals;
mod snapshots;
mod status;
