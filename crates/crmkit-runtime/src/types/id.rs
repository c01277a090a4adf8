//! Identifiers that a vendor sends as a JSON number in one answer and a string in another.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A vendor identifier: the digits, kept as a string, whether the JSON carried a number
/// (`315000153768793`) or a string (`"347000014281004"`).
///
/// Two ids are equal when their digits are; the original JSON form is remembered only so
/// that re-encoding a response gives back what the vendor sent.
#[derive(Clone, Eq)]
pub struct Id {
    digits: String,
    numeric: bool,
}

impl Id {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// The id as an unsigned number, when it is one that fits.
    pub fn as_u64(&self) -> Option<u64> {
        self.digits.parse().ok()
    }
}

impl PartialEq for Id {
    fn eq(&self, other: &Self) -> bool {
        self.digits == other.digits
    }
}

impl std::hash::Hash for Id {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.digits.hash(state);
    }
}

impl PartialOrd for Id {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Id {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.digits.cmp(&other.digits)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.digits, f)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

impl From<u64> for Id {
    fn from(n: u64) -> Self {
        Id {
            digits: n.to_string(),
            numeric: true,
        }
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Self {
        Id {
            digits: s.to_string(),
            numeric: false,
        }
    }
}

impl From<String> for Id {
    fn from(digits: String) -> Self {
        Id {
            digits,
            numeric: false,
        }
    }
}

impl From<&Id> for Id {
    fn from(id: &Id) -> Self {
        id.clone()
    }
}

impl std::str::FromStr for Id {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Id::from(s))
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        &self.digits
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self.numeric, self.as_u64()) {
            (true, Some(n)) => s.serialize_u64(n),
            _ => s.serialize_str(&self.digits),
        }
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id as a non-negative integer or a string")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Id, E> {
                Ok(Id::from(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Id, E> {
                u64::try_from(n)
                    .map(Id::from)
                    .map_err(|_| E::custom(format!("negative id {n}")))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Id, E> {
                Ok(Id::from(s))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Id, E> {
                Ok(Id::from(s))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_and_string_are_the_same_id_and_round_trip_as_sent() {
        let a: Id = serde_json::from_str("315000153768793").unwrap();
        let b: Id = serde_json::from_str("\"315000153768793\"").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "315000153768793");
        assert_eq!(serde_json::to_string(&a).unwrap(), "315000153768793");
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"315000153768793\"");
    }

    #[test]
    fn ids_beyond_f64_precision_keep_every_digit() {
        let id: Id = serde_json::from_str("9007199254740993").unwrap();
        assert_eq!(id.as_str(), "9007199254740993");
    }

    #[test]
    fn rejects_what_is_not_an_id() {
        assert!(serde_json::from_str::<Id>("-4").is_err());
        assert!(serde_json::from_str::<Id>("{}").is_err());
        assert!(serde_json::from_str::<Id>("1.5").is_err());
    }
}
