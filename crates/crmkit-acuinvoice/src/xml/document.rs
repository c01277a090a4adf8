//! The reader's compact tree: element names interned, every element a 20-byte node, all
//! leaf text in one buffer — so decoding an answer costs a small multiple of its size, and
//! [`Limits`] refuse, early and with a clear error, the documents that would cost more
//! (too many elements for their size, too many distinct names, too many attributes, names
//! too long).

use std::collections::HashMap;

use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};

use super::{
    Element, INTEGER_ELEMENTS, MAX_DEPTH, ReadError, check_chars, is_xml_space, malformed,
};

/// What a document may hold before it is refused.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Elements in the whole document.
    pub max_elements: usize,
    /// Distinct element names.
    pub max_names: usize,
    /// Attributes on one element.
    pub max_attributes: usize,
    /// Bytes in one element or attribute name.
    pub max_name_len: usize,
}

impl Limits {
    /// For an answer of `len` bytes: at most one element per 12 bytes (the API's elements
    /// take 20 and more: `<page>1</page>` is 14, a contact's fields 25 on average), 4,096
    /// distinct names (the API has about 15), 64 attributes, names of 256 bytes.
    pub fn for_answer(len: usize) -> Self {
        Limits {
            max_elements: len / 12 + 64,
            max_names: 4096,
            max_attributes: 64,
            max_name_len: 256,
        }
    }

    /// No limit on the number of elements or names (for [`read`](super::read), whose
    /// caller decides); attributes and name lengths stay bounded.
    pub fn unbounded() -> Self {
        Limits {
            max_elements: usize::MAX,
            max_names: usize::MAX,
            max_attributes: 1024,
            max_name_len: 4096,
        }
    }
}

const NONE: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Node {
    name: u32,
    first_child: u32,
    next_sibling: u32,
    text_start: u32,
    text_len: u32,
}

/// A document the reader accepted, in compact form.
pub struct Document {
    names: Vec<Box<str>>,
    nodes: Vec<Node>,
    text: String,
    root_attributes: Vec<(String, String)>,
    /// The other elements' attributes, in document order: (node, key and value as ranges
    /// of `attribute_text`).
    attributes: Vec<(u32, u32, u32, u32, u32)>,
    attribute_text: String,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("root", &self.root_name())
            .field("elements", &self.nodes.len())
            .field("names", &self.names.len())
            .field("text_bytes", &self.text.len())
            .finish()
    }
}

/// An element being read: its node, its last child so far.
struct Open {
    node: u32,
    last_child: u32,
}

fn too_big(what: String) -> ReadError {
    ReadError::TooLarge(what)
}

impl Document {
    /// Reads `body`, refusing what [`ReadError`] lists and what `limits` do not allow.
    pub fn parse(body: &[u8], limits: Limits) -> Result<Document, ReadError> {
        let text = std::str::from_utf8(body).map_err(|_| ReadError::NotUtf8)?;
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        if u32::try_from(text.len()).is_err() {
            return Err(too_big("a body of 4 GiB or more".into()));
        }
        let mut reader = quick_xml::Reader::from_str(text);
        reader.config_mut().enable_all_checks(true);
        let mut doc = Document {
            names: Vec::new(),
            nodes: Vec::with_capacity((body.len() / 32).min(limits.max_elements)),
            text: String::new(),
            root_attributes: Vec::new(),
            attributes: Vec::new(),
            attribute_text: String::new(),
        };
        let mut interned: HashMap<Box<str>, u32> = HashMap::new();
        let mut open: Vec<Open> = Vec::new();
        let mut closed_root = false;
        let mut first = true;
        loop {
            let event = reader.read_event().map_err(malformed)?;
            match event {
                Event::Decl(decl) if first => {
                    if let Some(encoding) = decl.encoding() {
                        let encoding = encoding.map_err(|e| malformed(e.into()))?;
                        if !encoding.eq_ignore_ascii_case("utf-8") {
                            return Err(ReadError::Encoding(encoding.into_owned()));
                        }
                    }
                }
                Event::Decl(_) => {
                    return Err(ReadError::Malformed(
                        "an XML declaration after the start of the document".into(),
                    ));
                }
                Event::DocType(_) => return Err(ReadError::Doctype),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Start(start) => {
                    doc.start(&start, &mut open, closed_root, &mut interned, &limits)?;
                }
                Event::Empty(start) => {
                    doc.start(&start, &mut open, closed_root, &mut interned, &limits)?;
                    doc.end(&mut open, &mut closed_root)?;
                }
                Event::End(_) => doc.end(&mut open, &mut closed_root)?,
                Event::Text(t) => doc.add_text(&open, &t.xml10_content())?,
                Event::CData(t) => doc.add_text(&open, &t.xml10_content())?,
                Event::GeneralRef(r) => {
                    let resolved = if r.is_char_ref() {
                        let c = r.resolve_char_ref().map_err(malformed)?.ok_or_else(|| {
                            ReadError::Malformed("a bad character reference".into())
                        })?;
                        c.to_string()
                    } else {
                        resolve_xml_entity(&r)
                            .ok_or_else(|| ReadError::UnknownEntity(r.to_string()))?
                            .to_string()
                    };
                    doc.add_text(&open, &resolved)?;
                }
                Event::Eof => break,
            }
            first = false;
        }
        if let Some(unclosed) = open.last() {
            return Err(ReadError::Malformed(format!(
                "<{}> is not closed",
                doc.name(unclosed.node)
            )));
        }
        if doc.nodes.is_empty() {
            return Err(ReadError::Malformed("no root element".into()));
        }
        Ok(doc)
    }

