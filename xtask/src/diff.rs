//! `cargo xtask diff [--base <rev>] [--markdown]`: what a spec change does to the users of
//! the generated crate. Every spec of `specs/` that differs between `<rev>` (default
//! `HEAD`, the last commit) and the working tree is compared, operation by operation and
//! schema by schema (the model is `openapiv3`'s); each change is breaking or compatible for
//! a Rust user of the crate, and the worst decides the semver bump.
//!
//! Breaking: an operation removed, or its path or method changed; a parameter removed,
//! moved, added as required or made required; a request body added as required or removed;
//! a success response removed; a schema removed; a property removed, added as required, or
//! made required or optional (its field's type changes); a type or format changed; an enum
//! value removed; a value range or length narrowed; a pattern added or changed (whether a
//! new pattern accepts all the old one did is not decided); `nullable` removed;
//! `additionalProperties` closed. Compatible: anything added that a caller need not use
//! (an operation, an optional parameter or property, an enum value — enums decode unknown
//! values as `Lenient::Other` —, a response), and every loosening of the above.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::process::Command;

use anyhow::{Context, Result, bail};
use openapiv3::{
    AdditionalProperties, OpenAPI, Operation, Parameter, ReferenceOr, Schema, SchemaKind, Type,
};
use serde_json::Value;

use crate::specs;

/// Whether a change can break a user of the generated crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Compatible,
    Breaking,
}

/// One change, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub class: Class,
    pub text: String,
}

pub fn run(args: &[String]) -> Result<()> {
    let mut base = "HEAD".to_string();
    let mut markdown = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--base" => base = it.next().context("--base needs a git revision")?.clone(),
            "--markdown" => markdown = true,
            other => bail!(
                "unknown argument {other}; usage: cargo xtask diff [--base <rev>] [--markdown]"
            ),
        }
    }
    let root = specs::root();
    let version = crate_version(&root)?;
    let mut any = false;
    for vendor in specs::vendors(&root, None)? {
        let path = vendor.spec_display();
        let new = specs::load(&vendor.spec)?;
        let shown = Command::new("git")
            .args(["show", &format!("{base}:{path}")])
            .current_dir(&root)
            .output()
            .context("running git show")?;
        let krate = format!("crmkit-{}", vendor.name);
        if !shown.status.success() {
            any = true;
            println!(
                "{path}: new in the working tree (not in {base}); {krate} starts at {version}"
            );
            continue;
        }
        let old: Value = serde_yaml_ng::from_slice(&shown.stdout)
            .with_context(|| format!("{path} at {base} is not YAML"))?;
        if old == new {
            continue;
        }
        any = true;
        let changes = compare(&parse(&old, &path)?, &parse(&new, &path)?);
        print!("{}", report(&path, &krate, &version, &changes, markdown));
    }
    if !any {
        println!("no spec differs from {base}");
    }
    Ok(())
}

fn parse(spec: &Value, path: &str) -> Result<OpenAPI> {
    serde_json::from_value(spec.clone()).with_context(|| format!("{path} is not OpenAPI 3.0"))
}

fn crate_version(root: &std::path::Path) -> Result<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let after = manifest
        .split("[workspace.package]")
        .nth(1)
        .context("no [workspace.package]")?;
    after
        .lines()
        .find_map(|l| l.trim().strip_prefix("version = "))
        .map(|v| v.trim_matches('"').to_string())
        .context("no workspace version")
}

/// The version after the changes: breaking → the next major (the next minor below 1.0),
/// compatible → the next minor (the next patch below 1.0).
pub fn bump(version: &str, worst: Option<Class>) -> String {
    let parts: Vec<u64> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    let [major, minor, patch] = parts[..] else {
        return version.to_string();
    };
    match (worst, major) {
        (None, _) => version.to_string(),
        (Some(Class::Breaking), 0) => format!("0.{}.0", minor + 1),
        (Some(Class::Breaking), _) => format!("{}.0.0", major + 1),
        (Some(Class::Compatible), 0) => format!("0.{minor}.{}", patch + 1),
        (Some(Class::Compatible), _) => format!("{major}.{}.0", minor + 1),
    }
}

