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

/// Parse "amount unit" into a duration between 1 hour and 90 days.
pub fn parse(amount: &str, unit: &str) -> Result<Duration, String> {
    let unit = Unit::parse(unit).ok_or("Choose hours, days or weeks")?;
    let amount: i64 = amount.trim().parse().map_err(|_| "Enter a whole number")?;
    if amount < 1 {
        return Err("Enter a number of 1 or more".into());
    }
    let d = Duration::seconds(amount.saturating_mul(unit.seconds()));
    if d < MIN || d > MAX {
        return Err("Choose between 1 hour and 90 days".into());
    }
    Ok(d)
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
    fn a_lifetime_is_shown_in_its_largest_exact_unit() {
        assert_eq!(split(Duration::days(14)), (2, Unit::Weeks));
        assert_eq!(split(Duration::days(3)), (3, Unit::Days));
        assert_eq!(split(Duration::hours(36)), (36, Unit::Hours));
    }
}
