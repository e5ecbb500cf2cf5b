//! A name a person goes by: given, family or display name. One parse and
//! one limit for the console, the API, bulk files and registration.

use std::fmt;

use super::text;

/// The longest name, in characters.
pub const MAX_CHARS: usize = 200;

/// A trimmed name of at most [`MAX_CHARS`] characters without control
/// characters. It may be empty: an invitation may leave the name to the
/// invitee, who gives it when they register.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        text::single_line(raw, MAX_CHARS).map(|name| Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_may_be_empty() {
        assert_eq!(PersonName::parse("  Ada  ").unwrap().as_str(), "Ada");
        assert!(PersonName::parse("   ").unwrap().is_empty());
    }

    #[test]
    fn names_hold_at_most_two_hundred_characters() {
        assert!(PersonName::parse(&"ñ".repeat(MAX_CHARS)).is_ok());
        assert_eq!(PersonName::parse(&"n".repeat(MAX_CHARS + 1)), Err("Use at most 200 characters".into()));
    }

    #[test]
    fn names_hold_no_control_characters() {
        assert!(PersonName::parse("Ada\nLovelace").is_err());
    }
}
