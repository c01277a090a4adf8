//! The XML of AcuInvoice's API, by hand: a writer for `<request method="…">` documents and
//! a reader for `<response status="…">` documents.
//!
//! The writer produces exactly the shape of `specs/acuinvoice.yaml`: an XML declaration,
//! then `<request method="…">` with one child element per set field, in the order of the
//! vendor's document, each holding its value as escaped text. Non-ASCII is written as UTF-8.
//!
//! The reader ([`read`]) is deliberately small. It accepts elements, attributes, text, CDATA,
//! comments and processing instructions (neither of the last two is ever acted on), and
//! refuses — with a [`ReadError`], never a panic — anything it would have to expand or
//! guess at: a `DOCTYPE` (and with it every DTD, entity declaration, billion-laughs bomb
//! and external entity), a reference to any entity but the five predefined ones, a
//! character XML 1.0 does not allow, a non-UTF-8 body or a declared encoding other than
//! UTF-8, mismatched or unclosed tags, more than one root, text outside the root, text
//! beside child elements, and nesting deeper than [`MAX_DEPTH`]. Its tree is compact
//! ([`Document`]: interned names, 20 bytes per element, one text buffer), and [`Limits`]
//! refuse documents denser or more varied than any answer of the API.

mod document;

use std::num::NonZeroU64;

use quick_xml::escape::EscapeError;
use serde_json::{Map, Value};

pub use document::{Document, Limits};

use crate::types::{
    ContactCreateRequest, ContactDeleteRequest, ContactGetRequest, ContactListRequest,
    ContactUpdateRequest,
};

/// The deepest element nesting [`read`] accepts (the API's documents are three deep).
pub const MAX_DEPTH: usize = 16;

/// Child elements whose text is an integer in the API (`contact_id`, `client_id`, `page`,
/// `per_page`); [`Element::to_json`] turns their text into JSON numbers.
pub const INTEGER_ELEMENTS: [&str; 4] = ["contact_id", "client_id", "page", "per_page"];

// ---------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------

/// A value the writer cannot put into an XML 1.0 document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{element}` holds the character U+{:04X}, which XML 1.0 cannot carry", u32::from(*.character))]
pub struct WriteError {
    /// The element (or attribute) whose value was refused.
    pub element: String,
    /// The offending character (a control character, U+FFFE or U+FFFF).
    pub character: char,
}

/// Builds one request document.
struct Writer {
    out: String,
}

impl Writer {
    fn new(method: &str) -> Result<Self, WriteError> {
        let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?><request method=""#);
        escape_into(&mut out, "method", method, true)?;
        out.push_str("\">");
        Ok(Writer { out })
    }

    fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name>value</name>`, the value escaped.
    fn text(&mut self, name: &str, value: &str) -> Result<(), WriteError> {
        self.open(name);
        escape_into(&mut self.out, name, value, false)?;
        self.close(name);
        Ok(())
    }

    /// [`text`](Self::text) when the value is set; nothing otherwise.
    fn optional(&mut self, name: &str, value: Option<impl ToString>) -> Result<(), WriteError> {
        match value {
            Some(v) => self.text(name, &v.to_string()),
            None => Ok(()),
        }
    }

    fn finish(mut self) -> String {
        self.out.push_str("</request>");
        self.out
    }
}

/// Escapes `value` for element text (or an attribute value, with `attribute`): `&`, `<`,
/// `>`, `"` and `'` become the predefined entities (so `]]>` is written `]]&gt;`); a
/// carriage return becomes `&#xD;` (a reader would otherwise turn it into a line feed),
/// and in attributes tab and line feed become references too (a reader would otherwise
/// turn them into spaces). Everything else, non-ASCII included, is written as UTF-8.
fn escape_into(
    out: &mut String,
    element: &str,
    value: &str,
    attribute: bool,
) -> Result<(), WriteError> {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            '\t' if attribute => out.push_str("&#x9;"),
            '\n' if attribute => out.push_str("&#xA;"),
            c if is_xml_char(c) => out.push(c),
            character => {
                return Err(WriteError {
                    element: element.to_string(),
                    character,
                });
            }
        }
    }
    Ok(())
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The `contact.create` document: `<request method="contact.create"><contact>…</contact></request>`.
pub fn contact_create(request: &ContactCreateRequest) -> Result<String, WriteError> {
    let c = &request.contact;
    let mut w = Writer::new(&request.method.to_string())?;
    w.open("contact");
    w.text("client_id", &c.client_id.to_string())?;
    w.text("first_name", &c.first_name)?;
    w.text("last_name", &c.last_name)?;
    w.text("email", &c.email)?;
    w.optional("phone", c.phone.as_deref())?;
    w.optional("mobile_phone", c.mobile_phone.as_deref())?;
    w.close("contact");
    Ok(w.finish())
}

