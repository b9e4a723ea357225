//! The "Follow" button of an author's page and the "Save this search" button of a search's
//! results, for each viewer. Those pages (and the page cache) are the same for everyone, so a
//! template writes only a mark — `<!--paperboy-follow:author=NAME-->`,
//! `<!--paperboy-save-search:q=…&mode=…-->`, the value form-encoded — and the viewer's part is
//! filled in as the page leaves (`auth::identify`), as the library's Save buttons are:
//! - a visitor who is not signed in gets a link to sign in and come back to this page;
//! - a reader gets the working form, or what they have already: "Following" with an
//!   "Unfollow" button, or the name the search is saved under.
//!
//! Marks start with `<`, which no escaped user text can hold, so nobody can plant one.

use std::borrow::Cow;

use askama::Template;
use paperboy_domain::text::percent_encode;
use paperboy_store::{signals::follow_key, Follow, FollowKind, SavedSearch};

use crate::api::signals::MAX_NAME_CHARS;
use crate::auth::Viewer;
use crate::reader::replace_marks;
use crate::view::author_path;
use crate::{params, AppState};

const FOLLOW_MARK: &str = "<!--paperboy-follow:";
const SEARCH_MARK: &str = "<!--paperboy-save-search:";
/// Where a saved search sends its reader: the list its matches now surface in.
const AFTER_SAVING: &str = "/for-you";

/// The mark an author's page writes where the Follow button goes.
pub(crate) fn follow_mark(author: &str) -> String {
    format!("{FOLLOW_MARK}author={}-->", percent_encode(author))
}

/// The mark a search's results write where "Save this search" goes: the search as
/// `(key, value)` pairs of its address (`q`, `mode` and the filters), empty values left out.
pub(crate) fn save_search_mark(search: &[(&str, &str)]) -> String {
    format!("{SEARCH_MARK}{}-->", encode(search))
}

fn encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A mark's value read back; `None` when it does not decode (only templates write marks).
fn decode(raw: &str) -> Option<Vec<(String, String)>> {
    serde_urlencoded::from_str(raw).ok()
}

/// The sign-in page's address that comes back to `here` (a local path with its query).
fn sign_in_then(here: &str) -> String {
    format!("/signin?next={}", percent_encode(here))
}

#[derive(Template)]
#[template(path = "follow_button.html")]
struct FollowButton<'a> {
    name: &'a str,
    /// The author's page, where each form comes back to.
    here: &'a str,
    /// For a visitor: the sign-in link.
    sign_in: Option<String>,
    /// For a reader who follows the author: the follow's id (to unfollow).
    following: Option<i64>,
}

#[derive(Template)]
#[template(path = "save_search_button.html")]
struct SaveSearchButton<'a> {
    /// The name it is saved under: the query, as long as a name may be.
    name: String,
    q: &'a str,
    mode: &'a str,
    next: &'a str,
    sign_in: Option<String>,
    /// For a reader who saved this search already: the name it is saved under.
    saved_as: Option<&'a str>,
}

/// What the viewer has that the marks show: `None` for a visitor who is not signed in.
struct Mine {
    follows: Vec<Follow>,
    searches: Vec<SavedSearch>,
}

fn follow_button(raw: &str, mine: Option<&Mine>) -> String {
    let Some(name) = decode(raw).and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "author").map(|(_, v)| v))
    else {
        return String::new();
    };
    let here = author_path(&name);
    let key = follow_key(&name);
    let button = FollowButton {
        name: &name,
        here: &here,
        sign_in: mine.is_none().then(|| sign_in_then(&here)),
        following: mine.and_then(|m| {
            m.follows
                .iter()
                .find(|f| f.kind == FollowKind::Author && follow_key(&f.value) == key)
                .map(|f| f.id)
        }),
    };
    button.render().unwrap_or_default()
}

fn save_search_button(raw: &str, mine: Option<&Mine>) -> String {
    let Some(pairs) = decode(raw) else {
        return String::new();
    };
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim());
    let Some(q) = get("q").filter(|q| !q.is_empty()) else {
        return String::new();
    };
    let Ok(mode) = params::mode(get("mode")) else {
        return String::new();
    };
    let mode = params::mode_name(mode);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let here = format!("/search?{}", encode(&pairs));
    let button = SaveSearchButton {
        name: q.chars().take(MAX_NAME_CHARS).collect(),
        q,
        mode,
        next: AFTER_SAVING,
        sign_in: mine.is_none().then(|| sign_in_then(&here)),
        saved_as: mine.and_then(|m| {
            m.searches
                .iter()
                .find(|s| s.query == q && s.mode == mode)
                .map(|s| s.name.as_str())
        }),
    };
    button.render().unwrap_or_default()
}

fn fill(html: &str, mine: Option<&Mine>) -> String {
    let html = replace_marks(html, FOLLOW_MARK, |raw| follow_button(raw, mine));
    replace_marks(&html, SEARCH_MARK, |raw| save_search_button(raw, mine))
}

