//! paperboy's email digests.
//!
//! - [`period`]: which days a daily or weekly digest covers, given "now" and the schedule;
//! - [`compose`]: what one subscriber's digest contains (plain data, no I/O);
//! - [`trending`]: the period's trending section, falling back to the latest daily lists;
//! - [`address`]: which addresses and topics are accepted (header injection, look-alikes);
//! - [`token`]: signed, expiring links bound to a subscriber and a purpose;
//! - [`mail`]: MIME messages (plain text + HTML, list headers, DKIM) and the [`MailSender`]
//!   trait with its SMTP implementation;
//! - [`outbox`]: delivering the mail outbox (account and subscription mail) with retries;
//! - [`run`]: a run over all subscribers with the exactly-once delivery ledger
//!   (`paperboy_store::DigestStore`);
//! - [`searches`]: saved searches sent as digests of their own, by the same ledger rule
//!   (`paperboy_store::SearchDigestStore`).
//!
//! No HTTP and no SQL here: the web layer and the CLI call in; the store is reached through
//! its traits.

pub mod address;
pub mod compose;
mod deliver;
pub mod mail;
pub mod outbox;
pub mod period;
pub mod run;
pub mod searches;
pub mod token;
pub mod trending;

pub use address::{validate_email, validate_topics, InputError};
/// The message type every builder here returns.
pub use lettre::Message;
pub use mail::{
    account_message, confirmation_message, MailConfigError, MailSender, MailSettings, SendError, SmtpSender,
};
pub use outbox::{enqueue_message, DeliveryReport, Outbox, Prepared, RetryPolicy};
pub use period::{Period, Schedule};
pub use run::{confirmation, DigestError, Digests, Retry, RunReport};
pub use token::{Purpose, Secret, TokenError};
