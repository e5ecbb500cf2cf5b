//! The one rule for short single-line text people type (names, external
//! IDs): trimmed, within a length counted in characters (not bytes), and
//! free of control characters, which no name holds and which break CSV
//! exports, logs and mail headers.

/// What a field with control characters is told.
pub const NO_CONTROL: &str = "Remove line breaks, tabs and other control characters";

/// `raw` trimmed, or why it cannot be kept.
pub fn single_line(raw: &str, max_chars: usize) -> Result<&str, String> {
    let text = raw.trim();
    if text.chars().count() > max_chars {
        return Err(format!("Use at most {max_chars} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err(NO_CONTROL.into());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_counted_in_characters() {
        assert_eq!(single_line("  Ada ", 3), Ok("Ada"));
        assert_eq!(single_line(&"é".repeat(5), 5), Ok("ééééé"));
        assert_eq!(single_line(&"é".repeat(6), 5), Err("Use at most 5 characters".into()));
    }

    #[test]
    fn control_characters_are_refused_inside_but_trimmed_at_the_ends() {
        for bad in ["A\nB", "A\tB", "A\u{0}B", "A\u{7f}B", "A\u{85}B"] {
            assert_eq!(single_line(bad, 10), Err(NO_CONTROL.into()), "{bad:?}");
        }
        assert_eq!(single_line("\tAda\r\n", 10), Ok("Ada"));
    }
}
