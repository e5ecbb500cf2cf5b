//! Which message template an invitation is sent with.

use std::fmt;

/// The templates there are. An unknown key is a clear error at invite
/// time, never a message that cannot be composed later.
pub const KNOWN: [&str; 1] = ["invite"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateKey(&'static str);

impl TemplateKey {
    /// One of [`KNOWN`], exactly.
    pub fn parse(raw: &str) -> Result<Self, String> {
        KNOWN
            .iter()
            .find(|k| **k == raw)
            .map(|k| Self(k))
            .ok_or_else(|| format!("There is no message template called \"{raw}\""))
    }

    /// The invitation template, used unless another is asked for.
    pub fn invite() -> Self {
        Self("invite")
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl Default for TemplateKey {
    fn default() -> Self {
        Self::invite()
    }
}

impl fmt::Display for TemplateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_templates_are_taken() {
        assert_eq!(TemplateKey::parse("invite"), Ok(TemplateKey::invite()));
        for bad in ["", "Invite", " invite", "reminder2"] {
            assert!(TemplateKey::parse(bad).unwrap_err().contains("no message template"), "{bad:?}");
        }
    }
}
