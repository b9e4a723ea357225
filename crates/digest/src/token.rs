//! Signed links: confirm, manage and unsubscribe tokens.
//!
//! A token is `ID.PURPOSE.EXPIRY.MAC`, where MAC is HMAC-SHA256 over the first three fields with
//! the instance's secret. It binds the subscriber and the purpose, so a manage link cannot
//! unsubscribe someone else, and a confirm link cannot be reused to unsubscribe; it expires.
//! The secret is 32 random bytes created at first start in the data folder (mode 0600).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The secret's file name in the data folder.
pub const SECRET_FILE: &str = "secret.key";
const SECRET_LEN: usize = 32;

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Confirm,
    Manage,
    Unsubscribe,
    /// Stops one saved search's digest (the id signed is the saved search's).
    StopSearch,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::Confirm => "c",
            Purpose::Manage => "m",
            Purpose::Unsubscribe => "u",
            Purpose::StopSearch => "s",
        }
    }

    /// Whether a token for this purpose stops working at its expiry. Links that only stop mail
    /// keep working: a reader who finds an old digest must still be able to leave with one click
    /// (RFC 8058, and the law in many places), and a leaked one can do no more than stop mail.
    fn expires(self) -> bool {
        !matches!(self, Purpose::Unsubscribe | Purpose::StopSearch)
    }
}

/// Why a token was refused. Deliberately vague to the visitor (forged and mistyped look alike).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("this link is not valid (it may have been mistyped or cut off)")]
    Invalid,
    #[error("this link has expired; subscribe again or use the link in a newer mail")]
    Expired,
}

#[derive(Debug, thiserror::Error)]
#[error("the secret key {path}: {source}")]
pub struct SecretError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

