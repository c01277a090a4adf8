//! Support for the generated open objects (`additionalProperties: {}`): their `Deserialize`
//! and `Serialize` are written by `cargo xtask generate`, one pass over the object, known
//! properties typed and the rest kept in `extra`, an [`Extra`](crate::Extra) (each value's
//! JSON text, read by [`Member`]). A known property that came as `null`, `[]`
//! or `{}` (which the typed field cannot tell from an absent one) is also kept in `extra`,
//! so that a value read and written back is the same JSON.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, Visitor};

pub use crate::types::extra::{Member, keep};

/// A property name, borrowed from the body when it has no escapes.
#[derive(Debug)]
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn a_name_without_escapes_is_borrowed_and_one_with_escapes_is_owned() {
        let plain: Key<'_> = serde_json::from_str(r#""Last_Name""#).unwrap();
        assert!(matches!(plain.0, std::borrow::Cow::Borrowed("Last_Name")));
        let escaped: Key<'_> = serde_json::from_str(r#""Last\u005fName""#).unwrap();
        assert!(matches!(escaped.0, std::borrow::Cow::Owned(_)));
        assert_eq!(escaped.as_str(), "Last_Name");
    }
}
