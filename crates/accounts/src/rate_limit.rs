//! Rate limits for the actions strangers can repeat: signing in and up, password resets,
//! commenting, voting, submitting.
//!
//! A fixed window per (action, key): at most `max` events per `window`; the key is the client
//! address or the account. Most actions count every attempt ([`RateLimiter::check`]). Sign-ins
//! count attempts per address, but per account only *failures* ([`RateLimiter::record`] and
//! [`RateLimiter::count`], which reads without adding): counting the owner's attempts there
//! would let anyone lock any account by guessing wrong ten times. Counts live in memory, per
//! process: a restart forgets them, which only ever lets someone try again sooner.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    SignIn,
    SignUp,
    PasswordReset,
    Comment,
    Vote,
    Submit,
    /// Asking for a digest subscription (each sends a confirmation mail).
    Subscribe,
}

impl Action {
    /// The action's name in counters shared through a database.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::SignUp => "sign_up",
            Action::PasswordReset => "password_reset",
            Action::Comment => "comment",
            Action::Vote => "vote",
            Action::Submit => "submit",
            Action::Subscribe => "subscribe",
        }
    }
}

/// `(max events, window)` per action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub sign_in: (u32, Duration),
    pub sign_up: (u32, Duration),
    pub password_reset: (u32, Duration),
    pub comment: (u32, Duration),
    pub vote: (u32, Duration),
    pub submit: (u32, Duration),
    pub subscribe: (u32, Duration),
}

impl Default for Limits {
    fn default() -> Limits {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        Limits {
            sign_in: (10, minutes(15)),
            sign_up: (5, minutes(60)),
            password_reset: (5, minutes(60)),
            comment: (10, minutes(1)),
            vote: (120, minutes(1)),
            submit: (20, minutes(60)),
            // Per address asking and per mailbox: a confirmation mail is sent each time.
            subscribe: (5, minutes(60)),
        }
    }
}

impl Limits {
    /// `(max events, window)` of `action`.
    pub fn of(&self, action: Action) -> (u32, Duration) {
        match action {
            Action::SignIn => self.sign_in,
            Action::SignUp => self.sign_up,
            Action::PasswordReset => self.password_reset,
            Action::Comment => self.comment,
            Action::Vote => self.vote,
            Action::Submit => self.submit,
            Action::Subscribe => self.subscribe,
        }
    }

    /// Every limit scaled to `max` events per window (tests use tiny limits).
    pub fn all(max: u32, window: Duration) -> Limits {
        let l = (max, window);
        Limits {
            sign_in: l,
            sign_up: l,
            password_reset: l,
            comment: l,
            vote: l,
            submit: l,
            subscribe: l,
        }
    }
}

/// Refused: try again after this long (whole seconds, at least 1, for `Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

struct Window {
    started: Instant,
    count: u32,
}

pub struct RateLimiter {
    limits: Limits,
    windows: Mutex<HashMap<(Action, String), Window>>,
}

