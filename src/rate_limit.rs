//! Rate limits (governor) on everything that can be guessed or spammed:
//! logins, invitation link look-ups, registrations, fresh-link requests.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct RateLimits {
    /// Per client IP and login ID.
    pub login: DefaultKeyedRateLimiter<String>,
    /// Per client IP, whatever login IDs it tries (credential stuffing).
    pub login_ip: DefaultKeyedRateLimiter<String>,
    /// Per client IP: opening, accepting and declining invitation links.
    pub invite_link: DefaultKeyedRateLimiter<String>,
    /// Per link: asking for a fresh link from the expired-link page.
    pub fresh_link: DefaultKeyedRateLimiter<String>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).expect("non-zero"))
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            login: RateLimiter::keyed(per_minute(5)),
            login_ip: RateLimiter::keyed(per_minute(30)),
            invite_link: RateLimiter::keyed(per_minute(60)),
            fresh_link: RateLimiter::keyed(Quota::per_hour(NonZeroU32::new(3).expect("non-zero"))),
        }
    }
}

impl RateLimits {
    /// Drop idle keys so the maps do not grow without bound.
    pub fn shrink(&self) {
        self.login.retain_recent();
        self.login_ip.retain_recent();
        self.invite_link.retain_recent();
        self.fresh_link.retain_recent();
    }
}
