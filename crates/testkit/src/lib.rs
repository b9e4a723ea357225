//! Test kit shared by paperboy's crates: the real sample data beside the checkout, the store a
//! test runs on (SQLite, or a PostgreSQL schema of its own), a replaying HTTP server, an SMTP
//! sink and a TCP proxy that cuts a program off its database. Each test reads as given / when /
//! then on top of it.

use std::path::PathBuf;

mod clock;
pub mod listing_rss;
mod postgres;
mod proxy;
mod replay;
mod smtp;
mod stores;

pub use clock::clear_of_midnight;
pub use postgres::{database_url, server_address, url_through, PgSchema, TEST_DATABASE_URL};
pub use proxy::TcpProxy;
pub use replay::{ReplayServer, Reply};
pub use smtp::{free_port, ReceivedMail, SmtpSink};
pub use stores::{every_store, suite_store, StoreKind, TestStore, TEST_STORE};

/// ../shared/data (real arXiv and Hugging Face metadata), or `None`, with a message saying
/// why the calling test is skipped, when this checkout has no shared data beside it.
pub fn shared_data() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: {} is absent (the real sample data lives beside the checkout)",
            dir.display()
        );
        None
    }
}
