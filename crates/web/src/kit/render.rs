//! The one way a page is rendered, and the one notice page ("Check your inbox", "Password
//! changed", …) every flow ends on.

use askama::Template;
use axum::response::Html;

use crate::AppError;

/// Renders a template into an HTML response body. Templates escape by default; a failure is an
/// internal error (a template bug, never the visitor's input).
pub fn render(page: &impl Template) -> Result<Html<String>, AppError> {
    page.render()
        .map(Html)
        .map_err(|e| AppError::Internal(format!("rendering a page: {e}")))
}

/// A short page that says what happened and where to go next.
#[derive(Template)]
#[template(path = "notice.html")]
pub struct Notice {
    pub heading: String,
    pub message: String,
    /// `(href, text)` links under the message.
    pub links: Vec<(String, String)>,
}

/// The link every notice ends with unless it names others.
const HOME_LINK: (&str, &str) = ("/", "Back to today's papers");

impl Notice {
    /// A notice that links back to the front page.
    pub fn new(heading: impl Into<String>, message: impl Into<String>) -> Notice {
        Notice {
            heading: heading.into(),
            message: message.into(),
            links: vec![(HOME_LINK.0.into(), HOME_LINK.1.into())],
        }
    }

    /// A notice with these links instead of the front page's.
    pub fn with_links(heading: impl Into<String>, message: impl Into<String>, links: Vec<(String, String)>) -> Notice {
        Notice {
            heading: heading.into(),
            message: message.into(),
            links,
        }
    }

    /// Adds a link before the others.
    pub fn link_first(mut self, href: impl Into<String>, text: impl Into<String>) -> Notice {
        self.links.insert(0, (href.into(), text.into()));
        self
    }

    pub fn page(&self) -> Result<Html<String>, AppError> {
        render(self)
    }
}

/// Renders a notice page.
pub fn notice(heading: &str, message: impl Into<String>) -> Result<Html<String>, AppError> {
    Notice::new(heading, message).page()
}