    fn name(&self, node: u32) -> &str {
        &self.names[self.nodes[node as usize].name as usize]
    }

    fn start(
        &mut self,
        start: &BytesStart<'_>,
        open: &mut Vec<Open>,
        closed_root: bool,
        interned: &mut HashMap<Box<str>, u32>,
        limits: &Limits,
    ) -> Result<(), ReadError> {
        if open.is_empty() && (closed_root || !self.nodes.is_empty()) {
            return Err(ReadError::Malformed("more than one root element".into()));
        }
        if open.len() >= MAX_DEPTH {
            return Err(ReadError::TooDeep);
        }
        if self.nodes.len() + self.attributes.len() >= limits.max_elements {
            return Err(too_big(format!(
                "more than {} elements ({} bytes of body per element at least)",
                limits.max_elements, 12
            )));
        }
        let raw = start.name();
        let name: &str = raw.as_ref();
        if name.len() > limits.max_name_len {
            return Err(too_big(format!(
                "an element name longer than {} bytes",
                limits.max_name_len
            )));
        }
        let is_root = open.is_empty();
        let mut count = 0;
        for attr in start.attributes() {
            count += 1;
            if count > limits.max_attributes {
                return Err(too_big(format!(
                    "more than {} attributes on <{name}>",
                    limits.max_attributes
                )));
            }
            let attr = attr.map_err(|e| malformed(e.into()))?;
            if attr.key.as_ref().len() > limits.max_name_len {
                return Err(too_big(format!(
                    "an attribute name longer than {} bytes",
                    limits.max_name_len
                )));
            }
            let value = attr
                .normalized_value_with(quick_xml::XmlVersion::Implicit1_0, 1, resolve_xml_entity)
                .map_err(malformed)?;
            check_chars(&value)?;
            if is_root {
                self.root_attributes
                    .push((attr.key.as_ref().to_string(), value.into_owned()));
            } else {
                // Each attribute counts against the element budget: they cost memory alike.
                if self.nodes.len() + self.attributes.len() >= limits.max_elements {
                    return Err(too_big(format!(
                        "more than {} elements and attributes",
                        limits.max_elements
                    )));
                }
                let key: &str = attr.key.as_ref();
                let key_start = self.attribute_text.len() as u32;
                self.attribute_text.push_str(key);
                let value_start = self.attribute_text.len() as u32;
                self.attribute_text.push_str(&value);
                self.attributes.push((
                    self.nodes.len() as u32,
                    key_start,
                    key.len() as u32,
                    value_start,
                    value.len() as u32,
                ));
            }
        }
        let id = match interned.get(name) {
            Some(id) => *id,
            None => {
                if self.names.len() >= limits.max_names {
                    return Err(too_big(format!(
                        "more than {} distinct element names",
                        limits.max_names
                    )));
                }
                let id = self.names.len() as u32;
                self.names.push(name.into());
                interned.insert(name.into(), id);
                id
            }
        };
        let node = self.nodes.len() as u32;
        if let Some(parent) = open.last_mut() {
            if parent.last_child == NONE {
                // The parent's first child: text before it must be whitespace only.
                let p = &mut self.nodes[parent.node as usize];
                let start = p.text_start as usize;
                if !self.text[start..].trim_matches(is_xml_space).is_empty() {
                    return Err(ReadError::Malformed(format!(
                        "<{}> mixes text and child elements",
                        self.names[p.name as usize]
                    )));
                }
                self.text.truncate(start);
                p.first_child = node;
            } else {
                self.nodes[parent.last_child as usize].next_sibling = node;
            }
            parent.last_child = node;
        }
        self.nodes.push(Node {
            name: id,
            first_child: NONE,
            next_sibling: NONE,
            text_start: self.text.len() as u32,
            text_len: 0,
        });
        open.push(Open {
            node,
            last_child: NONE,
        });
        Ok(())
    }