/// The changes of one spec, for the terminal or (with `markdown`) a changelog.
pub fn report(
    path: &str,
    krate: &str,
    version: &str,
    changes: &[Change],
    markdown: bool,
) -> String {
    let worst = changes.iter().map(|c| c.class).max();
    let next = bump(version, worst);
    let kind = match worst {
        Some(Class::Breaking) => "breaking",
        Some(Class::Compatible) => "compatible",
        None => "no API change",
    };
    let mut out = String::new();
    if markdown {
        let _ = writeln!(out, "### {krate} {version} → {next} ({kind}; `{path}`)\n");
        for (class, title) in [
            (Class::Breaking, "Breaking"),
            (Class::Compatible, "Compatible"),
        ] {
            let items: Vec<_> = changes.iter().filter(|c| c.class == class).collect();
            if !items.is_empty() {
                let _ = writeln!(out, "**{title}**\n");
                for c in items {
                    let _ = writeln!(out, "- {}", c.text);
                }
                out.push('\n');
            }
        }
    } else {
        let _ = writeln!(out, "{path}: {krate} {version} → {next} ({kind})");
        for c in changes {
            let label = match c.class {
                Class::Breaking => "breaking  ",
                Class::Compatible => "compatible",
            };
            let _ = writeln!(out, "  {label} {}", c.text);
        }
    }
    out
}

/// Every change from `old` to `new`, breaking ones first.
pub fn compare(old: &OpenAPI, new: &OpenAPI) -> Vec<Change> {
    let mut d = Diff {
        old,
        new,
        out: Vec::new(),
    };
    d.operations();
    d.components();
    let mut out = d.out;
    out.sort_by(|a, b| b.class.cmp(&a.class).then(a.text.cmp(&b.text)));
    out.dedup();
    out
}

struct Diff<'a> {
    old: &'a OpenAPI,
    new: &'a OpenAPI,
    out: Vec<Change>,
}

/// A schema as a reference to a component, or inline.
#[derive(Clone, Copy)]
enum S<'a> {
    Ref(&'a str),
    Item(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for S<'a> {
    fn from(r: &'a ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => S::Ref(short(reference)),
            ReferenceOr::Item(s) => S::Item(s),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for S<'a> {
    fn from(r: &'a ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => S::Ref(short(reference)),
            ReferenceOr::Item(s) => S::Item(s),
        }
    }
}

fn short(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// One operation with where it lives.
struct Op<'a> {
    method: String,
    path: String,
    params: Vec<&'a Parameter>,
    op: &'a Operation,
}

fn operations<'a>(api: &'a OpenAPI) -> Vec<(String, Op<'a>)> {
    let mut out = Vec::new();
    for (path, item) in &api.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let id = op
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{method} {path}"));
            let params = item
                .parameters
                .iter()
                .chain(&op.parameters)
                .filter_map(|p| resolve_param(api, p))
                .collect();
            out.push((
                id,
                Op {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    params,
                    op,
                },
            ));
        }
    }
    out
}

fn resolve_param<'a>(api: &'a OpenAPI, p: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
    match p {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => {
            match api.components.as_ref()?.parameters.get(short(reference))? {
                ReferenceOr::Item(p) => Some(p),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

fn location(p: &Parameter) -> &'static str {
    match p {
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path",
        Parameter::Cookie { .. } => "cookie",
    }
}

fn param_schema(p: &Parameter) -> Option<S<'_>> {
    match &p.parameter_data_ref().format {
        openapiv3::ParameterSchemaOrContent::Schema(s) => Some(s.into()),
        openapiv3::ParameterSchemaOrContent::Content(_) => None,
    }
}

/// The schema of a request body or response: its JSON content's, else its first.
fn content_schema(content: &openapiv3::Content) -> Option<S<'_>> {
    content
        .get("application/json")
        .or_else(|| content.values().next())
        .and_then(|m| m.schema.as_ref())
        .map(S::from)
}

impl<'a> Diff<'a> {
    fn push(&mut self, class: Class, text: String) {
        self.out.push(Change { class, text });
    }

    fn operations(&mut self) {
        let old = operations(self.old);
        let new = operations(self.new);
        for (id, o) in &old {
            let Some((_, n)) = new.iter().find(|(nid, _)| nid == id) else {
                self.push(
                    Class::Breaking,
                    format!("operation removed: `{id}` ({} {})", o.method, o.path),
                );
                continue;
            };
            if (o.method.as_str(), o.path.as_str()) != (n.method.as_str(), n.path.as_str()) {
                self.push(
                    Class::Breaking,
                    format!(
                        "operation `{id}` moved: {} {} → {} {}",
                        o.method, o.path, n.method, n.path
                    ),
                );
            }
            self.parameters(id, &o.params, &n.params);
            self.body(id, o.op, n.op);
            self.responses(id, o.op, n.op);
        }
        for (id, n) in &new {
            if !old.iter().any(|(oid, _)| oid == id) {
                self.push(
                    Class::Compatible,
                    format!("operation added: `{id}` ({} {})", n.method, n.path),
                );
            }
        }
    }

