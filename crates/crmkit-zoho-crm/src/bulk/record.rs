//! One exported record: the CSV row as the file gives it, with the header it shares with
//! every other row of its file.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// The field names of an exported file (its CSV header), shared by all its records.
#[derive(Debug, PartialEq, Eq)]
pub struct Header {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Header {
    /// A header of these names (the first of two equal names is the one looked up).
    pub fn new(names: Vec<String>) -> Self {
        let mut index = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            index.entry(name.clone()).or_insert(i);
        }
        Header { names, index }
    }

    /// The field names, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The position of `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

/// A record of a bulk export: every field as the CSV gives it, as text — the module's
/// fields by API name, lookups and owners as the ids (or the `Lookup.Field` columns) the
/// export asked for, custom fields included. The text of all fields is one allocation.
#[derive(Clone, PartialEq, Eq)]
pub struct BulkRecord {
    header: Arc<Header>,
    text: String,
    ends: Vec<usize>,
}

impl BulkRecord {
    /// A record of `header` whose field `i` is `text[ends[i - 1]..ends[i]]`.
    pub(crate) fn new(header: Arc<Header>, text: String, ends: Vec<usize>) -> Self {
        debug_assert_eq!(header.names.len(), ends.len());
        BulkRecord { header, text, ends }
    }

    /// The value of the field `name` (`""` for an empty field), or `None` when the file has
    /// no such column.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.header.position(name).and_then(|i| self.at(i))
    }

    /// The record id (the `Id` column every export has).
    pub fn id(&self) -> Option<&str> {
        self.get("Id")
    }

    /// The value of the `i`-th field.
    pub fn at(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }

    /// Every `(field, value)` pair, in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut start = 0;
        self.header
            .names
            .iter()
            .zip(&self.ends)
            .map(move |(name, &end)| {
                let value = self.text.get(start..end).unwrap_or_default();
                start = end;
                (name.as_str(), value)
            })
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no field.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The header the record shares with the rest of its file.
    pub fn header(&self) -> &Arc<Header> {
        &self.header
    }
}

impl fmt::Debug for BulkRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Serialized as a JSON object of the fields, in file order.
impl Serialize for BulkRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (name, value) in self.iter() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}
