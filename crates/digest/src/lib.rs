//! paperboy's email digests.
//!
//! - [`period`]: which days a daily or weekly digest covers, given "now" and the schedule;
//! - [`compose`]: what one subscriber's digest contains (plain data, no I/O);
//! - [`address`]: which addresses and topics are accepted (header injection, look-alikes);
//! - [`token`]: signed, expiring links bound to a subscriber and a purpose;
//! - [`mail`]: MIME messages (plain text + HTML, list headers, DKIM) and the [`MailSender`]
//!   trait with its SMTP implementation;
//! - [`run`]: a run over all subscribers with the exactly-once delivery ledger
//!   (`paperboy_store::DigestStore`).
//!
//! No HTTP and no SQL here: the web layer and the CLI call in; the store is reached through
//! its traits.

pub mod address;
pub mod compose;
pub mod mail;
pub mod period;
pub mod run;
pub mod token;

pub use address::{validate_email, validate_topics, InputError};
pub use mail::{account_message, MailConfigError, MailSender, MailSettings, SendError, SmtpSender};
pub use period::{Period, Schedule};
pub use run::{DigestError, Digests, Retry, RunReport};
pub use token::{Purpose, Secret, TokenError};