/// The `contact.update` document: `contact_id` and only the fields that are set.
pub fn contact_update(request: &ContactUpdateRequest) -> Result<String, WriteError> {
    let c = &request.contact;
    let mut w = Writer::new(&request.method.to_string())?;
    w.open("contact");
    w.text("contact_id", &c.contact_id.to_string())?;
    w.optional("client_id", c.client_id)?;
    w.optional("first_name", c.first_name.as_deref())?;
    w.optional("last_name", c.last_name.as_deref())?;
    w.optional("email", c.email.as_deref())?;
    w.optional("phone", c.phone.as_deref())?;
    w.optional("mobile_phone", c.mobile_phone.as_deref())?;
    w.close("contact");
    Ok(w.finish())
}

/// The `contact.get` document: `<request method="contact.get"><contact_id>…</contact_id></request>`.
pub fn contact_get(request: &ContactGetRequest) -> Result<String, WriteError> {
    by_id(&request.method.to_string(), request.contact_id)
}

/// The `contact.delete` document: `<request method="contact.delete"><contact_id>…</contact_id></request>`.
pub fn contact_delete(request: &ContactDeleteRequest) -> Result<String, WriteError> {
    by_id(&request.method.to_string(), request.contact_id)
}

fn by_id(method: &str, contact_id: NonZeroU64) -> Result<String, WriteError> {
    let mut w = Writer::new(method)?;
    w.text("contact_id", &contact_id.to_string())?;
    Ok(w.finish())
}

/// The `contact.list` document: the filters that are set, then `page` and `per_page`.
pub fn contact_list(request: &ContactListRequest) -> Result<String, WriteError> {
    let mut w = Writer::new(&request.method.to_string())?;
    w.optional("client_id", request.client_id)?;
    w.optional("email", request.email.as_deref())?;
    w.text("page", &request.page.to_string())?;
    w.text("per_page", &request.per_page.to_string())?;
    Ok(w.finish())
}

// ---------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------

/// One element of a document [`read`] accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The element's name, e.g. `response`.
    pub name: String,
    /// Its attributes in document order, values unescaped and normalised.
    pub attributes: Vec<(String, String)>,
    /// Its text, unescaped and exactly as sent (whitespace kept), when it has no child
    /// elements; empty when it has children (whitespace between them is not content).
    pub text: String,
    /// Its child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The value of attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The element as the JSON object the spec's schemas describe: its attributes (the
    /// root's `status` or `method`) and its child elements become properties. A child with
    /// children becomes an object, a child without becomes its text — a number for the
    /// [`INTEGER_ELEMENTS`] — and a name that repeats becomes an array, as does every
    /// child named in `lists` (the spec's unwrapped arrays, e.g. `contact` in a
    /// `contact.list` answer). The attributes of nested elements are not included.
    pub fn to_json(&self, lists: &[&str]) -> Map<String, Value> {
        let mut map: Map<String, Value> = self
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        add_children(&mut map, &self.children, lists);
        map
    }

    fn value(&self) -> Value {
        if !self.children.is_empty() {
            let mut map = Map::new();
            add_children(&mut map, &self.children, &[]);
            return Value::Object(map);
        }
        if INTEGER_ELEMENTS.contains(&self.name.as_str())
            && let Ok(n) = self.text.trim().parse::<i64>()
        {
            return Value::from(n);
        }
        Value::String(self.text.clone())
    }
}