    fn parameters(&mut self, id: &str, old: &[&Parameter], new: &[&Parameter]) {
        let key = |p: &Parameter| p.parameter_data_ref().name.clone();
        for o in old {
            let name = key(o);
            let Some(n) = new.iter().find(|n| key(n) == name) else {
                self.push(
                    Class::Breaking,
                    format!("`{id}`: parameter `{name}` removed"),
                );
                continue;
            };
            if location(o) != location(n) {
                self.push(
                    Class::Breaking,
                    format!(
                        "`{id}`: parameter `{name}` moved from {} to {}",
                        location(o),
                        location(n)
                    ),
                );
            }
            let (or, nr) = (
                o.parameter_data_ref().required,
                n.parameter_data_ref().required,
            );
            if !or && nr {
                self.push(
                    Class::Breaking,
                    format!("`{id}`: parameter `{name}` now required"),
                );
            } else if or && !nr {
                self.push(
                    Class::Compatible,
                    format!("`{id}`: parameter `{name}` now optional"),
                );
            }
            if let (Some(os), Some(ns)) = (param_schema(o), param_schema(n)) {
                self.schema(&format!("`{id}` parameter `{name}`"), os, ns);
            }
        }
        for n in new {
            let name = key(n);
            if !old.iter().any(|o| key(o) == name) {
                let required = n.parameter_data_ref().required;
                self.push(
                    added(required),
                    format!(
                        "`{id}`: {} parameter `{name}` added ({})",
                        if required { "required" } else { "optional" },
                        location(n)
                    ),
                );
            }
        }
    }

