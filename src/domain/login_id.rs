//! Login IDs: an email address (stored lowercased) or a phone number in
//! E.164 (`+` and 8–15 digits).

use std::fmt;

use validator::ValidateEmail;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginId {
    Email(String),
    Phone(String),
}

impl LoginId {
    /// Parse what a person typed. Phones may contain spaces, dashes, dots
    /// and parentheses, which are dropped.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("Enter an email address or a phone number".into());
        }
        // An email address may start with a digit or `+` too: only the `@`
        // tells them apart.
        if !raw.contains('@') && (raw.starts_with('+') || raw.chars().next().is_some_and(|c| c.is_ascii_digit())) {
            return Self::parse_phone(raw);
        }
        let email = raw.to_lowercase();
        let domain_ok = email.rsplit_once('@').is_some_and(|(_, domain)| is_email_domain(domain));
        if email.len() > 254 || !email.validate_email() || !domain_ok {
            return Err("Enter an email address like name@example.com, or a phone number like +4915112345678".into());
        }
        Ok(Self::Email(email))
    }

    fn parse_phone(raw: &str) -> Result<Self, String> {
        let Some(rest) = raw.strip_prefix('+') else {
            return Err("Enter the phone number in international format, starting with + and the country code".into());
        };
        let digits: String = rest.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
        let ok =
            (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0');
        if !ok {
            return Err("Enter the phone number in international format, like +4915112345678".into());
        }
        Ok(Self::Phone(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Email(v) | Self::Phone(v) => v,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Email(_) => "email",
            Self::Phone(_) => "phone",
        }
    }

    /// The channel an invitation to this login ID goes through.
    pub fn channel(&self) -> &'static str {
        match self {
            Self::Email(_) => "email",
            Self::Phone(_) => "sms",
        }
    }
}

/// The part after the `@`: two or more dot-separated labels of ASCII
/// letters, digits and inner dashes, as mail is really delivered (no IP
/// literals). The API document's `login_id` pattern says the same.
fn is_email_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

impl fmt::Display for LoginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_trimmed() {
        assert_eq!(LoginId::parse("  Ada@Example.COM ").unwrap(), LoginId::Email("ada@example.com".into()));
    }

    #[test]
    fn phones_are_normalized_to_e164() {
        assert_eq!(LoginId::parse("+49 (151) 123-45678").unwrap(), LoginId::Phone("+4915112345678".into()));
    }

    #[test]
    fn emails_may_start_with_a_digit_or_a_plus() {
        assert_eq!(LoginId::parse("0@0.0").unwrap(), LoginId::Email("0@0.0".into()));
        assert_eq!(LoginId::parse("+tag@example.com").unwrap(), LoginId::Email("+tag@example.com".into()));
    }

    #[test]
    fn invalid_login_ids_are_refused_with_a_reason() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "+12",
            "+0151234567",
            "0151 2345678",
            "+49abc12345",
            "a.b@localhost",
            "ada@-x.com",
            "ada@[127.0.0.1]",
        ] {
            assert!(LoginId::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
