//! [`Extra`]: the members of an open object that its type does not declare, kept as the
//! JSON text they came as.
//!
//! A Zoho CRM record is mostly such members (every custom field of an organisation), so
//! how they are kept decides what a page costs to decode. A `serde_json::Map` of `Value`s
//! builds a tree: a node per member and a `String` per key and per string value. `Extra`
//! appends each member's name and its value's JSON text to one `String` and indexes them,
//! so a record costs a handful of allocations whatever its size, and a value is parsed only
//! when it is asked for (BENCHMARKS.md has the figures).
//!
//! Decoding from serde_json takes each value's text as it is in the body (serde_json's raw
//! value path, asked for by name); any other deserializer (a `serde_json::Value`, a buffered
//! enum, another format) is transcoded to JSON text instead, so correctness never depends
//! on that path. Writing a member out parses its text into the serializer in use, so any
//! format gets the member's value, not a string of JSON.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The name under which serde_json hands a deserializer's raw JSON text to a visitor (its
/// `RawValue`). A deserializer that does not know it calls `visit_newtype_struct`, and the
/// value is transcoded instead.
const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// The undeclared members of an open object (an object the specification leaves open, such
/// as a Zoho CRM record and its custom fields), in the order they came, each value kept as
/// its JSON text.
///
/// ```
/// use crmkit_runtime::Extra;
///
/// let mut extra: Extra = serde_json::from_str(r#"{"Last_Name": "Smith", "Score": 7}"#)?;
/// assert_eq!(extra.get_as::<String>("Last_Name")?.as_deref(), Some("Smith"));
/// assert_eq!(extra.get("Score").map(|v| v.as_str()), Some("7"));
/// extra.insert("Company", "Zylker");
/// assert_eq!(serde_json::to_string(&extra)?, r#"{"Last_Name":"Smith","Score":7,"Company":"Zylker"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// A member named twice in one object (which JSON permits but no vendor sends) is kept
/// twice, so that the object is written back as it came; [`get`](Self::get) answers the
/// last one, as `serde_json::Value` would, and [`insert`](Self::insert) and
/// [`remove`](Self::remove) act on every occurrence.
#[derive(Clone, Default)]
pub struct Extra {
    /// Each member's name followed by its value's JSON text, in the order they came.
    text: String,
    members: Vec<Span>,
    /// Bytes of `text` no member refers to any more (left by `remove` and `insert`).
    dead: usize,
}

/// Where one member lies in `Extra::text`: the name at `start..value`, its JSON at
/// `value..end`.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    value: usize,
    end: usize,
}

/// One member's value: the JSON text it came as.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawJson<'a>(&'a str);

impl<'a> RawJson<'a> {
    /// The JSON text, as the vendor sent it (`"Smith"` with its quotes, `7`, `{"id": "1"}`).
    pub fn as_str(self) -> &'a str {
        self.0
    }

    /// The value read as `T`.
    pub fn parse<T: Deserialize<'a>>(self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.0)
    }

    /// The value as a [`serde_json::Value`].
    pub fn to_value(self) -> Value {
        // The text was checked to be one JSON value when it was kept.
        self.parse().unwrap_or(Value::Null)
    }

    /// Whether the value is `null`.
    pub fn is_null(self) -> bool {
        self.0.trim() == "null"
    }
}

impl fmt::Display for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The value itself, whatever the serializer (not a string holding JSON).
impl Serialize for RawJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut reader = serde_json::Deserializer::from_str(self.0);
        serde_transcode::transcode(&mut reader, serializer)
    }
}