    fn body(&mut self, id: &str, old: &'a Operation, new: &'a Operation) {
        let get = |api: &'a OpenAPI, op: &'a Operation| -> Option<&'a openapiv3::RequestBody> {
            match op.request_body.as_ref()? {
                ReferenceOr::Item(b) => Some(b),
                ReferenceOr::Reference { reference } => {
                    match api
                        .components
                        .as_ref()?
                        .request_bodies
                        .get(short(reference))?
                    {
                        ReferenceOr::Item(b) => Some(b),
                        ReferenceOr::Reference { .. } => None,
                    }
                }
            }
        };
        match (get(self.old, old), get(self.new, new)) {
            (Some(_), None) => {
                self.push(Class::Breaking, format!("`{id}`: request body removed"));
            }
            (None, Some(n)) => self.push(
                added(n.required),
                format!(
                    "`{id}`: {} request body added",
                    if n.required { "required" } else { "optional" }
                ),
            ),
            (Some(o), Some(n)) => {
                if !o.required && n.required {
                    self.push(
                        Class::Breaking,
                        format!("`{id}`: request body now required"),
                    );
                }
                if let (Some(os), Some(ns)) =
                    (content_schema(&o.content), content_schema(&n.content))
                {
                    self.schema(&format!("`{id}` request body"), os, ns);
                }
            }
            (None, None) => {}
        }
    }

    fn responses(&mut self, id: &str, old: &'a Operation, new: &'a Operation) {
        let get = |api: &'a OpenAPI, r: &'a ReferenceOr<openapiv3::Response>| match r {
            ReferenceOr::Item(r) => Some(r),
            ReferenceOr::Reference { reference } => {
                match api.components.as_ref()?.responses.get(short(reference))? {
                    ReferenceOr::Item(r) => Some(r),
                    ReferenceOr::Reference { .. } => None,
                }
            }
        };
        for (status, o) in &old.responses.responses {
            let success = status.to_string().starts_with('2');
            let Some(n) = new.responses.responses.get(status) else {
                if success {
                    self.push(
                        Class::Breaking,
                        format!("`{id}`: response {status} removed"),
                    );
                }
                continue;
            };
            if let (Some(o), Some(n)) = (get(self.old, o), get(self.new, n))
                && let (Some(os), Some(ns)) =
                    (content_schema(&o.content), content_schema(&n.content))
            {
                self.schema(&format!("`{id}` response {status}"), os, ns);
            }
        }
        for status in new.responses.responses.keys() {
            if !old.responses.responses.contains_key(status) {
                self.push(
                    Class::Compatible,
                    format!("`{id}`: response {status} added"),
                );
            }
        }
    }

    fn components(&mut self) {
        let names = |api: &'a OpenAPI| -> BTreeSet<&'a str> {
            api.components
                .iter()
                .flat_map(|c| c.schemas.keys())
                .map(String::as_str)
                .collect()
        };
        let (old, new) = (names(self.old), names(self.new));
        let schema = |api: &'a OpenAPI, name: &str| {
            api.components
                .as_ref()
                .and_then(|c| c.schemas.get(name))
                .map(S::from)
        };
        for name in old.difference(&new) {
            self.push(Class::Breaking, format!("schema `{name}` removed"));
        }
        for name in new.difference(&old) {
            self.push(Class::Compatible, format!("schema `{name}` added"));
        }
        for name in old.intersection(&new) {
            if let (Some(o), Some(n)) = (schema(self.old, name), schema(self.new, name)) {
                self.schema(&format!("schema `{name}`"), o, n);
            }
        }
    }

    /// Compares two schemas at `at` (component references are compared by name: the
    /// components themselves are compared once, by [`components`](Self::components)).
    fn schema(&mut self, at: &str, old: S<'_>, new: S<'_>) {
        let (o, n) = match (old, new) {
            (S::Ref(a), S::Ref(b)) => {
                if a != b {
                    self.push(Class::Breaking, format!("{at}: type `{a}` → `{b}`"));
                }
                return;
            }
            (S::Item(o), S::Item(n)) => (o, n),
            (S::Ref(a), S::Item(n)) => {
                self.push(
                    Class::Breaking,
                    format!("{at}: type `{a}` → inline {}", kind(n)),
                );
                return;
            }
            (S::Item(o), S::Ref(b)) => {
                self.push(
                    Class::Breaking,
                    format!("{at}: type inline {} → `{b}`", kind(o)),
                );
                return;
            }
        };
        match (o.schema_data.nullable, n.schema_data.nullable) {
            (true, false) => self.push(Class::Breaking, format!("{at}: no longer nullable")),
            (false, true) => self.push(Class::Compatible, format!("{at}: now nullable")),
            _ => {}
        }
        if kind(o) != kind(n) {
            self.push(
                Class::Breaking,
                format!("{at}: type {} → {}", kind(o), kind(n)),
            );
            return;
        }
        match (&o.schema_kind, &n.schema_kind) {
            (SchemaKind::Type(Type::String(o)), SchemaKind::Type(Type::String(n))) => {
                if o.pattern != n.pattern && n.pattern.is_some() {
                    self.push(
                        Class::Breaking,
                        format!("{at}: pattern now `{}`", n.pattern.as_deref().unwrap_or("")),
                    );
                } else if o.pattern.is_some() && n.pattern.is_none() {
                    self.push(Class::Compatible, format!("{at}: pattern removed"));
                }
                self.narrowed(at, "maxLength", o.max_length, n.max_length, true);
                self.narrowed(at, "minLength", o.min_length, n.min_length, false);
                let values =
                    |e: &[Option<String>]| e.iter().flatten().cloned().collect::<BTreeSet<_>>();
                self.enumeration(at, values(&o.enumeration), values(&n.enumeration));
            }
            (SchemaKind::Type(Type::Integer(o)), SchemaKind::Type(Type::Integer(n))) => {
                self.narrowed(at, "maximum", o.maximum, n.maximum, true);
                self.narrowed(at, "minimum", o.minimum, n.minimum, false);
                let values = |e: &[Option<i64>]| {
                    e.iter()
                        .flatten()
                        .map(|v| v.to_string())
                        .collect::<BTreeSet<_>>()
                };
                self.enumeration(at, values(&o.enumeration), values(&n.enumeration));
            }
            (SchemaKind::Type(Type::Number(o)), SchemaKind::Type(Type::Number(n))) => {
                let bits = |v: Option<f64>| v.map(f64::to_bits);
                if bits(o.maximum) != bits(n.maximum) || bits(o.minimum) != bits(n.minimum) {
                    let narrower = n
                        .maximum
                        .zip(o.maximum.or(Some(f64::INFINITY)))
                        .is_some_and(|(n, o)| n < o)
                        || n.minimum
                            .zip(o.minimum.or(Some(f64::NEG_INFINITY)))
                            .is_some_and(|(n, o)| n > o);
                    self.push(
                        if narrower {
                            Class::Breaking
                        } else {
                            Class::Compatible
                        },
                        format!(
                            "{at}: range {}",
                            if narrower { "narrowed" } else { "widened" }
                        ),
                    );
                }
            }
            (SchemaKind::Type(Type::Object(o)), SchemaKind::Type(Type::Object(n))) => {
                for (name, os) in &o.properties {
                    let field = format!("{at}.{name}");
                    let Some(ns) = n.properties.get(name) else {
                        self.push(Class::Breaking, format!("{field} removed"));
                        continue;
                    };
                    match (o.required.contains(name), n.required.contains(name)) {
                        (false, true) => {
                            self.push(Class::Breaking, format!("{field} now required"))
                        }
                        (true, false) => self.push(
                            Class::Breaking,
                            format!("{field} now optional (its field becomes an `Option`)"),
                        ),
                        _ => {}
                    }
                    self.schema(&field, os.into(), ns.into());
                }
                for name in n.properties.keys() {
                    if !o.properties.contains_key(name) {
                        let required = n.required.contains(name);
                        self.push(
                            added(required),
                            format!(
                                "{at}.{name} added{}",
                                if required { " as required" } else { "" }
                            ),
                        );
                    }
                }
                let open = |a: &Option<AdditionalProperties>| {
                    !matches!(a, Some(AdditionalProperties::Any(false)))
                };
                match (
                    open(&o.additional_properties),
                    open(&n.additional_properties),
                ) {
                    (true, false) => self.push(
                        Class::Breaking,
                        format!("{at}: additionalProperties closed"),
                    ),
                    (false, true) => self.push(
                        Class::Compatible,
                        format!("{at}: additionalProperties opened"),
                    ),
                    _ => {}
                }
            }
            (SchemaKind::Type(Type::Array(o)), SchemaKind::Type(Type::Array(n))) => {
                if let (Some(oi), Some(ni)) = (&o.items, &n.items) {
                    self.schema(&format!("{at}[]"), oi.into(), ni.into());
                }
                self.narrowed(at, "maxItems", o.max_items, n.max_items, true);
                self.narrowed(at, "minItems", o.min_items, n.min_items, false);
            }
            (SchemaKind::OneOf { one_of: o }, SchemaKind::OneOf { one_of: n })
            | (SchemaKind::AnyOf { any_of: o }, SchemaKind::AnyOf { any_of: n })
            | (SchemaKind::AllOf { all_of: o }, SchemaKind::AllOf { all_of: n }) => {
                for (i, (os, ns)) in o.iter().zip(n).enumerate() {
                    self.schema(&format!("{at} variant {i}"), os.into(), ns.into());
                }
                if n.len() < o.len() {
                    self.push(
                        Class::Breaking,
                        format!("{at}: {} variant(s) removed", o.len() - n.len()),
                    );
                } else if n.len() > o.len() {
                    self.push(
                        Class::Compatible,
                        format!("{at}: {} variant(s) added", n.len() - o.len()),
                    );
                }
            }
            _ => {}
        }
    }

    /// A bound that got tighter (a smaller maximum when `upper`, a larger minimum when not,
    /// or one that did not exist) is breaking; a looser one compatible.
    fn narrowed<T: PartialOrd + Copy + std::fmt::Display>(
        &mut self,
        at: &str,
        what: &str,
        old: Option<T>,
        new: Option<T>,
        upper: bool,
    ) {
        if old == new {
            return;
        }
        let tighter = match (old, new) {
            (None, Some(_)) => true,
            (Some(o), Some(n)) if upper => n < o,
            (Some(o), Some(n)) => n > o,
            _ => false,
        };
        let shown = |v: Option<T>| v.map(|v| v.to_string()).unwrap_or_else(|| "none".into());
        self.push(
            if tighter {
                Class::Breaking
            } else {
                Class::Compatible
            },
            format!("{at}: {what} {} → {}", shown(old), shown(new)),
        );
    }

    fn enumeration(&mut self, at: &str, old: BTreeSet<String>, new: BTreeSet<String>) {
        if old.is_empty() && !new.is_empty() {
            self.push(Class::Breaking, format!("{at}: now an enum"));
            return;
        }
        if new.is_empty() {
            if !old.is_empty() {
                self.push(Class::Compatible, format!("{at}: no longer an enum"));
            }
            return;
        }
        for v in old.difference(&new) {
            self.push(Class::Breaking, format!("{at}: enum value `{v}` removed"));
        }
        for v in new.difference(&old) {
            self.push(Class::Compatible, format!("{at}: enum value `{v}` added"));
        }
    }
}

