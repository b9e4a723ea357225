//! What a user name and a password must be.
//!
//! Names appear in URLs (`/u/{name}`), mail and pages, so they are plain ASCII letters, digits,
//! `-` and `_`: nothing to escape, no look-alike Unicode, case-insensitively unique.

/// Why a name or password was refused, worded for the person typing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("A user name is 3 to 32 characters: letters, digits, - and _, starting with a letter or digit.")]
    BadName,
    #[error("That user name is reserved; please pick another.")]
    ReservedName,
    #[error("A password needs at least {MIN_PASSWORD_CHARS} characters.")]
    PasswordTooShort,
    #[error("A password can have at most {MAX_PASSWORD_CHARS} characters.")]
    PasswordTooLong,
    #[error("The password must not be the user name.")]
    PasswordIsName,
}

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Argon2 takes any length, but hashing megabytes on request is a cheap denial of service.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Names that would read as the site speaking.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "paperboy",
    "moderator",
    "support",
    "anonymous",
    "deleted",
];

pub fn validate_username(name: &str) -> Result<(), CredentialError> {
    let len = name.chars().count();
    let allowed = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !(3..=32).contains(&len) || !allowed || !first_ok {
        return Err(CredentialError::BadName);
    }
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(CredentialError::ReservedName);
    }
    Ok(())
}

pub fn validate_password(password: &str, name: &str) -> Result<(), CredentialError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_CHARS {
        return Err(CredentialError::PasswordTooShort);
    }
    if len > MAX_PASSWORD_CHARS {
        return Err(CredentialError::PasswordTooLong);
    }
    if password.eq_ignore_ascii_case(name) {
        return Err(CredentialError::PasswordIsName);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["ana", "Jane_Doe", "x-9", "a".repeat(32).as_str()] {
            assert_eq!(validate_username(good), Ok(()), "{good}");
        }
        for bad in [
            "ab",
            "_ana",
            "ana doe",
            "ana<script>",
            "аna", // Cyrillic а
            "",
            "a".repeat(33).as_str(),
        ] {
            assert_eq!(validate_username(bad), Err(CredentialError::BadName), "{bad}");
        }
        assert_eq!(validate_username("Admin"), Err(CredentialError::ReservedName));
    }

    #[test]
    fn passwords() {
        assert_eq!(validate_password("correct horse", "ana"), Ok(()));
        assert_eq!(
            validate_password("short", "ana"),
            Err(CredentialError::PasswordTooShort)
        );
        assert_eq!(
            validate_password(&"x".repeat(257), "ana"),
            Err(CredentialError::PasswordTooLong)
        );
        assert_eq!(
            validate_password("Ana_Lovelace", "ana_lovelace"),
            Err(CredentialError::PasswordIsName)
        );
    }
}