/// Adds `children` to `map` in one pass. An element's own value is never an array, so an
/// array already in `map` is one this function made (a listed or repeated name).
fn add_children(map: &mut Map<String, Value>, children: &[Element], lists: &[&str]) {
    for child in children {
        let value = child.value();
        match map.get_mut(&child.name) {
            Some(Value::Array(items)) => items.push(value),
            // The name again (or a child named like an attribute): keep both.
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None if lists.contains(&child.name.as_str()) => {
                map.insert(child.name.clone(), Value::Array(vec![value]));
            }
            None => {
                map.insert(child.name.clone(), value);
            }
        }
    }
}

/// Why [`read`] refused a document. Nothing in a refused document is expanded or fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The body is not UTF-8.
    #[error("the body is not UTF-8")]
    NotUtf8,
    /// The XML declaration names an encoding other than UTF-8.
    #[error("the document declares encoding `{0}`; only UTF-8 is accepted")]
    Encoding(String),
    /// A `DOCTYPE`: DTDs, entity declarations and external entities are refused outright.
    #[error(
        "the document has a DOCTYPE (DTDs and entity declarations are refused, never expanded)"
    )]
    Doctype,
    /// A reference to an entity other than `lt`, `gt`, `amp`, `apos`, `quot`.
    #[error(
        "the document refers to the undeclared entity `&{0};` (only the five predefined entities are accepted)"
    )]
    UnknownEntity(String),
    /// A character XML 1.0 does not allow (raw, or as a character reference).
    #[error("the document holds the character U+{:04X}, which XML 1.0 does not allow", u32::from(*.0))]
    InvalidCharacter(char),
    /// Elements nested deeper than [`MAX_DEPTH`].
    #[error("elements are nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// More than the [`Limits`] allow: elements for the body's size, distinct names,
    /// attributes, name length.
    #[error("the document holds {0}; refused before it is read further")]
    TooLarge(String),
    /// Not well-formed: a syntax error, mismatched or unclosed tags, no root or several,
    /// text outside the root, or text beside child elements.
    #[error("the document is not well-formed XML: {0}")]
    Malformed(String),
}

/// Parses `body` into its root element, refusing what [`ReadError`] lists. The whole tree
/// is built, however large: the client reads answers through [`Document`] with
/// [`Limits::for_answer`] instead, at a small multiple of the body's size.
pub fn read(body: &[u8]) -> Result<Element, ReadError> {
    Document::parse(body, Limits::unbounded()).map(|doc| doc.to_element())
}

pub(crate) fn malformed(e: quick_xml::Error) -> ReadError {
    match e {
        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
            ReadError::UnknownEntity(name)
        }
        other => ReadError::Malformed(other.to_string()),
    }
}

pub(crate) fn check_chars(text: &str) -> Result<(), ReadError> {
    match text.chars().find(|c| !is_xml_char(*c)) {
        Some(c) => Err(ReadError::InvalidCharacter(c)),
        None => Ok(()),
    }
}

pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_cdata_end_and_carriage_returns() {
        let mut out = String::new();
        escape_into(&mut out, "x", "a<b>&\"'c]]>\r\n\tZoë", false).unwrap();
        assert_eq!(out, "a&lt;b&gt;&amp;&quot;&apos;c]]&gt;&#xD;\n\tZoë");
        let mut attr = String::new();
        escape_into(&mut attr, "x", "a\tb\nc", true).unwrap();
        assert_eq!(attr, "a&#x9;b&#xA;c");
        let err = escape_into(&mut String::new(), "email", "a\u{1}", false).unwrap_err();
        assert_eq!(err.character, '\u{1}');
        assert_eq!(err.element, "email");
    }

    #[test]
    fn repeated_and_listed_children_become_arrays() {
        let doc = read(
            b"<response status=\"ok\"><contact><contact_id>1</contact_id></contact></response>",
        )
        .unwrap();
        let single = doc.to_json(&[]);
        assert!(single["contact"].is_object());
        let listed = doc.to_json(&["contact"]);
        assert_eq!(listed["contact"][0]["contact_id"], 1);
        let two = read(b"<r><c>1</c><c>2</c><c>3</c></r>").unwrap();
        assert_eq!(two.to_json(&[])["c"], serde_json::json!(["1", "2", "3"]));
    }
}
