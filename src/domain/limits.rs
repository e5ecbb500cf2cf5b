//! The account settings' other bounded numbers (lifetimes are in
//! [`super::lifetime`]): each limit and its message live here only, and a
//! value is checked before it becomes a `Duration` (chrono panics on
//! overflow).

use std::ops::RangeInclusive;

use chrono::Duration;

/// Seconds between two resends of one invitation.
pub const RESEND_COOLDOWN_SECS: RangeInclusive<i64> = 0..=86_400;
/// Invitations one person may send in 24 hours; 0 means no quota.
pub const DAILY_QUOTA: RangeInclusive<i64> = 0..=100_000;
/// Days audit entries are kept.
pub const AUDIT_RETENTION_DAYS: RangeInclusive<i64> = 1..=3650;

/// A whole number in `range`; `None` for anything else (decimals, words,
/// digits beyond `i64`).
fn whole_in(raw: &str, range: RangeInclusive<i64>) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|n| range.contains(n))
}

pub fn resend_cooldown(raw: &str) -> Result<Duration, String> {
    let (min, max) = RESEND_COOLDOWN_SECS.into_inner();
    whole_in(raw, RESEND_COOLDOWN_SECS)
        .map(Duration::seconds)
        .ok_or_else(|| format!("Enter a number of seconds from {min} to {max}"))
}

/// Empty means no quota.
pub fn daily_quota(raw: &str) -> Result<i64, String> {
    if raw.trim().is_empty() {
        return Ok(0);
    }
    let (min, max) = DAILY_QUOTA.into_inner();
    whole_in(raw, DAILY_QUOTA).ok_or_else(|| format!("Enter a whole number from {min} (no limit) to {max}"))
}

/// Empty means the default, a year.
pub fn audit_retention_days(raw: &str) -> Result<i64, String> {
    if raw.trim().is_empty() {
        return Ok(365);
    }
    let (min, max) = AUDIT_RETENTION_DAYS.into_inner();
    whole_in(raw, AUDIT_RETENTION_DAYS).ok_or_else(|| format!("Enter a number of days from {min} to {max}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_NUMBERS: [&str; 9] = [
        "9223372036854775807",
        "-9223372036854775808",
        "99999999999999999999999",
        "-1",
        "6489.0",
        "1e3",
        "abc",
        "0x10",
        "\u{0}",
    ];

    #[test]
    fn settings_numbers_outside_their_range_are_refused_with_the_range() {
        for bad in NOT_NUMBERS.iter().chain(&["86401"]) {
            assert_eq!(resend_cooldown(bad), Err("Enter a number of seconds from 0 to 86400".into()), "{bad:?}");
        }
        for bad in NOT_NUMBERS.iter().chain(&["100001"]) {
            assert!(daily_quota(bad).unwrap_err().contains("0 (no limit) to 100000"), "{bad:?}");
        }
        for bad in NOT_NUMBERS.iter().chain(&["0", "3651"]) {
            assert!(audit_retention_days(bad).unwrap_err().contains("1 to 3650"), "{bad:?}");
        }
    }

    #[test]
    fn settings_numbers_inside_their_range_are_read() {
        assert_eq!(resend_cooldown(" 60 "), Ok(Duration::seconds(60)));
        assert_eq!(resend_cooldown("0"), Ok(Duration::zero()));
        assert_eq!(daily_quota(""), Ok(0));
        assert_eq!(daily_quota("100000"), Ok(100_000));
        assert_eq!(audit_retention_days(""), Ok(365));
        assert_eq!(audit_retention_days("3650"), Ok(3650));
    }
}
