//! The ID a person has in another system (an employee number, a CRM key).

use std::fmt;

use super::text;

/// The longest external ID, in characters.
pub const MAX_CHARS: usize = 200;

/// A trimmed, non-empty ID of at most [`MAX_CHARS`] characters without
/// control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalId(String);

impl ExternalId {
    /// `None` for blank input: the person has no external ID.
    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        let id = text::single_line(raw, MAX_CHARS)?;
        Ok((!id.is_empty()).then(|| Self(id.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_external_id_is_none_and_a_long_one_is_refused() {
        assert_eq!(ExternalId::parse("  "), Ok(None));
        assert_eq!(ExternalId::parse(" EMP-4711 ").unwrap().unwrap().as_str(), "EMP-4711");
        assert!(ExternalId::parse(&"1".repeat(MAX_CHARS + 1)).is_err());
        assert!(ExternalId::parse("E\t1").is_err());
    }
}
