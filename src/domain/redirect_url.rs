//! Where an invitee is sent after registering.

use std::fmt;

/// A full `http` or `https` address, kept exactly as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectUrl(String);

impl RedirectUrl {
    /// Exactly as given: the console trims what people typed first.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match url::Url::parse(raw) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && raw.trim() == raw => Ok(Self(raw.to_string())),
            _ => Err("Enter a full web address starting with https://".into()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedirectUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_are_taken() {
        assert!(RedirectUrl::parse("https://app.example.com/start?from=usher").is_ok());
        assert!(RedirectUrl::parse("http://localhost:3000/").is_ok());
        for bad in ["", "ftp://x", "javascript:alert(1)", "app.example.com", " https://x.io", "https://"] {
            assert!(RedirectUrl::parse(bad).is_err(), "{bad:?}");
        }
    }
}
