//! Enums that survive values the vendor adds after this client was generated.

use std::fmt;

use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A vendor enum: one of the values this client knows, or any other string the vendor sent.
///
/// Generated code uses `Lenient<XKnown>` for every named string enum of a spec, so one new
/// value on the vendor side never fails a whole response. Re-encoding gives back exactly the
/// string that was received.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lenient<T> {
    /// A value this client knows.
    Known(T),
    /// A value this client does not know yet, kept verbatim.
    Other(String),
}

impl<T> Lenient<T> {
    /// The known value, if it is one.
    pub fn known(&self) -> Option<&T> {
        match self {
            Lenient::Known(v) => Some(v),
            Lenient::Other(_) => None,
        }
    }
}

impl<T> From<T> for Lenient<T> {
    fn from(v: T) -> Self {
        Lenient::Known(v)
    }
}

impl<T: fmt::Display> fmt::Display for Lenient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lenient::Known(v) => v.fmt(f),
            Lenient::Other(s) => f.write_str(s),
        }
    }
}

impl<T: Serialize> Serialize for Lenient<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Lenient::Known(v) => v.serialize(s),
            Lenient::Other(v) => s.serialize_str(v),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        let known: Result<T, serde::de::value::Error> =
            T::deserialize(raw.as_str().into_deserializer());
        Ok(match known {
            Ok(v) => Lenient::Known(v),
            Err(_) => Lenient::Other(raw),
        })
    }
}

impl<T: std::str::FromStr> std::str::FromStr for Lenient<T> {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(s.parse()
            .map(Lenient::Known)
            .unwrap_or_else(|_| Lenient::Other(s.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Status {
        #[serde(rename = "SUCCESS")]
        Success,
        #[serde(rename = "ERROR")]
        Error,
    }

    #[test]
    fn known_and_unknown_values_round_trip() {
        let k: Lenient<Status> = serde_json::from_str("\"SUCCESS\"").unwrap();
        assert_eq!(k, Lenient::Known(Status::Success));
        let o: Lenient<Status> = serde_json::from_str("\"PARTIAL\"").unwrap();
        assert_eq!(o, Lenient::Other("PARTIAL".into()));
        assert_eq!(serde_json::to_string(&o).unwrap(), "\"PARTIAL\"");
        assert_eq!(serde_json::to_string(&k).unwrap(), "\"SUCCESS\"");
    }

    #[test]
    fn a_non_string_is_still_an_error() {
        assert!(serde_json::from_str::<Lenient<Status>>("3").is_err());
    }
}