impl Extra {
    /// No members.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many members there are (a name that came twice counts twice).
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The value of the member `key` (the last, if it came more than once).
    pub fn get(&self, key: &str) -> Option<RawJson<'_>> {
        self.members
            .iter()
            .rev()
            .find(|m| self.key(m) == key)
            .map(|m| self.value(m))
    }

    /// The value of the member `key` read as `T`: `Ok(None)` when there is no such member,
    /// an error when its value is not a `T` (a `null` is a `T` only for an `Option`).
    pub fn get_as<'a, T: Deserialize<'a>>(
        &'a self,
        key: &str,
    ) -> Result<Option<T>, serde_json::Error> {
        self.get(key).map(RawJson::parse).transpose()
    }

    /// Whether a member is named `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.members.iter().any(|m| self.key(m) == key)
    }

    /// The members' names, in the order they came.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.members.iter().map(|m| self.key(m))
    }

    /// The members, in the order they came.
    pub fn iter(&self) -> impl Iterator<Item = (&str, RawJson<'_>)> + '_ {
        self.members.iter().map(|m| (self.key(m), self.value(m)))
    }

    /// Sets the member `key` to `value`, replacing any it had; it goes last.
    pub fn insert(&mut self, key: &str, value: impl Into<Value>) {
        self.remove_all(key);
        let value = value.into().to_string();
        self.push(key, &value);
    }

    /// Sets the member `key` to the JSON text `json`, replacing any it had; it goes last.
    /// An error, and no change, when `json` is not one JSON value.
    pub fn insert_raw(&mut self, key: &str, json: &str) -> Result<(), serde_json::Error> {
        serde_json::from_str::<de::IgnoredAny>(json)?;
        self.remove_all(key);
        self.push(key, json);
        Ok(())
    }

    /// Removes the member `key` (every occurrence) and returns its value (the last).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let value = self.get(key).map(RawJson::to_value);
        self.remove_all(key);
        value
    }

    /// The members as a `serde_json::Map` (a name that came twice has its last value).
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .map(|(key, value)| (key.to_owned(), value.to_value()))
            .collect()
    }

    fn key(&self, m: &Span) -> &str {
        &self.text[m.start..m.value]
    }

    fn value(&self, m: &Span) -> RawJson<'_> {
        RawJson(&self.text[m.value..m.end])
    }

    /// Appends a member whose JSON is known to be one value.
    pub(crate) fn push(&mut self, key: &str, json: &str) {
        let Ok(()) = self.push_with(key, |text| {
            text.push_str(json);
            Ok::<(), std::convert::Infallible>(())
        });
    }

    /// Appends a member named `key` whose JSON `write` appends to the text; nothing when it
    /// fails.
    fn push_with<E>(
        &mut self,
        key: &str,
        write: impl FnOnce(&mut String) -> Result<(), E>,
    ) -> Result<(), E> {
        let start = self.text.len();
        self.text.push_str(key);
        let value = self.text.len();
        if let Err(e) = write(&mut self.text) {
            self.text.truncate(start);
            return Err(e);
        }
        self.members.push(Span {
            start,
            value,
            end: self.text.len(),
        });
        Ok(())
    }

    fn remove_all(&mut self, key: &str) {
        let text = &self.text;
        let mut dead = 0;
        self.members.retain(|m| {
            let keep = &text[m.start..m.value] != key;
            if !keep {
                dead += m.end - m.start;
            }
            keep
        });
        self.dead += dead;
        if self.dead > 0 && self.dead * 2 > self.text.len() {
            self.compact();
        }
    }

    /// Rewrites `text` without the bytes no member refers to.
    fn compact(&mut self) {
        let old = std::mem::take(self);
        self.text.reserve(old.text.len() - old.dead);
        self.members.reserve(old.members.len());
        for (key, value) in old.iter() {
            self.push(key, value.as_str());
        }
    }

    /// Appends a member named `key` whose value `deserializer` gives: the JSON text as it is
    /// in the body from serde_json, transcoded to JSON from any other deserializer.
    fn push_from<'de, D: Deserializer<'de>>(
        &mut self,
        key: &str,
        deserializer: D,
    ) -> Result<(), D::Error> {
        self.push_with(key, |text| {
            deserializer.deserialize_newtype_struct(RAW_TOKEN, JsonText(text))
        })
    }
}

