//! Custom attributes: extra facts about a person under names an
//! organization chooses (`team`, `cost-center`). Values are any JSON from
//! the API and text from the console; the names follow one rule everywhere.

use std::fmt;

use serde_json::{Map, Value};

/// The longest attribute name.
pub const MAX_KEY_LEN: usize = 60;

/// An attribute name: 1 to [`MAX_KEY_LEN`] ASCII letters, digits, `_` and
/// `-` (the API document's `propertyNames` pattern says the same).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttributeKey(String);

impl AttributeKey {
    /// Exactly as given: the console trims what people typed first; a
    /// program sends what it means.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok = (1..=MAX_KEY_LEN).contains(&raw.len())
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok {
            // Quoted back, but never at length.
            let shown: String = raw.chars().take(MAX_KEY_LEN).collect();
            let more = if raw.chars().count() > MAX_KEY_LEN { "…" } else { "" };
            return Err(format!(
                "Attribute names use letters, digits, _ and - (1 to {MAX_KEY_LEN}; \"{shown}{more}\" does not)"
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AttributeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Custom attributes whose every name is an [`AttributeKey`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomAttributes(Map<String, Value>);

impl CustomAttributes {
    /// A JSON object as the API sends it; values are kept as they are.
    pub fn from_json(map: Map<String, Value>) -> Result<Self, String> {
        for key in map.keys() {
            AttributeKey::parse(key)?;
        }
        Ok(Self(map))
    }

    /// Name and value rows of a form (or a CSV file's custom columns):
    /// both trimmed, blank rows skipped, values kept as text; a name given
    /// twice is refused rather than one value silently winning.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut map = Map::new();
        for (key, value) in rows {
            let (key, value) = (key.trim(), value.trim());
            if key.is_empty() && value.is_empty() {
                continue;
            }
            let key = AttributeKey::parse(key)?;
            if map.insert(key.0.clone(), Value::String(value.to_string())).is_some() {
                return Err(format!("The attribute \"{key}\" is given twice"));
            }
        }
        Ok(Self(map))
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_are_letters_digits_underscores_and_dashes() {
        for good in ["team", "cost-center", "level_2", "A", &"k".repeat(MAX_KEY_LEN)] {
            assert!(AttributeKey::parse(good).is_ok(), "{good:?}");
        }
        for bad in ["", " team", "team ", "bad key", "ümlaut", "a.b", "x\u{0}", &"k".repeat(MAX_KEY_LEN + 1)] {
            let message = AttributeKey::parse(bad).unwrap_err();
            assert!(message.starts_with("Attribute names use letters"), "{bad:?}: {message}");
        }
    }

    #[test]
    fn a_refusal_quotes_a_long_name_only_in_part() {
        let message = AttributeKey::parse(&"ä".repeat(10_000)).unwrap_err();
        assert!(message.len() < 300, "{message}");
    }

    #[test]
    fn form_rows_are_trimmed_blank_ones_skipped_and_twice_given_names_refused() {
        let attrs = CustomAttributes::from_rows([(" team ", " blue "), ("", " "), ("level", "3")]).unwrap();
        assert_eq!(attrs.as_map()["team"], "blue");
        assert_eq!(attrs.len(), 2);
        let twice = CustomAttributes::from_rows([("team", "a"), ("team ", "b")]).unwrap_err();
        assert_eq!(twice, "The attribute \"team\" is given twice");
        assert!(CustomAttributes::from_rows([("bad key", "1")]).is_err());
    }

    #[test]
    fn json_attributes_keep_their_values_and_refuse_bad_names() {
        let mut map = Map::new();
        map.insert("level".into(), Value::from(3));
        assert_eq!(CustomAttributes::from_json(map.clone()).unwrap().as_map()["level"], 3);
        map.insert("bad key".into(), Value::Null);
        assert!(CustomAttributes::from_json(map).is_err());
    }
}
