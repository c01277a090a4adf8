//! Comma-separated list parameters (`style: form, explode: false`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A list sent as one comma-separated value: `ids=1,2,3`.
///
/// progenitor ignores `explode: false` and would send `ids=1&ids=2`; specs name such list
/// schemas and the generator replaces them with this type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CsvList<T>(pub Vec<T>);

impl<T> CsvList<T> {
    /// The items.
    pub fn items(&self) -> &[T] {
        &self.0
    }
}

impl<T> From<Vec<T>> for CsvList<T> {
    fn from(v: Vec<T>) -> Self {
        CsvList(v)
    }
}

impl<T: Clone> From<&[T]> for CsvList<T> {
    fn from(v: &[T]) -> Self {
        CsvList(v.to_vec())
    }
}

impl<T> FromIterator<T> for CsvList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        CsvList(iter.into_iter().collect())
    }
}

impl<T: fmt::Display> fmt::Display for CsvList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            item.fmt(f)?;
        }
        Ok(())
    }
}

impl<T: fmt::Display> Serialize for CsvList<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `"1,22,333"`; the empty string is the empty list. A part that does not parse fails the
/// whole list with that part's error.
impl<T: FromStr> FromStr for CsvList<T> {
    type Err = T::Err;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw.is_empty() {
            return Ok(CsvList(Vec::new()));
        }
        raw.split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(CsvList)
    }
}

impl<'de, T: FromStr> Deserialize<'de> for CsvList<T>
where
    T::Err: fmt::Display,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_one_comma_separated_value() {
        let ids = CsvList(vec![1_i64, 22, 333]);
        assert_eq!(
            serde_urlencoded::to_string([("ids", &ids)]).unwrap(),
            "ids=1%2C22%2C333"
        );
        let back: CsvList<i64> = serde_json::from_str("\"1,22,333\"").unwrap();
        assert_eq!(back, ids);
        assert!(serde_json::from_str::<CsvList<i64>>("\"1,x\"").is_err());
        assert_eq!("1,22,333".parse::<CsvList<i64>>().unwrap(), ids);
        assert_eq!("".parse::<CsvList<i64>>().unwrap(), CsvList(vec![]));
    }
}
