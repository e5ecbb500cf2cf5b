//! Rate limits (governor) on everything that can be guessed or spammed:
//! logins, invitation link look-ups, registrations, fresh-link requests.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::clock::Clock;

/// A limiter keyed by text, on the application's clock.
pub type Limiter = RateLimiter<String, DefaultKeyedStateStore<String>, Ticks, NoOpMiddleware<Nanos>>;

pub struct RateLimits {
    /// Per client IP and login ID.
    pub login: Limiter,
    /// Per client IP, whatever login IDs it tries (credential stuffing).
    pub login_ip: Limiter,
    /// Per client IP: opening, accepting and declining invitation links.
    pub invite_link: Limiter,
    /// Per link: asking for a fresh link from the expired-link page.
    pub fresh_link: Limiter,
}

/// The application's clock as governor reads it, so the limits' windows
/// pass when the clock says so (tests move it instead of waiting).
#[derive(Clone)]
pub struct Ticks(Arc<dyn Clock>);

impl governor::clock::Clock for Ticks {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        // Nanoseconds since 1970 (a clock set before then reads as 1970).
        let nanos = self.0.now().timestamp_nanos_opt().and_then(|n| u64::try_from(n).ok());
        Nanos::from(nanos.unwrap_or(0))
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).expect("non-zero"))
}

impl RateLimits {
    /// The limits, on `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        let keyed = |quota| RateLimiter::new(quota, DefaultKeyedStateStore::default(), Ticks(clock.clone()));
        Self {
            login: keyed(per_minute(5)),
            login_ip: keyed(per_minute(30)),
            invite_link: keyed(per_minute(60)),
            fresh_link: keyed(Quota::per_hour(NonZeroU32::new(3).expect("non-zero"))),
        }
    }

    /// Drop idle keys so the maps do not grow without bound.
    pub fn shrink(&self) {
        self.login.retain_recent();
        self.login_ip.retain_recent();
        self.invite_link.retain_recent();
        self.fresh_link.retain_recent();
    }
}
