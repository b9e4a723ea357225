//! Account rules, free of HTTP and SQL: what a valid user name and password are, how passwords
//! are hashed (Argon2id), how session/API tokens are made and stored (only their SHA-256),
//! CSRF tokens, and rate limits.
//!
//! The web layer and the CLI call in; accounts themselves are kept by
//! `paperboy_store::AccountStore`.

pub mod credentials;
pub mod csrf;
pub mod password;
pub mod rate_limit;
pub mod secret;

pub use credentials::{validate_password, validate_username, CredentialError};
pub use password::{hash_password, verify_password, PasswordError};
pub use rate_limit::{Action, Limits, RateLimiter, RetryAfter};
pub use secret::{constant_time_eq, hash_token, new_token};
