//! The one rule for where the site redirects to after a sign-in, a form or a vote: a path on
//! this site, written so that no browser can read it as another site's address.

use axum::response::Redirect;

/// Longest path followed (a `next=` is a path the site itself wrote; anything longer is not).
const MAX_PATH: usize = 2_000;

/// `candidate` when it is a safe local path: it starts with exactly one `/` and holds only
/// printable ASCII without `\`. Browsers drop tabs and newlines from URLs and read `\` as
/// `/`, so `/<TAB>/evil.example` or `/\evil.example` would become `//evil.example`, another
/// site; control characters would also make the `Location` header invalid.
pub fn local_path(candidate: &str) -> Option<&str> {
    let safe = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && candidate.len() <= MAX_PATH
        && candidate.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    safe.then_some(candidate)
}

/// Where to go after signing in: `next` when it is a safe local path, else the front page.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or("/").to_string()
}

/// A redirect (303) to `path` when it is safe, else to `fallback` (which the caller wrote).
pub fn redirect_local(path: &str, fallback: &str) -> Redirect {
    Redirect::to(local_path(path).or_else(|| local_path(fallback)).unwrap_or("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_local_paths_are_followed() {
        for good in [
            "/",
            "/papers/2605.00658",
            "/date/2026-05-01?category=cs.CV#t-1",
            "/%2F%2Fx",
        ] {
            assert_eq!(local_path(good), Some(good), "{good:?}");
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/ /evil.example",
            "https://evil.example/",
            "evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\0",
            "/caf\u{e9}",
            "",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(local_path(&format!("/{}", "a".repeat(MAX_PATH))), None);
    }
}
