//! CSRF tokens for state-changing forms and requests.
//!
//! Signed-in: the token is derived from the session token (which only the browser holds, in
//! an HttpOnly cookie), so nothing more is stored and a cross-site page cannot know it.
//! Signed-out forms (sign-in, sign-up, reset) use a double-submit cookie: a random value in a
//! cookie and the same value in the form; another site can neither read nor set the cookie.

use sha2::{Digest, Sha256};

use crate::secret::{constant_time_eq, hex};

/// The CSRF token of a session.
pub fn token_for_session(session_token: &str) -> String {
    hex(&Sha256::digest(format!("paperboy csrf v1:{session_token}").as_bytes()))
}

/// True when `submitted` is the expected token (constant time).
pub fn matches(expected: &str, submitted: &str) -> bool {
    !expected.is_empty() && constant_time_eq(expected, submitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_tokens_differ_and_match_only_themselves() {
        let a = token_for_session("session-a");
        assert_eq!(a, token_for_session("session-a"));
        assert_ne!(a, token_for_session("session-b"));
        assert!(matches(&a, &a.clone()));
        assert!(!matches(&a, ""));
        assert!(!matches("", ""));
    }
}