/// Reads one member's value into an [`Extra`] (the generated open objects' decoders use it
/// for every property their type does not declare).
#[derive(Debug)]
pub struct Member<'a> {
    extra: &'a mut Extra,
    key: &'a str,
}

impl<'a> Member<'a> {
    /// The member `key` of `extra`.
    pub fn new(extra: &'a mut Extra, key: &'a str) -> Self {
        Self { extra, key }
    }
}

impl<'de> DeserializeSeed<'de> for Member<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.extra.push_from(self.key, deserializer)
    }
}

/// Keeps a known property that came as `json` (`null`, `[]` or `{}`, which its typed field
/// cannot tell from an absent one) so that it is written back as it came.
pub fn keep(extra: &mut Extra, key: &str, json: &'static str) {
    extra.push(key, json);
}

/// Writes the value it is given as JSON text at the end of a `String`.
struct JsonText<'a>(&'a mut String);

impl JsonText<'_> {
    fn write<T: Serialize + ?Sized, E: de::Error>(self, value: &T) -> Result<(), E> {
        let json = serde_json::to_string(value).map_err(E::custom)?;
        self.0.push_str(&json);
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for JsonText<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let mut json = Vec::new();
        serde_transcode::transcode(deserializer, &mut serde_json::Serializer::new(&mut json))
            .map_err(de::Error::custom)?;
        let json = String::from_utf8(json).map_err(de::Error::custom)?;
        self.0.push_str(&json);
        Ok(())
    }
}

/// The raw value's text (serde_json's raw value path hands it as the one map value).
struct RawText<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for RawText<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for RawText<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON text")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if needs_reading(v) {
            Check
                .deserialize(&mut serde_json::Deserializer::from_str(v))
                .map_err(E::custom)?;
        }
        self.0.push_str(v);
        Ok(())
    }
}

/// Whether a value serde_json's raw path kept must be read through once more, so that every
/// value kept can be read again. That path checks a `\u` escape's syntax, not that it names
/// a character (`"\ud800"` alone is not one), a number's syntax, not its range (`1e400`),
/// and no depth: a value with an escape `\u`, with an exponent after a digit outside a lone
/// string, or long enough to nest as deep as serde_json refuses (128 levels) is read again.
/// Most members are short strings: for them this is one search for a backslash.
fn needs_reading(v: &str) -> bool {
    let bytes = v.as_bytes();
    // 128 levels take 256 bytes; serde_json reads 127.
    if bytes.len() >= 2 * 128 {
        return true;
    }
    let escape_u = || bytes.contains(&b'\\') && v.contains("\\u");
    if bytes.first() == Some(&b'"') {
        return escape_u();
    }
    escape_u()
        || bytes
            .windows(2)
            .any(|w| w[0].is_ascii_digit() && (w[1] | 0x20) == b'e')
}

/// Reads a JSON value through, its strings decoded (without keeping them).
struct Check;

impl<'de> DeserializeSeed<'de> for Check {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Check)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Check)?.is_some() {
            map.next_value_seed(Check)?;
        }
        Ok(())
    }
}

/// A map key that may be serde_json's raw value name.
enum FirstKey {
    Raw,
    Other(String),
}

