//! The request kit: the few things every handler is written with.
//!
//! - extractors that are the checks ([`SignedIn`], [`Admin`], [`CsrfForm`], [`ApiUser`]);
//! - [`blocking`], the one way to run store calls and other blocking work;
//! - [`render`] and [`Notice`], the one way to answer with a page;
//! - [`safe_next`] and [`redirect_local`], the one rule for where the site redirects to.
//!
//! Errors are `AppError`s, answered as a page (`PageError`) or JSON (`ApiError`) by the
//! handler's return type (see `crate::error`).

mod blocking;
mod guards;
mod redirect;
mod render;

pub use blocking::blocking;
pub use guards::{checked_form, Admin, ApiUser, CsrfForm, SignedIn};
pub use redirect::{local_path, redirect_local, safe_next};
pub use render::{notice, render, Notice};
