//! Login IDs: an email address (stored lowercased) or a phone number in
//! E.164 (`+` and 8–15 digits).

use std::fmt;

use validator::ValidateEmail;

/// The longest login ID, in bytes (an email address's limit, RFC 5321).
pub const MAX_LEN: usize = 254;

/// What [`LoginId::parse`] accepts as typed exactly (no surrounding
/// spaces, phone numbers without separators), as a JSON Schema pattern for
/// the API document: an email address (HTML's "valid e-mail address" with a
/// dotted ASCII domain, see [`is_email_domain`]) or an E.164 phone number.
pub const PATTERN: &str = concat!(
    r"^([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@",
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
    r"|\+[1-9][0-9]{7,14})$"
);

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
        if email.len() > MAX_LEN || !email.validate_email() || !domain_ok {
            return Err("Enter an email address like name@example.com, or a phone number like +4915112345678".into());
        }
        Ok(Self::Email(email))
    }

    fn parse_phone(raw: &str) -> Result<Self, String> {
        let Some(rest) = raw.strip_prefix('+') else {
            return Err("Enter the phone number in international format, starting with + and the country code".into());
        };
        let digits = without_separators(rest);
        let ok =
            (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0');
        if !ok {
            return Err("Enter the phone number in international format, like +4915112345678".into());
        }
        Ok(Self::Phone(format!("+{digits}")))
    }

    /// The stored form of (part of) a phone number typed into a search
    /// box: separators dropped and a leading `00` read as `+`, so
    /// `0049 (151) 2345-9876` finds `+4915123459876`. `None` when the term
    /// is not made of digits and separators only.
    pub fn phone_search_term(term: &str) -> Option<String> {
        let term = term.trim();
        let (plus, rest) = match term.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, term),
        };
        let mut digits = without_separators(rest);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        // `00` is the international prefix: 0049… is +49… (a country code
        // never starts with 0; "007" alone stays as typed).
        let international = !plus && digits.len() > 3 && digits.starts_with("00") && !digits[2..].starts_with('0');
        if international {
            digits.drain(..2);
        }
        let plus = plus || international;
        Some(if plus { format!("+{digits}") } else { digits })
    }

    /// The machine-readable reason [`LoginId::parse`] refuses `raw`:
    /// `required`, `invalid_phone` or `invalid_email` (same branches).
    pub fn problem_code(raw: &str) -> &'static str {
        let raw = raw.trim();
        if raw.is_empty() {
            "required"
        } else if raw.starts_with('+') || raw.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            "invalid_phone"
        } else {
            "invalid_email"
        }
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

/// What people put between the digits of a phone number.
fn without_separators(phone: &str) -> String {
    phone.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect()
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
    fn phone_numbers_typed_into_a_search_read_as_stored() {
        for typed in ["+49 151 2345 9876", "+49 (151) 2345-9876", "+49.151.2345.9876", "0049 151 23459876"] {
            assert_eq!(LoginId::phone_search_term(typed).as_deref(), Some("+4915123459876"), "{typed:?}");
        }
        assert_eq!(LoginId::phone_search_term("151 2345-9876").as_deref(), Some("15123459876"));
        assert_eq!(LoginId::phone_search_term("007").as_deref(), Some("007"));
        for not_a_phone in ["ada", "emp-4711", "+", "--", "()", "", "4+5", "+49 151 x"] {
            assert_eq!(LoginId::phone_search_term(not_a_phone), None, "{not_a_phone:?}");
        }
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