/// Above this many tracked keys, expired windows are swept on the next check.
const SWEEP_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn new(limits: Limits) -> RateLimiter {
        RateLimiter {
            limits,
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Counts one event of `action` by `key`, or refuses it.
    pub fn check(&self, action: Action, key: &str) -> Result<(), RetryAfter> {
        self.check_at(action, key, Instant::now())
    }

    pub fn check_at(&self, action: Action, key: &str, now: Instant) -> Result<(), RetryAfter> {
        let (max, window) = self.limits.of(action);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let entry = self.current(&mut windows, action, key, now);
        if entry.count >= max {
            let left = window.saturating_sub(now.duration_since(entry.started));
            return Err(RetryAfter(left.as_secs_f64().ceil().max(1.0) as u64));
        }
        entry.count += 1;
        Ok(())
    }

    /// The window of (`action`, `key`) that holds `now`, started afresh when the last one
    /// ended; sweeps expired windows first when many are tracked.
    fn current<'a>(
        &self,
        windows: &'a mut HashMap<(Action, String), Window>,
        action: Action,
        key: &str,
        now: Instant,
    ) -> &'a mut Window {
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|(a, _), w| now.duration_since(w.started) < self.limits.of(*a).1);
        }
        let entry = windows
            .entry((action, key.to_string()))
            .or_insert(Window { started: now, count: 0 });
        if now.duration_since(entry.started) >= self.limits.of(action).1 {
            *entry = Window { started: now, count: 0 };
        }
        entry
    }

    /// Counts one event of `action` by `key` without refusing it (a failed sign-in is
    /// counted whatever the limit says; what it allows is decided from [`RateLimiter::count`]).
    pub fn record(&self, action: Action, key: &str) {
        self.record_at(action, key, Instant::now());
    }

    pub fn record_at(&self, action: Action, key: &str, now: Instant) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let entry = self.current(&mut windows, action, key, now);
        entry.count = entry.count.saturating_add(1);
    }

    /// The events of `action` by `key` in the current window, and how long the window has
    /// left; adds nothing (a key never counted reads as none, with the whole window left).
    pub fn count(&self, action: Action, key: &str) -> (u32, Duration) {
        self.count_at(action, key, Instant::now())
    }

    pub fn count_at(&self, action: Action, key: &str, now: Instant) -> (u32, Duration) {
        let window = self.limits.of(action).1;
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        match windows.get(&(action, key.to_string())) {
            Some(w) if now.duration_since(w.started) < window => (w.count, window - now.duration_since(w.started)),
            _ => (0, window),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_over_the_limit_then_allows_after_the_window() {
        let limiter = RateLimiter::new(Limits::all(3, Duration::from_secs(60)));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_at(Action::SignIn, "1.2.3.4", t0), Ok(()));
        }
        assert_eq!(limiter.check_at(Action::SignIn, "1.2.3.4", t0), Err(RetryAfter(60)));
        let later = t0 + Duration::from_secs(45);
        assert_eq!(limiter.check_at(Action::SignIn, "1.2.3.4", later), Err(RetryAfter(15)));
        // Other keys and other actions have their own windows.
        assert_eq!(limiter.check_at(Action::SignIn, "5.6.7.8", t0), Ok(()));
        assert_eq!(limiter.check_at(Action::Vote, "1.2.3.4", t0), Ok(()));
        assert_eq!(
            limiter.check_at(Action::SignIn, "1.2.3.4", t0 + Duration::from_secs(60)),
            Ok(())
        );
    }

    #[test]
    fn failures_are_counted_without_refusal_and_read_without_counting() {
        let limiter = RateLimiter::new(Limits::all(3, Duration::from_secs(60)));
        let t0 = Instant::now();
        assert_eq!(
            limiter.count_at(Action::SignIn, "account:7", t0),
            (0, Duration::from_secs(60))
        );
        for _ in 0..5 {
            limiter.record_at(Action::SignIn, "account:7", t0);
        }
        let later = t0 + Duration::from_secs(20);
        // Reading adds nothing, however often.
        for _ in 0..3 {
            assert_eq!(
                limiter.count_at(Action::SignIn, "account:7", later),
                (5, Duration::from_secs(40))
            );
        }
        assert_eq!(limiter.count_at(Action::SignIn, "account:8", later).0, 0);
        // The window ends, and so does the count.
        let next = t0 + Duration::from_secs(60);
        assert_eq!(limiter.count_at(Action::SignIn, "account:7", next).0, 0);
        limiter.record_at(Action::SignIn, "account:7", next);
        assert_eq!(limiter.count_at(Action::SignIn, "account:7", next).0, 1);
        // Recorded events and checked ones share a bucket.
        assert_eq!(limiter.check_at(Action::SignIn, "account:7", next), Ok(()));
        assert_eq!(limiter.check_at(Action::SignIn, "account:7", next), Ok(()));
        assert_eq!(limiter.check_at(Action::SignIn, "account:7", next), Err(RetryAfter(60)));
    }
}
