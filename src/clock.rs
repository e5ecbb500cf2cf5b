//! Time, injected. Everything whose behaviour depends on the time —
//! expiry, leases and claims, backoff, sessions, quotas, the sweeper,
//! retention and purges — asks `AppState::clock`, never the wall clock
//! directly, so tests can move time instead of waiting for it or
//! rewriting stored times.
//!
//! The wall clock stays only where the time is for people or programs
//! outside Usher that compare it with their own clocks: log lines,
//! metrics, the SMTP `Date` header and the webhook signature timestamp.

use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

/// The current time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real time: what production runs on.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock tests move. It starts at the real now and runs on with real
/// time (so retries after a short backoff, and "newest first" lists,
/// behave as they do in production); [`advance`](Self::advance) and
/// [`set`](Self::set) jump it, and it keeps running from there.
#[derive(Debug, Default)]
pub struct ManualClock {
    /// How far this clock is ahead of the real time (negative: behind).
    offset: Mutex<TimeDelta>,
}

impl ManualClock {
    /// A clock at the real now.
    pub fn new() -> Self {
        Self::default()
    }

    /// Move the clock forward by `by` (backward if negative).
    pub fn advance(&self, by: TimeDelta) {
        *self.offset() += by;
    }

    /// Jump the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.offset() = at - Utc::now();
    }

    fn offset(&self) -> std::sync::MutexGuard<'_, TimeDelta> {
        // A panic elsewhere while holding it leaves a valid value behind.
        self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_starts_now_and_moves_when_told() {
        let clock = ManualClock::new();
        let drift = (clock.now() - Utc::now()).abs();
        assert!(drift < TimeDelta::seconds(1), "starts at the real now");
        clock.advance(TimeDelta::days(8));
        let ahead = clock.now() - Utc::now();
        assert!(ahead > TimeDelta::days(8) - TimeDelta::seconds(1) && ahead <= TimeDelta::days(8));
        let at = Utc::now() - TimeDelta::days(30);
        clock.set(at);
        assert!((clock.now() - at).abs() < TimeDelta::seconds(1), "set jumps to the given time");
    }
}
