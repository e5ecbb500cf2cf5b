//! The language an invitation's message and registration page use.

use std::fmt;

use crate::words::LANGUAGES;

/// One of the languages there are templates for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Language(&'static str);

impl Language {
    /// Exactly one of [`LANGUAGES`] (`en`, `de`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        LANGUAGES
            .iter()
            .find(|l| **l == raw)
            .map(|l| Self(l))
            .ok_or_else(|| format!("Choose a language: {}", LANGUAGES.join(" or ")))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_languages_with_templates_are_taken() {
        assert_eq!(Language::parse("de").unwrap().as_str(), "de");
        for bad in ["", "fr", "EN", " en"] {
            assert!(Language::parse(bad).is_err(), "{bad:?}");
        }
    }
}