/// The instance's signing secret.
#[derive(Clone)]
pub struct Secret([u8; SECRET_LEN]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    pub fn from_bytes(bytes: [u8; SECRET_LEN]) -> Secret {
        Secret(bytes)
    }

    /// Reads `DATA/secret.key`, creating it with fresh random bytes (mode 0600) the first time.
    /// Creation is exclusive, so two processes starting together end up with the same secret.
    pub fn load_or_create(data_dir: &Path) -> Result<Secret, SecretError> {
        let path = data_dir.join(SECRET_FILE);
        let err = |source| SecretError {
            path: path.clone(),
            source,
        };
        match std::fs::read(&path) {
            Ok(bytes) => {
                return Secret::from_file_bytes(&bytes).ok_or_else(|| {
                    err(std::io::Error::other(
                        "is not 32 bytes; delete it to make a new one (links in sent mails stop working)",
                    ))
                })
            }
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(err(e)),
            Err(_) => {}
        }
        std::fs::create_dir_all(data_dir).map_err(err)?;
        let mut bytes = [0u8; SECRET_LEN];
        getrandom::fill(&mut bytes).map_err(|e| err(std::io::Error::other(e.to_string())))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(mut file) => {
                std::io::Write::write_all(&mut file, &bytes).map_err(err)?;
                file.sync_all().map_err(err)?;
                Ok(Secret(bytes))
            }
            // Another process won the race: use its secret.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let bytes = std::fs::read(&path).map_err(err)?;
                Secret::from_file_bytes(&bytes).ok_or_else(|| err(std::io::Error::other("is not 32 bytes")))
            }
            Err(e) => Err(err(e)),
        }
    }

    /// A secret kept as 64 hex digits (in a shared database's `state`), `None` when malformed.
    pub fn from_hex(text: &str) -> Option<Secret> {
        Secret::from_file_bytes(&unhex(text.trim())?)
    }

    /// The raw bytes, as `secret.key` holds them.
    pub fn to_bytes(&self) -> [u8; SECRET_LEN] {
        self.0
    }

    /// The secret as 64 hex digits, for moving it into a shared database.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    fn from_file_bytes(bytes: &[u8]) -> Option<Secret> {
        bytes.try_into().ok().map(Secret)
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(payload.as_bytes());
        mac
    }

    /// A token for `subscriber_id` and `purpose`, valid until `expires`.
    pub fn sign(&self, subscriber_id: i64, purpose: Purpose, expires: DateTime<Utc>) -> String {
        let payload = format!("{subscriber_id}.{}.{}", purpose.code(), expires.timestamp());
        let tag = self.mac(&payload).finalize().into_bytes();
        format!("{payload}.{}", hex(&tag))
    }

    /// The subscriber id a token was made for, when it is genuine, for `purpose`, and not
    /// expired at `now` (unsubscribe links never expire: [`Purpose::expires`]). The MAC is
    /// compared in constant time.
    pub fn verify(&self, token: &str, purpose: Purpose, now: DateTime<Utc>) -> Result<i64, TokenError> {
        let mut parts = token.trim().split('.');
        let (Some(id), Some(code), Some(expires), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Invalid);
        };
        let tag = unhex(tag).ok_or(TokenError::Invalid)?;
        self.mac(&format!("{id}.{code}.{expires}"))
            .verify_slice(&tag)
            .map_err(|_| TokenError::Invalid)?;
        if code != purpose.code() {
            return Err(TokenError::Invalid);
        }
        let expires: i64 = expires.parse().map_err(|_| TokenError::Invalid)?;
        if purpose.expires() && now.timestamp() > expires {
            return Err(TokenError::Expired);
        }
        id.parse().map_err(|_| TokenError::Invalid)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn secret() -> Secret {
        Secret::from_bytes([7; 32])
    }

    #[test]
    fn a_token_verifies_for_its_subscriber_and_purpose_only() {
        let now = Utc::now();
        let token = secret().sign(42, Purpose::Manage, now + Duration::days(1));
        assert_eq!(secret().verify(&token, Purpose::Manage, now), Ok(42));
        assert_eq!(
            secret().verify(&token, Purpose::Unsubscribe, now),
            Err(TokenError::Invalid)
        );
        assert_eq!(secret().verify(&token, Purpose::Confirm, now), Err(TokenError::Invalid));
        let other = token.replacen("42.", "43.", 1);
        assert_eq!(secret().verify(&other, Purpose::Manage, now), Err(TokenError::Invalid));
        let other_key = Secret::from_bytes([8; 32]);
        assert_eq!(other_key.verify(&token, Purpose::Manage, now), Err(TokenError::Invalid));
    }

    #[test]
    fn links_that_only_stop_mail_work_after_their_expiry() {
        let now = Utc::now();
        for purpose in [Purpose::Unsubscribe, Purpose::StopSearch] {
            let token = secret().sign(5, purpose, now - Duration::days(400));
            assert_eq!(secret().verify(&token, purpose, now), Ok(5), "{purpose:?}");
        }
        let manage = secret().sign(5, Purpose::Manage, now - Duration::days(1));
        assert_eq!(secret().verify(&manage, Purpose::Manage, now), Err(TokenError::Expired));
    }

    #[test]
    fn expired_forged_and_garbled_tokens_are_refused() {
        let now = Utc::now();
        let token = secret().sign(1, Purpose::Confirm, now - Duration::seconds(1));
        assert_eq!(secret().verify(&token, Purpose::Confirm, now), Err(TokenError::Expired));
        // Pushing the expiry forward breaks the MAC.
        let (head, tag) = token.rsplit_once('.').unwrap();
        let (rest, _) = head.rsplit_once('.').unwrap();
        let extended = format!("{rest}.{}.{tag}", (now + Duration::days(9)).timestamp());
        assert_eq!(
            secret().verify(&extended, Purpose::Confirm, now),
            Err(TokenError::Invalid)
        );
        for garbled in [
            "",
            "1.c.9",
            "1.c.9.zz",
            "1.c.9.00.00",
            "é.c.1.00",
            &token[..token.len() - 1],
        ] {
            assert_eq!(
                secret().verify(garbled, Purpose::Confirm, now),
                Err(TokenError::Invalid),
                "{garbled:?}"
            );
        }
    }

    #[test]
    fn the_secret_is_created_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Secret::load_or_create(dir.path()).unwrap();
        let again = Secret::load_or_create(dir.path()).unwrap();
        assert_eq!(first.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
