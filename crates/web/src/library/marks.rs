//! The "Save"/"Saved" button of each paper on a page. Pages (and the page cache) are the same
//! for every viewer, so a template writes only a mark, `<!--paperboy-save:ID-->`, and the
//! viewer's button is filled in as the page leaves (`auth::identify`): a form that works
//! without JavaScript, in the state of this viewer's library, or nothing for a visitor who is
//! not signed in.

use std::borrow::Cow;
use std::collections::HashSet;

use paperboy_domain::ArxivId;

use crate::auth::{Viewer, CSRF_PLACEHOLDER};
use crate::AppState;

const MARK_OPEN: &str = "<!--paperboy-save:";
const MARK_CLOSE: &str = "-->";

/// Every marked id of a page (as written in the marks), in order.
fn marked_ids(html: &str) -> Vec<&str> {
    html.match_indices(MARK_OPEN)
        .filter_map(|(at, _)| {
            let rest = &html[at + MARK_OPEN.len()..];
            rest.find(MARK_CLOSE).map(|end| &rest[..end])
        })
        .collect()
}

/// The page with each mark replaced by the viewer's button (`saved`: the marked papers in
/// their library; `None`: not signed in, no buttons).
fn fill(html: &str, saved: Option<&HashSet<String>>) -> String {
    crate::reader::replace_marks(html, MARK_OPEN, |raw| {
        // Only ids the templates wrote reach here; one that does not parse shows nothing.
        match (saved, ArxivId::parse(raw)) {
            (Some(saved), Ok(id)) => button(&id, saved.contains(id.as_str())),
            _ => String::new(),
        }
    })
}

/// The form: a canonical arXiv id holds nothing to escape (digits, letters, `.`, `/`, `-`).
fn button(id: &ArxivId, saved: bool) -> String {
    let (action, pressed, label, title) = if saved {
        ("remove", "true", "Saved", "In your library: press to remove it")
    } else {
        ("add", "false", "Save", "Save to your library")
    };
    format!(
        "<form class=\"save{state}\" method=\"post\" action=\"/papers/{id}/save\">{CSRF_PLACEHOLDER}\
         <input type=\"hidden\" name=\"save\" value=\"{action}\">\
         <button type=\"submit\" aria-pressed=\"{pressed}\" title=\"{title}\">{label}</button></form>",
        state = if saved { " saved" } else { "" },
    )
}

/// Fills a page's save buttons for `viewer` (one store query when the page has marks and the
/// viewer is signed in). A store that fails leaves the buttons in the "Save" state.
pub(crate) async fn fill_save_buttons<'h>(state: &AppState, viewer: &Viewer, html: &'h str) -> Cow<'h, str> {
    let ids = marked_ids(html);
    if ids.is_empty() {
        return Cow::Borrowed(html);
    }
    let Some(user) = &viewer.user else {
        return Cow::Owned(fill(html, None));
    };
    let ids: Vec<String> = ids
        .into_iter()
        .filter_map(|raw| ArxivId::parse(raw).ok())
        .map(|id| id.to_string())
        .collect();
    let user_id = user.id;
    let saved = state
        .with_store(move |s| s.saved(user_id, &ids))
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the library could not be read for the save buttons");
            HashSet::new()
        });
    Cow::Owned(fill(html, Some(&saved)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_become_buttons_for_readers_and_nothing_for_visitors() {
        let html = "<p>a</p><!--paperboy-save:2405.01234--><p>b</p><!--paperboy-save:hep-th/9901001-->";
        assert_eq!(marked_ids(html), ["2405.01234", "hep-th/9901001"]);
        assert_eq!(fill(html, None), "<p>a</p><p>b</p>");
        let saved: HashSet<String> = ["hep-th/9901001".to_string()].into();
        let filled = fill(html, Some(&saved));
        assert!(filled.contains("action=\"/papers/2405.01234/save\""));
        assert!(filled.contains("value=\"add\""));
        assert!(filled.contains("action=\"/papers/hep-th/9901001/save\""));
        assert!(filled.contains("aria-pressed=\"true\" title=\"In your library: press to remove it\">Saved<"));
        assert_eq!(filled.matches(CSRF_PLACEHOLDER).count(), 2);
    }

    #[test]
    fn a_mark_that_is_not_an_id_shows_nothing() {
        let saved = HashSet::new();
        assert_eq!(fill("x<!--paperboy-save:\"><script>-->y", Some(&saved)), "xy");
        assert_eq!(fill("x<!--paperboy-save:unclosed", Some(&saved)), "x");
    }
}