impl<'de> Deserialize<'de> for FirstKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = FirstKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FirstKey, E> {
                Ok(if v == RAW_TOKEN {
                    FirstKey::Raw
                } else {
                    FirstKey::Other(v.to_owned())
                })
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Any value, written as JSON text. serde_json gives the raw text through `visit_map` (a map
/// of one member named [`RAW_TOKEN`]); other deserializers give the value itself.
impl<'de> Visitor<'de> for JsonText<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let first = match map.next_key::<FirstKey>()? {
            Some(FirstKey::Raw) => return map.next_value_seed(RawText(self.0)),
            Some(FirstKey::Other(key)) => Some(key),
            None => None,
        };
        // A map from a deserializer that answers `deserialize_newtype_struct` with the
        // value itself (its first key is read already).
        let out = self.0;
        out.push('{');
        let mut next = first;
        while let Some(key) = next {
            JsonText(&mut *out).write::<_, A::Error>(&key)?;
            out.push(':');
            map.next_value_seed(JsonText(&mut *out))?;
            next = map.next_key::<String>()?;
            if next.is_some() {
                out.push(',');
            }
        }
        out.push('}');
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.deserialize(de::value::SeqAccessDeserializer::new(seq))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.write(&v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.write(&v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.write(&v)
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<(), E> {
        self.write(&v)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<(), E> {
        self.write(&v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.write(&v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.write(v)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<(), E> {
        self.write(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.push_str("null");
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExtraVisitor;
        impl<'de> Visitor<'de> for ExtraVisitor {
            type Value = Extra;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Extra, A::Error> {
                let mut extra = Extra::new();
                while let Some(key) = map.next_key::<crate::open::Key<'de>>()? {
                    map.next_value_seed(Member::new(&mut extra, key.as_str()))?;
                }
                Ok(extra)
            }
        }
        deserializer.deserialize_map(ExtraVisitor)
    }
}

/// An object of the members, in the order they came.
impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self.iter() {
            map.serialize_entry(key, &value)?;
        }
        map.end()
    }
}

/// Equal when they hold the same members with equal values (as `serde_json::Value`s), in
/// any order.
impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        let same_text = self.len() == other.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|((k1, v1), (k2, v2))| k1 == k2 && v1 == v2);
        same_text || self.to_map() == other.to_map()
    }
}

/// Like a map: `{"Last_Name": "Smith", "Score": 7}`.
impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl From<Map<String, Value>> for Extra {
    fn from(map: Map<String, Value>) -> Self {
        let mut extra = Extra::new();
        for (key, value) in &map {
            extra.push(key, &value.to_string());
        }
        extra
    }
}

impl From<Extra> for Map<String, Value> {
    fn from(extra: Extra) -> Self {
        extra.to_map()
    }
}

impl<K: AsRef<str>, V: Into<Value>> FromIterator<(K, V)> for Extra {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut extra = Extra::new();
        for (key, value) in iter {
            extra.insert(key.as_ref(), value);
        }
        extra
    }
}

impl<K: AsRef<str>, V: Into<Value>> Extend<(K, V)> for Extra {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (key, value) in iter {
            self.insert(key.as_ref(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::Extra;

    const OBJECT: &str = r#"{"Name" : "Zylker", "Tags": [ "a", {"b": null} ], "Score":7.5, "Empty": {}, "Esc": "tab\there \u00e9"}"#;

    #[test]
    fn serde_json_text_is_kept_as_it_came() {
        let extra: Extra = serde_json::from_str(OBJECT).unwrap();
        let members: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k, v.as_str())).collect();
        assert_eq!(
            members,
            [
                ("Name", r#""Zylker""#),
                ("Tags", r#"[ "a", {"b": null} ]"#),
                ("Score", "7.5"),
                ("Empty", "{}"),
                ("Esc", r#""tab\there \u00e9""#),
            ]
        );
        let from_bytes: Extra = serde_json::from_slice(OBJECT.as_bytes()).unwrap();
        let from_reader: Extra = serde_json::from_reader(OBJECT.as_bytes()).unwrap();
        assert_eq!(
            from_bytes.get("Tags").unwrap().as_str(),
            r#"[ "a", {"b": null} ]"#
        );
        assert_eq!(
            from_reader.get("Tags").unwrap().as_str(),
            r#"[ "a", {"b": null} ]"#
        );
        assert_eq!(
            extra.get_as::<String>("Esc").unwrap().as_deref(),
            Some("tab\there é")
        );
    }

    /// Every way in: text, a `Value`, and a deserializer that is not serde_json's (serde's
    /// buffer behind an untagged enum), which is transcoded; all give the same values.
    #[test]
    fn any_deserializer_gives_the_same_values() {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Buffered {
            Object(Extra),
        }
        let want: Value = serde_json::from_str(OBJECT).unwrap();
        let text: Extra = serde_json::from_str(OBJECT).unwrap();
        let value: Extra = serde_json::from_value(want.clone()).unwrap();
        let Buffered::Object(buffered) = serde_json::from_str(OBJECT).unwrap();
        for extra in [&text, &value, &buffered] {
            assert_eq!(serde_json::to_value(extra).unwrap(), want);
            assert_eq!(Value::Object(extra.to_map()), want);
        }
        assert_eq!(
            buffered.get("Tags").unwrap().as_str(),
            r#"["a",{"b":null}]"#
        );
        assert_eq!(text, value);
        assert_eq!(text, buffered);
    }

    #[test]
    fn written_out_as_values_in_the_order_they_came() {
        let extra: Extra = serde_json::from_str(OBJECT).unwrap();
        assert_eq!(
            serde_json::to_string(&extra).unwrap(),
            r#"{"Name":"Zylker","Tags":["a",{"b":null}],"Score":7.5,"Empty":{},"Esc":"tab\there é"}"#
        );
        // Into another serializer, a value is a value, not a string holding JSON.
        let value = serde_json::to_value(&extra).unwrap();
        assert_eq!(value["Tags"][1], json!({"b": null}));
    }

    #[test]
    fn insert_remove_and_lookups() {
        let mut extra = Extra::new();
        assert!(extra.is_empty());
        extra.insert("Company", "Zylker");
        extra.insert("Score", 3);
        extra.insert("Company", json!({"name": "Acme"}));
        assert_eq!(extra.keys().collect::<Vec<_>>(), ["Score", "Company"]);
        assert_eq!(extra.get_as::<u8>("Score").unwrap(), Some(3));
        assert_eq!(extra.get_as::<u8>("Missing").unwrap(), None);
        assert!(extra.get_as::<u8>("Company").is_err());
        assert!(extra.contains_key("Company") && !extra.contains_key("company"));
        assert_eq!(extra.remove("Score"), Some(json!(3)));
        assert_eq!(extra.remove("Score"), None);
        assert_eq!(extra.len(), 1);
        assert!(extra.insert_raw("Bad", "{").is_err());
        assert!(extra.insert_raw("Two", "1 2").is_err());
        assert!(!extra.contains_key("Bad") && !extra.contains_key("Two"));
        extra.insert_raw("Raw", " [1, 2] ").unwrap();
        assert_eq!(extra.get("Raw").unwrap().as_str(), " [1, 2] ");
        assert_eq!(extra.get_as::<Vec<u8>>("Raw").unwrap(), Some(vec![1, 2]));
        assert!(
            Extra::from_iter([("n", Value::Null)])
                .get("n")
                .unwrap()
                .is_null()
        );
    }

    #[test]
    fn replacing_a_member_many_times_does_not_grow_without_bound() {
        let mut extra = Extra::new();
        for i in 0..10_000 {
            extra.insert("Counter", i);
        }
        assert_eq!(extra.get_as::<u32>("Counter").unwrap(), Some(9_999));
        assert!(extra.text.len() < 64, "{} bytes kept", extra.text.len());
    }

    /// A name that came twice is kept twice (the object is written back as it came); a
    /// lookup answers the last, as `serde_json::Value` does; insert and remove take both.
    #[test]
    fn a_repeated_name_is_kept_and_the_last_one_answers() {
        let mut extra: Extra = serde_json::from_str(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(extra.len(), 3);
        assert_eq!(extra.get_as::<u8>("a").unwrap(), Some(3));
        assert_eq!(
            serde_json::to_string(&extra).unwrap(),
            r#"{"a":1,"b":2,"a":3}"#
        );
        assert_eq!(Value::Object(extra.to_map()), json!({"a": 3, "b": 2}));
        extra.insert("a", 4);
        assert_eq!(serde_json::to_string(&extra).unwrap(), r#"{"b":2,"a":4}"#);
    }

    #[test]
    fn equal_when_the_values_are_whatever_the_order_and_spacing() {
        let a: Extra = serde_json::from_str(r#"{"x": [1, 2], "y": "z"}"#).unwrap();
        let b: Extra = serde_json::from_str(r#"{"y":"z","x":[1,2]}"#).unwrap();
        let c: Extra = serde_json::from_str(r#"{"y":"z","x":[1,3]}"#).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(format!("{a:?}"), r#"{"x": [1, 2], "y": "z"}"#);
    }

    #[test]
    fn a_value_that_is_not_json_is_an_error() {
        for bad in [
            r#"{"a": }"#,
            r#"{"a": [1,}"#,
            r#"{"a": "\ud800"}"#,
            r#"{"a": {"b\udc00": 1}}"#,
            r#"{"a": 1e400}"#,
            r#"{"a": [1, {"b": -2.5E+999}]}"#,
            r#"{"a": 1"#,
        ] {
            assert!(serde_json::from_str::<Extra>(bad).is_err(), "{bad}");
        }
        let deep = format!(r#"{{"a": {}{}}}"#, "[".repeat(200), "]".repeat(200));
        assert!(serde_json::from_str::<Extra>(&deep).is_err());
    }

    /// A deserializer that answers `deserialize_newtype_struct` with the value itself (serde's
    /// value deserializers forward it to `deserialize_any`): scalars, sequences and maps are
    /// written as JSON text.
    #[test]
    fn a_deserializer_without_newtypes_gives_its_values() {
        use std::collections::BTreeMap;

        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, MapDeserializer};

        fn one<'a, V: IntoDeserializer<'a, Error>>(value: V) -> Value {
            let extra =
                Extra::deserialize(MapDeserializer::<_, Error>::new([("k", value)].into_iter()))
                    .unwrap();
            extra.get("k").unwrap().to_value()
        }
        assert_eq!(one(7u32), json!(7));
        assert_eq!(one(-7i64), json!(-7));
        assert_eq!(one(2.5f64), json!(2.5));
        assert_eq!(one(true), json!(true));
        assert_eq!(one("tab\t\"quoted\""), json!("tab\t\"quoted\""));
        assert_eq!(one(()), Value::Null);
        assert_eq!(one(vec![1u8, 2, 3]), json!([1, 2, 3]));
        assert_eq!(one(Vec::<u8>::new()), json!([]));
        let map: BTreeMap<&str, u8> = [("a", 1), ("b", 2)].into();
        assert_eq!(one(map), json!({"a": 1, "b": 2}));
        assert_eq!(one(BTreeMap::<&str, u8>::new()), json!({}));
    }

    /// What the second reading lets through: every value kept reads again, and writes out.
    #[test]
    fn values_near_the_limits_are_kept_and_read_again() {
        let too_deep = format!(r#"{{"a": {}{}}}"#, "[".repeat(128), "]".repeat(128));
        assert!(serde_json::from_str::<Extra>(&too_deep).is_err());
        let deep = format!("{}{}", "[".repeat(127), "]".repeat(127));
        let long = format!(r#""{}""#, "x".repeat(10_000));
        let text = format!(
            r#"{{"tiny": 1e-400, "e": "5e999", "big": 1.5e308, "deep": {deep}, "long": {long}, "u": "é"}}"#
        );
        let extra: Extra = serde_json::from_str(&text).unwrap();
        assert_eq!(extra.get_as::<f64>("tiny").unwrap(), Some(0.0));
        assert_eq!(
            extra.get_as::<String>("e").unwrap().as_deref(),
            Some("5e999")
        );
        assert_eq!(extra.get_as::<f64>("big").unwrap(), Some(1.5e308));
        assert_eq!(extra.get_as::<String>("u").unwrap().as_deref(), Some("é"));
        for (key, value) in extra.iter() {
            assert!(value.parse::<serde_json::Value>().is_ok(), "{key}");
        }
        let again: Extra = serde_json::from_slice(&serde_json::to_vec(&extra).unwrap()).unwrap();
        assert_eq!(again, extra);
    }
}