/// Something added: breaking when callers must now give it.
fn added(required: bool) -> Class {
    if required {
        Class::Breaking
    } else {
        Class::Compatible
    }
}

fn format<T: std::fmt::Debug>(f: &openapiv3::VariantOrUnknownOrEmpty<T>, name: &str) -> String {
    match f {
        openapiv3::VariantOrUnknownOrEmpty::Item(v) => format!("{name} ({v:?})").to_lowercase(),
        openapiv3::VariantOrUnknownOrEmpty::Unknown(u) => format!("{name} ({u})"),
        openapiv3::VariantOrUnknownOrEmpty::Empty => name.to_string(),
    }
}

/// A schema's kind in words: its type and format, or its composition.
fn kind(s: &Schema) -> String {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => format(&t.format, "string"),
        SchemaKind::Type(Type::Integer(t)) => format(&t.format, "integer"),
        SchemaKind::Type(Type::Number(t)) => format(&t.format, "number"),
        SchemaKind::Type(Type::Object(_)) => "object".into(),
        SchemaKind::Type(Type::Array(_)) => "array".into(),
        SchemaKind::Type(Type::Boolean(_)) => "boolean".into(),
        SchemaKind::OneOf { .. } => "oneOf".into(),
        SchemaKind::AllOf { .. } => "allOf".into(),
        SchemaKind::AnyOf { .. } => "anyOf".into(),
        SchemaKind::Not { .. } => "not".into(),
        SchemaKind::Any(_) => "any".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A small API with one of each thing a change can touch.
    fn base() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/things/{id}": {
                    "get": {
                        "operationId": "get_thing",
                        "parameters": [
                            {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                            {"name": "fields", "in": "query", "schema": {"type": "string", "maxLength": 100}}
                        ],
                        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
                    }
                },
                "/things": {
                    "post": {
                        "operationId": "create_thing",
                        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                        "responses": {"201": {"description": "created"}}
                    }
                }
            },
            "components": {"schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string", "nullable": true},
                        "size": {"type": "integer", "format": "int32", "minimum": 0},
                        "state": {"type": "string", "enum": ["new", "old"]},
                        "tags": {"type": "array", "items": {"type": "string"}}
                    },
                    "additionalProperties": {}
                },
                "Other": {"type": "string"}
            }}
        })
    }

    fn diff(edit: impl FnOnce(&mut Value)) -> Vec<Change> {
        let old: OpenAPI = serde_json::from_value(base()).unwrap();
        let mut new = base();
        edit(&mut new);
        compare(&old, &serde_json::from_value(new).unwrap())
    }

    /// The one change an edit makes, and its class.
    fn one(edit: impl FnOnce(&mut Value)) -> (Class, String) {
        let changes = diff(edit);
        assert_eq!(changes.len(), 1, "{changes:#?}");
        (changes[0].class, changes[0].text.clone())
    }

    fn thing(v: &mut Value) -> &mut Value {
        &mut v["components"]["schemas"]["Thing"]
    }

    fn get(v: &mut Value) -> &mut Value {
        &mut v["paths"]["/things/{id}"]["get"]
    }

    #[test]
    fn nothing_changed_is_no_change() {
        assert!(diff(|_| {}).is_empty());
    }

    #[test]
    fn every_class_of_change_is_classified() {
        use Class::{Breaking, Compatible};
        type Edit = Box<dyn FnOnce(&mut Value)>;
        let cases: Vec<(&str, Edit, Class, &str)> = vec![
            (
                "operation removed",
                Box::new(|v| {
                    v["paths"].as_object_mut().unwrap().remove("/things");
                }),
                Breaking,
                "operation removed: `create_thing`",
            ),
            (
                "operation renamed",
                Box::new(|v| get(v)["operationId"] = json!("fetch_thing")),
                Breaking,
                "operation removed: `get_thing`",
            ),
            (
                "method changed",
                Box::new(|v| {
                    let op = get(v).take();
                    v["paths"]["/things/{id}"] = json!({"put": op});
                }),
                Breaking,
                "moved: GET /things/{id} → PUT /things/{id}",
            ),
            (
                "required parameter added",
                Box::new(|v| {
                    get(v)["parameters"].as_array_mut().unwrap().push(json!({"name": "v", "in": "query", "required": true, "schema": {"type": "string"}}))
                }),
                Breaking,
                "required parameter `v` added",
            ),
            (
                "optional parameter added",
                Box::new(|v| {
                    get(v)["parameters"]
                        .as_array_mut()
                        .unwrap()
                        .push(json!({"name": "v", "in": "query", "schema": {"type": "string"}}))
                }),
                Compatible,
                "optional parameter `v` added",
            ),
            (
                "parameter removed",
                Box::new(|v| {
                    get(v)["parameters"].as_array_mut().unwrap().pop();
                }),
                Breaking,
                "parameter `fields` removed",
            ),
            (
                "parameter made required",
                Box::new(|v| get(v)["parameters"][1]["required"] = json!(true)),
                Breaking,
                "parameter `fields` now required",
            ),
            (
                "parameter length narrowed",
                Box::new(|v| get(v)["parameters"][1]["schema"]["maxLength"] = json!(50)),
                Breaking,
                "maxLength 100 → 50",
            ),
            (
                "parameter length widened",
                Box::new(|v| get(v)["parameters"][1]["schema"]["maxLength"] = json!(200)),
                Compatible,
                "maxLength 100 → 200",
            ),
            (
                "type narrowed",
                Box::new(|v| thing(v)["properties"]["id"] = json!({"type": "integer"})),
                Breaking,
                "schema `Thing`.id: type string → integer",
            ),
            (
                "format changed",
                Box::new(|v| thing(v)["properties"]["size"]["format"] = json!("int64")),
                Breaking,
                "type integer (int32) → integer (int64)",
            ),
            (
                "minimum raised",
                Box::new(|v| thing(v)["properties"]["size"]["minimum"] = json!(1)),
                Breaking,
                "minimum 0 → 1",
            ),
            (
                "enum value removed",
                Box::new(|v| thing(v)["properties"]["state"]["enum"] = json!(["new"])),
                Breaking,
                "enum value `old` removed",
            ),
            (
                "enum value added",
                Box::new(|v| {
                    thing(v)["properties"]["state"]["enum"] = json!(["new", "old", "gone"])
                }),
                Compatible,
                "enum value `gone` added",
            ),
            (
                "response field removed",
                Box::new(|v| {
                    thing(v)["properties"]
                        .as_object_mut()
                        .unwrap()
                        .remove("tags");
                }),
                Breaking,
                "schema `Thing`.tags removed",
            ),
            (
                "optional field added",
                Box::new(|v| thing(v)["properties"]["colour"] = json!({"type": "string"})),
                Compatible,
                "schema `Thing`.colour added",
            ),
            (
                "required field added",
                Box::new(|v| {
                    thing(v)["properties"]["colour"] = json!({"type": "string"});
                    thing(v)["required"] = json!(["id", "colour"]);
                }),
                Breaking,
                "schema `Thing`.colour added as required",
            ),
            (
                "field made required",
                Box::new(|v| thing(v)["required"] = json!(["id", "name"])),
                Breaking,
                "schema `Thing`.name now required",
            ),
            (
                "nullable removed",
                Box::new(|v| thing(v)["properties"]["name"]["nullable"] = json!(false)),
                Breaking,
                "schema `Thing`.name: no longer nullable",
            ),
            (
                "nullable added",
                Box::new(|v| thing(v)["properties"]["id"]["nullable"] = json!(true)),
                Compatible,
                "schema `Thing`.id: now nullable",
            ),
            (
                "additionalProperties closed",
                Box::new(|v| thing(v)["additionalProperties"] = json!(false)),
                Breaking,
                "additionalProperties closed",
            ),
            (
                "array items changed",
                Box::new(|v| thing(v)["properties"]["tags"]["items"] = json!({"type": "integer"})),
                Breaking,
                "schema `Thing`.tags[]: type string → integer",
            ),
            (
                "response type changed",
                Box::new(|v| {
                    get(v)["responses"]["200"]["content"]["application/json"]["schema"] =
                        json!({"$ref": "#/components/schemas/Other"})
                }),
                Breaking,
                "`get_thing` response 200: type `Thing` → `Other`",
            ),
            (
                "success response removed",
                Box::new(|v| {
                    get(v)["responses"] = json!({"404": {"description": "no"}});
                }),
                Breaking,
                "response 200 removed",
            ),
            (
                "schema removed",
                Box::new(|v| {
                    v["components"]["schemas"]
                        .as_object_mut()
                        .unwrap()
                        .remove("Other");
                }),
                Breaking,
                "schema `Other` removed",
            ),
            (
                "request body removed",
                Box::new(|v| {
                    v["paths"]["/things"]["post"]
                        .as_object_mut()
                        .unwrap()
                        .remove("requestBody");
                }),
                Breaking,
                "`create_thing`: request body removed",
            ),
            (
                "operation added",
                Box::new(
                    |v| v["paths"]["/other"] = json!({"get": {"operationId": "get_other", "responses": {"200": {"description": "ok"}}}}),
                ),
                Compatible,
                "operation added: `get_other` (GET /other)",
            ),
        ];
        for (name, edit, class, text) in cases {
            let changes = diff(edit);
            let hit = changes.iter().find(|c| c.text.contains(text));
            assert!(
                hit.is_some(),
                "{name}: no change mentions {text:?} in {changes:#?}"
            );
            let worst = changes.iter().map(|c| c.class).max().unwrap();
            assert_eq!(worst, class, "{name}: {changes:#?}");
        }
        assert_eq!(
            one(|v| get(v)["parameters"][1]["required"] = json!(true)).0,
            Breaking
        );
    }

    #[test]
    fn the_bump_follows_the_worst_change() {
        assert_eq!(bump("0.1.0", Some(Class::Breaking)), "0.2.0");
        assert_eq!(bump("0.1.0", Some(Class::Compatible)), "0.1.1");
        assert_eq!(bump("1.4.2", Some(Class::Breaking)), "2.0.0");
        assert_eq!(bump("1.4.2", Some(Class::Compatible)), "1.5.0");
        assert_eq!(bump("1.4.2", None), "1.4.2");
        let changes = [Change {
            class: Class::Breaking,
            text: "operation removed: `x`".into(),
        }];
        let md = report("specs/a.yaml", "crmkit-a", "0.1.0", &changes, true);
        assert!(
            md.starts_with("### crmkit-a 0.1.0 → 0.2.0 (breaking; `specs/a.yaml`)"),
            "{md}"
        );
        assert!(
            md.contains("**Breaking**\n\n- operation removed: `x`"),
            "{md}"
        );
    }

    /// Real edits of every vendor's spec: its first operation removed, an optional query
    /// parameter added to it, the first property of its first object schema removed.
    #[test]
    fn real_edits_of_every_vendor_spec_are_classified() {
        let root = specs::root();
        for vendor in specs::vendors(&root, None).unwrap() {
            let spec = specs::load(&vendor.spec).unwrap();
            let old: OpenAPI = serde_json::from_value(spec.clone()).unwrap();
            let compared = |edit: &dyn Fn(&mut Value)| {
                let mut new = spec.clone();
                edit(&mut new);
                compare(&old, &serde_json::from_value(new).unwrap())
            };
            assert!(
                compared(&|_| {}).is_empty(),
                "{}: the spec differs from itself",
                vendor.name
            );
            let first = |v: &mut Value| -> (String, String) {
                let (path, item) = v["paths"].as_object().unwrap().iter().next().unwrap();
                let method = item
                    .as_object()
                    .unwrap()
                    .keys()
                    .find(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                    .unwrap()
                    .clone();
                (path.clone(), method)
            };
            let removed = compared(&|v| {
                let (path, method) = first(v);
                v["paths"][&path].as_object_mut().unwrap().remove(&method);
            });
            assert!(
                removed
                    .iter()
                    .any(|c| c.class == Class::Breaking && c.text.starts_with("operation removed")),
                "{}: {removed:#?}",
                vendor.name
            );
            let added = compared(&|v| {
                let (path, method) = first(v);
                let op = &mut v["paths"][&path][&method];
                if op.get("parameters").is_none() {
                    op["parameters"] = json!([]);
                }
                op["parameters"].as_array_mut().unwrap().push(
                    json!({"name": "crmkit_probe", "in": "query", "schema": {"type": "string"}}),
                );
            });
            assert_eq!(added.len(), 1, "{}: {added:#?}", vendor.name);
            assert_eq!(added[0].class, Class::Compatible);
            let dropped = compared(&|v| {
                let schemas = v["components"]["schemas"].as_object_mut().unwrap();
                let props = schemas
                    .values_mut()
                    .find_map(|s| {
                        s.get_mut("properties")
                            .and_then(|p| p.as_object_mut())
                            .filter(|p| !p.is_empty())
                    })
                    .unwrap();
                let name = props.keys().next().unwrap().clone();
                props.remove(&name);
            });
            assert!(
                dropped
                    .iter()
                    .any(|c| c.class == Class::Breaking && c.text.contains("removed")),
                "{}: {dropped:#?}",
                vendor.name
            );
        }
    }
}