/// Fills a page's Follow and Save-this-search marks for `viewer` (one store read when the page
/// has marks and the viewer is signed in). A store that fails shows a reader the plain forms.
pub(crate) async fn fill_signal_buttons<'h>(state: &AppState, viewer: &Viewer, html: &'h str) -> Cow<'h, str> {
    let (follows, searches) = (html.contains(FOLLOW_MARK), html.contains(SEARCH_MARK));
    if !follows && !searches {
        return Cow::Borrowed(html);
    }
    let Some(user) = &viewer.user else {
        return Cow::Owned(fill(html, None));
    };
    let reader = user.id;
    let mine = state
        .with_store(move |s| {
            Ok(Mine {
                follows: if follows { s.follows(reader)? } else { Vec::new() },
                searches: if searches {
                    s.saved_searches(reader)?
                } else {
                    Vec::new()
                },
            })
        })
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the follows or saved searches could not be read for a page's buttons");
            Mine {
                follows: Vec::new(),
                searches: Vec::new(),
            }
        });
    Cow::Owned(fill(html, Some(&mine)))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::auth::CSRF_PLACEHOLDER;

    fn follow(id: i64, name: &str) -> Follow {
        Follow {
            id,
            kind: FollowKind::Author,
            value: name.into(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_follow_mark_is_a_sign_in_link_a_form_or_following_and_names_are_escaped() {
        let name = "Zoë <b>\"O'Neil\"</b> -->";
        let html = format!("<h1>x</h1>{}<p>y</p>", follow_mark(name));
        assert_eq!(
            html.matches("-->").count(),
            1,
            "the name cannot end the mark early: {html}"
        );

        let visitor = fill(&html, None);
        let here = author_path(name);
        assert!(
            visitor.contains(&format!("href=\"/signin?next={}\"", percent_encode(&here))),
            "{visitor}"
        );
        assert!(visitor.contains("Sign in to follow Zoë &#60;b&#62;"), "{visitor}");
        assert!(!visitor.contains("<form") && !visitor.contains("<b>"), "{visitor}");

        let none = Mine {
            follows: vec![follow(7, "someone else")],
            searches: Vec::new(),
        };
        let reader = fill(&html, Some(&none));
        assert!(reader.contains("action=\"/settings/for-you/follow\""), "{reader}");
        assert!(reader.contains(CSRF_PLACEHOLDER));
        assert!(reader.contains(">Follow Zoë &#60;b&#62;"), "{reader}");
        assert!(!reader.contains("Sign in") && !reader.contains("<b>"), "{reader}");

        let following = Mine {
            follows: vec![follow(7, "someone else"), follow(9, &name.to_uppercase())],
            searches: Vec::new(),
        };
        let follower = fill(&html, Some(&following));
        assert!(follower.contains("action=\"/settings/for-you/unfollow\""), "{follower}");
        assert!(follower.contains("name=\"id\" value=\"9\""), "{follower}");
        assert!(follower.contains(">Unfollow<"), "{follower}");
        assert!(follower.contains("Following"), "{follower}");
    }

    #[test]
    fn a_save_search_mark_keeps_the_search_for_the_sign_in_link_and_the_form() {
        let mark = save_search_mark(&[("q", "robot & \"arm\""), ("mode", "keyword"), ("category", "")]);
        let html = format!("a{mark}b");
        let visitor = fill(&html, None);
        let here = "/search?q=robot%20%26%20%22arm%22&mode=keyword";
        assert!(
            visitor.contains(&format!("href=\"/signin?next={}\"", percent_encode(here))),
            "{visitor}"
        );
        assert!(visitor.contains("Sign in to save this search"), "{visitor}");

        let mine = Mine {
            follows: Vec::new(),
            searches: Vec::new(),
        };
        let reader = fill(&html, Some(&mine));
        assert!(reader.contains("action=\"/settings/for-you/search\""), "{reader}");
        assert!(
            reader.contains("name=\"q\" value=\"robot &#38; &#34;arm&#34;\""),
            "{reader}"
        );
        assert!(reader.contains("name=\"mode\" value=\"lexical\""), "{reader}");
        assert!(reader.contains(">Save this search<"), "{reader}");

        let saved = Mine {
            follows: Vec::new(),
            searches: vec![SavedSearch {
                id: 3,
                name: "arms".into(),
                query: "robot & \"arm\"".into(),
                mode: "lexical".into(),
                created_at: Utc::now(),
                digest: None,
            }],
        };
        let again = fill(&html, Some(&saved));
        assert!(again.contains("Saved as"), "{again}");
        assert!(again.contains("arms"), "{again}");
        assert!(!again.contains("action=\"/settings/for-you/search\""), "{again}");
    }

    #[test]
    fn a_mark_that_does_not_decode_shows_nothing() {
        assert_eq!(fill("x<!--paperboy-follow:nobody=1-->y", None), "xy");
        assert_eq!(fill("x<!--paperboy-save-search:mode=keyword-->y", None), "xy");
        assert_eq!(fill("x<!--paperboy-save-search:q=a&mode=nonsense-->y", None), "xy");
    }
}
