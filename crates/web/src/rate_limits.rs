//! Rate limits on what people do (sign up, sign in, vote, comment, submit, reset): counted in
//! this process, or in the database when several instances share one.

use std::sync::Arc;
use std::time::Duration;

use paperboy_accounts::{Action, Limits, RateLimiter};
use paperboy_store::{RateLimitStore, User};

use crate::kit::blocking;
use crate::AppError;

pub struct RateLimits {
    /// The limits, and the counts when this process is the only one.
    limiter: RateLimiter,
    /// Counts shared by every instance on one database; when set, `limiter` only gives limits.
    shared: Option<Arc<dyn RateLimitStore>>,
}

impl RateLimits {
    pub fn in_memory(limits: Limits) -> RateLimits {
        RateLimits {
            limiter: RateLimiter::new(limits),
            shared: None,
        }
    }

    /// The same counting with other limits.
    pub fn with_limits(&self, limits: Limits) -> RateLimits {
        RateLimits {
            limiter: RateLimiter::new(limits),
            shared: self.shared.clone(),
        }
    }

    /// The same limits, counted in `counters`.
    pub fn shared_in(&self, counters: Arc<dyn RateLimitStore>) -> RateLimits {
        RateLimits {
            limiter: RateLimiter::new(*self.limiter.limits()),
            shared: Some(counters),
        }
    }

    /// Counts one `action` against every key given (client address, account); 429 when any
    /// is over its limit.
    pub async fn check(&self, action: Action, keys: &[&str]) -> Result<(), AppError> {
        let keys: Vec<String> = keys.iter().map(|key| bounded(key)).collect();
        let Some(shared) = &self.shared else {
            for key in &keys {
                self.limiter
                    .check(action, key)
                    .map_err(|r| AppError::TooManyRequests { retry_after: r.0 })?;
            }
            return Ok(());
        };
        let (max, window) = self.limiter.limits().of(action);
        let buckets: Vec<String> = keys.iter().map(|key| bucket(action, key)).collect();
        let shared = Arc::clone(shared);
        let counted = blocking(move || {
            buckets
                .iter()
                .map(|bucket| shared.count_event(bucket, window))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
        match counted
            .iter()
            .filter(|(count, _)| *count > max)
            .map(|(_, left)| *left)
            .max()
        {
            Some(left) => Err(AppError::TooManyRequests {
                retry_after: left.as_secs_f64().ceil().max(1.0) as u64,
            }),
            None => Ok(()),
        }
    }

    /// Settles a sign-in attempt against failed sign-ins, once the password was checked
    /// (`password_ok`); `account` is `account:ID`, so that the name and the email count as
    /// one, or `login:NAME` for a login no account has (counted alike, so that the answers
    /// tell no one whether an account exists). Only failures are counted, per account and
    /// per client address. While an account is over its limit, the right password still
    /// gets in from an address without recent failures (its owner, elsewhere) but not from
    /// one that has failed (the guesser); a wrong one is refused with 429 rather than 401.
    /// Attempts per address are limited by [`RateLimits::check`] before the password is.
    pub async fn settle_sign_in(&self, account: &str, client: &str, password_ok: bool) -> Result<(), AppError> {
        let action = Action::SignIn;
        let (max, window) = self.limiter.limits().of(action);
        let keys = [bounded(account), bounded(&format!("failed:{client}"))];
        let [(account_failures, left), (client_failures, _)] = match &self.shared {
            None => keys.each_ref().map(|key| self.limiter.count(action, key)),
            Some(shared) => {
                let shared = Arc::clone(shared);
                let buckets = keys.each_ref().map(|key| bucket(action, key));
                blocking(move || {
                    let [a, c] = buckets.each_ref().map(|bucket| shared.peek_count(bucket, window));
                    Ok::<_, AppError>([a?, c?])
                })
                .await?
            }
        };
        if !password_ok {
            self.record_failure(action, keys, window).await?;
        }
        let locked = account_failures >= max;
        if locked && (!password_ok || client_failures > 0) {
            return Err(AppError::TooManyRequests {
                retry_after: left.as_secs_f64().ceil().max(1.0) as u64,
            });
        }
        Ok(())
    }

    /// Counts one failure of `action` against each of `keys`, refusing nothing.
    async fn record_failure(&self, action: Action, keys: [String; 2], window: Duration) -> Result<(), AppError> {
        let Some(shared) = &self.shared else {
            for key in &keys {
                self.limiter.record(action, key);
            }
            return Ok(());
        };
        let shared = Arc::clone(shared);
        blocking(move || {
            for key in &keys {
                shared.count_event(&bucket(action, key), window)?;
            }
            Ok::<_, AppError>(())
        })
        .await
    }

    /// Rate-limits an action of a signed-in account by account (accounts themselves are
    /// limited per address when created, and a lab behind one NAT address shares it).
    pub async fn check_account(&self, action: Action, user: &User) -> Result<(), AppError> {
        self.check(action, &[&format!("user:{}", user.id)]).await
    }
}

/// A counter's name in the store that instances share: the action, then the key.
fn bucket(action: Action, key: &str) -> String {
    format!("{}:{key}", action.as_str())
}

/// Keys longer than this are kept as their hash.
const MAX_KEY_BYTES: usize = 128;

/// A key as counted: as given when short, else `sha256:` and its hash. Keys hold what people
/// typed (a login, an address), and a counter must not keep a megabyte a request alive.
fn bounded(key: &str) -> String {
    if key.len() <= MAX_KEY_BYTES {
        key.to_string()
    } else {
        format!("sha256:{}", paperboy_accounts::hash_token(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_keys_are_counted_by_their_hash() {
        assert_eq!(bounded("login:ana"), "login:ana");
        let huge = format!("login:{}", "a".repeat(1 << 20));
        let kept = bounded(&huge);
        assert!(kept.len() <= MAX_KEY_BYTES, "{} bytes", kept.len());
        assert_eq!(kept, bounded(&huge), "the same input counts in the same bucket");
        assert_ne!(kept, bounded(&format!("{huge}b")));
    }
}