    fn end(&mut self, open: &mut Vec<Open>, closed_root: &mut bool) -> Result<(), ReadError> {
        // quick-xml has checked that the name matches the open element.
        let element = open
            .pop()
            .ok_or_else(|| ReadError::Malformed("a closing tag without an opening one".into()))?;
        let len = self.text.len() as u32;
        let node = &mut self.nodes[element.node as usize];
        if element.last_child == NONE {
            node.text_len = len - node.text_start;
        }
        if open.is_empty() {
            *closed_root = true;
        }
        Ok(())
    }

    fn add_text(&mut self, open: &[Open], text: &str) -> Result<(), ReadError> {
        check_chars(text)?;
        match open.last() {
            Some(element) if element.last_child != NONE => {
                if !text.trim_matches(is_xml_space).is_empty() {
                    return Err(ReadError::Malformed(format!(
                        "<{}> mixes text and child elements",
                        self.name(element.node)
                    )));
                }
            }
            Some(_) => self.text.push_str(text),
            None if text.trim_matches(is_xml_space).is_empty() => {}
            None => return Err(ReadError::Malformed("text outside the root element".into())),
        }
        Ok(())
    }

    /// The root element's name.
    pub fn root_name(&self) -> &str {
        self.name(0)
    }

    /// The value of the root's attribute `name`.
    pub fn root_attribute(&self, name: &str) -> Option<&str> {
        self.root_attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn children(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        let mut next = self.nodes[node as usize].first_child;
        std::iter::from_fn(move || {
            (next != NONE).then(|| {
                let current = next;
                next = self.nodes[current as usize].next_sibling;
                current
            })
        })
    }

    fn leaf_text(&self, node: u32) -> &str {
        let n = &self.nodes[node as usize];
        &self.text[n.text_start as usize..(n.text_start + n.text_len) as usize]
    }

    /// The tree as [`Element`]s (costly for a large document; the client decodes through
    /// [`Document::json`] instead).
    pub fn to_element(&self) -> Element {
        self.element(0)
    }

    fn element(&self, node: u32) -> Element {
        let children: Vec<Element> = self.children(node).map(|c| self.element(c)).collect();
        Element {
            name: self.name(node).to_string(),
            attributes: if node == 0 {
                self.root_attributes.clone()
            } else {
                self.attributes_of(node)
            },
            text: if children.is_empty() {
                self.leaf_text(node).to_string()
            } else {
                String::new()
            },
            children,
        }
    }

    fn attributes_of(&self, node: u32) -> Vec<(String, String)> {
        let first = self.attributes.partition_point(|a| a.0 < node);
        self.attributes[first..]
            .iter()
            .take_while(|a| a.0 == node)
            .map(|&(_, ks, kl, vs, vl)| {
                let text = &self.attribute_text;
                (
                    text[ks as usize..(ks + kl) as usize].to_string(),
                    text[vs as usize..(vs + vl) as usize].to_string(),
                )
            })
            .collect()
    }

    /// The root as JSON text, exactly as [`Element::to_json`] builds it (attributes of the
    /// root, children grouped by name, arrays for repeated names and those in `lists`) —
    /// without a `serde_json::Value` in between.
    pub fn json(&self, lists: &[&str]) -> String {
        let mut out = String::with_capacity(self.text.len() + self.nodes.len() * 8);
        self.object(0, lists, true, &mut out);
        out
    }

    fn object(&self, node: u32, lists: &[&str], root: bool, out: &mut String) {
        // Children grouped by name, in the order the names first appear.
        let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
        for child in self.children(node) {
            let name = self.nodes[child as usize].name;
            match groups.iter_mut().find(|(n, _)| *n == name) {
                Some((_, members)) => members.push(child),
                None => groups.push((name, vec![child])),
            }
        }
        out.push('{');
        let mut comma = false;
        let mut separate = |out: &mut String| {
            if comma {
                out.push(',');
            }
            comma = true;
        };
        let attributes: &[(String, String)] = if root { &self.root_attributes } else { &[] };
        for (key, value) in attributes {
            if groups
                .iter()
                .any(|(n, _)| &*self.names[*n as usize] == key.as_str())
            {
                continue; // written with the children of the same name, first
            }
            separate(out);
            string(out, key);
            out.push(':');
            string(out, value);
        }
        for (name, members) in &groups {
            let name = &*self.names[*name as usize];
            let attribute = attributes.iter().find(|(k, _)| k == name);
            let array = members.len() > 1 || attribute.is_some() || (root && lists.contains(&name));
            separate(out);
            string(out, name);
            out.push(':');
            if array {
                out.push('[');
            }
            let mut first = true;
            if let Some((_, value)) = attribute {
                string(out, value);
                first = false;
            }
            for member in members {
                if !first {
                    out.push(',');
                }
                first = false;
                self.value(*member, out);
            }
            if array {
                out.push(']');
            }
        }
        out.push('}');
    }

    fn value(&self, node: u32, out: &mut String) {
        if self.nodes[node as usize].first_child != NONE {
            return self.object(node, &[], false, out);
        }
        let text = self.leaf_text(node);
        if INTEGER_ELEMENTS.contains(&self.name(node))
            && let Ok(n) = text.trim().parse::<i64>()
        {
            out.push_str(&n.to_string());
            return;
        }
        string(out, text);
    }
}

/// `s` as a JSON string.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(body: &str, lists: &[&str]) {
        let doc = Document::parse(body.as_bytes(), Limits::unbounded()).unwrap();
        let via_tree = serde_json::Value::Object(doc.to_element().to_json(lists));
        let direct: serde_json::Value = serde_json::from_str(&doc.json(lists)).unwrap();
        assert_eq!(direct, via_tree, "{body}");
    }

    #[test]
    fn the_json_text_is_what_the_tree_gives() {
        both(
            r#"<response status="ok"><contact><contact_id>1</contact_id><email>a&amp;b@x.y</email></contact></response>"#,
            &["contact"],
        );
        both(
            r#"<response status="ok"><contact><contact_id>1</contact_id></contact></response>"#,
            &[],
        );
        both("<r><c>1</c><c>2</c><c>3</c><d> x\"\\\t </d></r>", &[]);
        both(
            r#"<r status="a"><status>b</status><page> 7 </page><per_page>x</per_page></r>"#,
            &[],
        );
        both("<r>  </r>", &[]);
        both("<r><a/><b><c>t</c><c/></b></r>", &["a"]);
    }

    #[test]
    fn limits_refuse_dense_and_name_heavy_documents() {
        let dense = format!("<r>{}</r>", "<a/>".repeat(10_000));
        assert!(matches!(
            Document::parse(dense.as_bytes(), Limits::for_answer(dense.len())),
            Err(ReadError::TooLarge(_))
        ));
        let names: String = (0..5000).map(|i| format!("<n{i}>x</n{i}>")).collect();
        let names = format!("<r>{names}</r>");
        assert!(matches!(
            Document::parse(names.as_bytes(), Limits::for_answer(names.len())),
            Err(ReadError::TooLarge(m)) if m.contains("distinct")
        ));
        let long = format!("<{}/>", "a".repeat(300));
        assert!(Document::parse(long.as_bytes(), Limits::for_answer(long.len())).is_err());
        let attrs: String = (0..100).map(|i| format!(" a{i}=\"1\"")).collect();
        let attrs = format!("<r{attrs}/>");
        assert!(Document::parse(attrs.as_bytes(), Limits::for_answer(attrs.len())).is_err());
        let real = format!(
            r#"<response status="ok">{}</response>"#,
            "<contact><contact_id>1</contact_id><page>1</page></contact>".repeat(1000)
        );
        Document::parse(real.as_bytes(), Limits::for_answer(real.len())).unwrap();
    }
}
