//! Invitation and link lifetimes, entered in hours, days or weeks.

use chrono::Duration;

pub const MIN: Duration = Duration::hours(1);
pub const MAX: Duration = Duration::days(90);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Hours,
    Days,
    Weeks,
}

impl Unit {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "hours" => Some(Self::Hours),
            "days" => Some(Self::Days),
            "weeks" => Some(Self::Weeks),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hours => "hours",
            Self::Days => "days",
            Self::Weeks => "weeks",
        }
    }

    fn seconds(self) -> i64 {
        match self {
            Self::Hours => 3600,
            Self::Days => 86_400,
            Self::Weeks => 604_800,
        }
    }
}

const OUT_OF_RANGE: &str = "Choose between 1 hour and 90 days";

/// Parse "amount unit" into a duration between 1 hour and 90 days.
pub fn parse(amount: &str, unit: &str) -> Result<Duration, String> {
    let unit = Unit::parse(unit).ok_or("Choose hours, days or weeks")?;
    let amount = amount.trim();
    let amount: i64 = match amount.parse() {
        Ok(n) => n,
        // Digits too many for any clock are out of range, not "not a number".
        Err(_) if is_integer(amount) => return Err(OUT_OF_RANGE.into()),
        Err(_) => return Err("Enter a whole number".into()),
    };
    if amount < 1 {
        return Err("Enter a number of 1 or more".into());
    }
    // Checked before a `Duration` exists: chrono panics past ±2^63 ms.
    amount.checked_mul(unit.seconds()).and_then(in_range).ok_or_else(|| OUT_OF_RANGE.into())
}

/// A lifetime given in seconds (the API's `expires_in`).
pub fn from_seconds(seconds: i64) -> Result<Duration, String> {
    in_range(seconds)
        .ok_or_else(|| format!("Use {} (1 hour) to {} (90 days) seconds", MIN.num_seconds(), MAX.num_seconds()))
}

fn in_range(seconds: i64) -> Option<Duration> {
    (MIN.num_seconds()..=MAX.num_seconds()).contains(&seconds).then(|| Duration::seconds(seconds))
}

/// An optional sign and digits only.
fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// The largest unit that expresses `d` exactly, for showing it back.
pub fn split(d: Duration) -> (i64, Unit) {
    let s = d.num_seconds();
    for unit in [Unit::Weeks, Unit::Days, Unit::Hours] {
        if s % unit.seconds() == 0 {
            return (s / unit.seconds(), unit);
        }
    }
    (s / 3600, Unit::Hours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_bounded_between_an_hour_and_ninety_days() {
        assert_eq!(parse("7", "days").unwrap(), Duration::days(7));
        assert_eq!(parse("1", "hours").unwrap(), Duration::hours(1));
        assert_eq!(parse("90", "days").unwrap(), Duration::days(90));
        assert!(parse("91", "days").is_err());
        assert!(parse("13", "weeks").is_err());
        assert!(parse("0", "hours").is_err());
        assert!(parse("x", "hours").is_err());
        assert!(parse("2", "months").is_err());
    }

    #[test]
    fn lifetimes_too_large_for_any_clock_are_out_of_range_not_a_panic() {
        for unit in ["hours", "days", "weeks"] {
            for huge in ["9999999999999", "9223372036854775807", "99999999999999999999999", "2562047788015215"] {
                assert_eq!(parse(huge, unit), Err(OUT_OF_RANGE.to_string()), "{huge} {unit}");
            }
        }
        for bad in ["-9223372036854775808", "-1", "0", "6489.0", "1e3", "", "abc", "\u{0}"] {
            assert!(parse(bad, "hours").is_err(), "{bad:?}");
        }
        assert_eq!(parse(" +12 ", "hours").unwrap(), Duration::hours(12));
    }

    #[test]
    fn lifetimes_in_seconds_are_bounded_like_the_form() {
        assert_eq!(from_seconds(3600).unwrap(), MIN);
        assert_eq!(from_seconds(7_776_000).unwrap(), MAX);
        for bad in [i64::MIN, -1, 0, 3599, 7_776_001, i64::MAX] {
            assert!(from_seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_lifetime_is_shown_in_its_largest_exact_unit() {
        assert_eq!(split(Duration::days(14)), (2, Unit::Weeks));
        assert_eq!(split(Duration::days(3)), (3, Unit::Days));
        assert_eq!(split(Duration::hours(36)), (36, Unit::Hours));
    }
}
