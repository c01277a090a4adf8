//! `cargo xtask lint`: the project's spec rules. They run before progenitor so that a spec
//! progenitor would mis-generate (or panic on) is refused with a message that names the
//! file, the operation or schema, and the fix. specs/README.md explains each rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::{Result, bail};
use serde_json::Value;

use crate::generate::HANDWRITTEN;
use crate::specs;

pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Request and response media types progenitor generates correctly.
const GENERATED_MEDIA: [&str; 4] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub file: String,
    pub location: String,
    pub rule: &'static str,
    pub message: String,
}

pub fn run(args: &[String]) -> Result<()> {
    let root = specs::root();
    let files: Vec<(PathBuf, String)> = if args.is_empty() {
        specs::vendors(&root, None)?
            .into_iter()
            .map(|v| (v.spec.clone(), v.spec_display()))
            .collect()
    } else {
        args.iter().map(|a| (PathBuf::from(a), a.clone())).collect()
    };
    let mut all = Vec::new();
    for (path, display) in &files {
        let spec = specs::load(path)?;
        all.extend(check(&spec, display));
    }
    if all.is_empty() {
        println!("{} spec(s) pass the spec rules", files.len());
        Ok(())
    } else {
        eprintln!("{}", render(&all));
        bail!("{} spec rule violation(s)", all.len())
    }
}

pub fn render(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("  {}: {} [{}]: {}", f.file, f.location, f.rule, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every rule, over one spec. An empty result means progenitor may run.
pub fn check(spec: &Value, file: &str) -> Vec<Finding> {
    let mut l = Linter {
        spec,
        file,
        out: Vec::new(),
    };
    l.document();
    if l.out.iter().any(|f| f.rule == "openapi-version") {
        return l.out;
    }
    l.external_refs(spec, "");
    l.operations();
    l.schemas();
    l.nullable_fields();
    l.out.sort();
    l.out.dedup();
    l.out
}

struct Linter<'a> {
    spec: &'a Value,
    file: &'a str,
    out: Vec<Finding>,
}

impl<'a> Linter<'a> {
    fn report(
        &mut self,
        location: impl Into<String>,
        rule: &'static str,
        message: impl Into<String>,
    ) {
        self.out.push(Finding {
            file: self.file.to_string(),
            location: location.into(),
            rule,
            message: message.into(),
        });
    }

    fn document(&mut self) {
        let version = self
            .spec
            .get("openapi")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !version.starts_with("3.0.") {
            self.report(
                "document",
                "openapi-version",
                format!("`openapi: {version}` — progenitor reads OpenAPI 3.0.x only; write `openapi: 3.0.3`"),
            );
            return;
        }
        let servers = self.spec.get("servers").and_then(Value::as_array);
        match servers {
            None => self.report("document", "servers", "no `servers`; give the API host, with variables for data centres or customer hosts"),
            Some(list) => {
                for s in list {
                    let url = s.get("url").and_then(Value::as_str).unwrap_or("");
                    if !url.starts_with("https://") {
                        self.report("servers", "servers", format!("server `{url}` is not https://; vendors are called over TLS only"));
                    }
                }
            }
        }
        let schemes = self
            .spec
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object);
        if schemes.is_none_or(|s| s.is_empty()) {
            self.report(
                "components.securitySchemes",
                "security-schemes",
                "no security scheme; describe how the vendor authenticates",
            );
        }
        if self
            .spec
            .pointer("/info/title")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            self.report("info", "info", "`info.title` is empty");
        }
    }

    fn external_refs(&mut self, v: &Value, at: &str) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref")
                    && !r.starts_with("#/")
                {
                    self.report(
                            at.to_string(),
                            "no-external-ref",
                            format!("`$ref: {r}` points outside this file; inline it under `components` so the spec stays self-contained"),
                        );
                }
                for (k, child) in map {
                    self.external_refs(child, &format!("{at}/{k}"));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    self.external_refs(child, &format!("{at}/{i}"));
                }
            }
            _ => {}
        }
    }

    fn operations(&mut self) {
        let Some(paths) = self.spec.get("paths").and_then(Value::as_object) else {
            self.report("paths", "paths", "no `paths`");
            return;
        };
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for (path, item) in paths {
            let item = self.resolve(item);
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let here = format!("{} {path}", method.to_uppercase());
                let id = op.get("operationId").and_then(Value::as_str);
                let loc = match id {
                    Some(id) => format!("operation `{id}` ({here})"),
                    None => here.clone(),
                };
                match id {
                    None => self.report(
                        &loc,
                        "operation-id",
                        "no `operationId`; add a snake_case one — it becomes the Rust method name",
                    ),
                    Some(id) => {
                        if !is_snake_case(id) {
                            self.report(&loc, "operation-id", format!("`operationId: {id}` is not snake_case (e.g. `list_contacts`); it becomes the Rust method name"));
                        }
                        if let Some(prev) = ids.insert(id.to_string(), here.clone()) {
                            self.report(&loc, "operation-id", format!("`operationId: {id}` is also used by {prev}; operation ids must be unique"));
                        }
                    }
                }
                match op.get("summary").and_then(Value::as_str) {
                    None | Some("") => self.report(&loc, "summary", "no `summary`; add a short English one (quote the vendor's own term in `description` if it helps)"),
                    Some(s) if !is_english(s) => self.report(&loc, "summary", format!("summary `{s}` is not English; translate it and quote the original in `description`")),
                    _ => {}
                }
                self.path_params(&loc, path, item, op);
                let handwritten = op.get(HANDWRITTEN) == Some(&Value::Bool(true));
                self.media_types(&loc, op, handwritten);
                if !handwritten {
                    self.responses(&loc, op);
                }
            }
        }
    }

    fn path_params(&mut self, loc: &str, path: &str, item: &Value, op: &Value) {
        let mut declared = BTreeSet::new();
        for list in [item.get("parameters"), op.get("parameters")]
            .into_iter()
            .flatten()
        {
            for p in list.as_array().into_iter().flatten() {
                let p = self.resolve(p);
                let name = p.get("name").and_then(Value::as_str).unwrap_or("");
                if p.get("in").and_then(Value::as_str) == Some("path") {
                    declared.insert(name.to_string());
                }
                if p.get("in").and_then(Value::as_str) == Some("query")
                    && p.get("explode") == Some(&Value::Bool(false))
                {
                    let schema = p.get("schema").unwrap_or(&Value::Null);
                    let named_array = schema
                        .get("$ref")
                        .and_then(Value::as_str)
                        .map(|r| {
                            self.resolve(schema).get("type").and_then(Value::as_str)
                                == Some("array")
                                && r.starts_with("#/components/schemas/")
                        })
                        .unwrap_or(false);
                    if !named_array {
                        self.report(loc, "csv-list", format!("query parameter `{name}` has `explode: false` but its schema is not a `$ref` to a named array schema; progenitor ignores `explode: false`, so name the array schema and it becomes `crmkit_runtime::CsvList`"));
                    }
                }
            }
        }
        for segment in path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
                && !declared.contains(name)
            {
                self.report(
                    loc,
                    "path-params",
                    format!(
                        "path placeholder `{{{name}}}` has no `in: path` parameter; declare it"
                    ),
                );
            }
        }
    }

    fn media_types(&mut self, loc: &str, op: &Value, handwritten: bool) {
        let mut foreign = Vec::new();
        if let Some(content) = self
            .resolve(op.get("requestBody").unwrap_or(&Value::Null))
            .get("content")
            .and_then(Value::as_object)
        {
            foreign.extend(
                content
                    .keys()
                    .filter(|m| !GENERATED_MEDIA.contains(&m.as_str()))
                    .cloned(),
            );
        }
        for (_, resp) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let resp = self.resolve(resp);
            for m in resp
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                if m.contains("xml") {
                    foreign.push(m.clone());
                }
            }
        }
        if !foreign.is_empty() && !handwritten {
            self.report(loc, "handwritten", format!("media type(s) {} cannot be generated; describe them faithfully and mark the operation `{HANDWRITTEN}: true`, then implement it in the vendor crate", foreign.join(", ")));
        }
    }

    fn responses(&mut self, loc: &str, op: &Value) {
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            self.report(loc, "responses", "no `responses`");
            return;
        };
        let mut success = BTreeSet::new();
        let mut errors = BTreeSet::new();
        let mut empty_204 = false;
        for (code, resp) in responses {
            if code == "default" {
                self.report(loc, "no-default-response", "a `default` response makes progenitor panic when its type differs from the 2xx one; document errors as `4XX`/`5XX` (or exact codes) with the one error schema");
                continue;
            }
            let resp = self.resolve(resp);
            let content = resp.get("content").and_then(Value::as_object);
            let shape = match content {
                None => "<no body>".to_string(),
                Some(c) => {
                    for (media, m) in c {
                        if media.contains("json")
                            && m.get("example").is_none()
                            && m.get("examples").is_none()
                        {
                            self.report(loc, "response-example", format!("response {code} ({media}) has no `example`; add the vendor's example (or a faithful one, saying where it comes from)"));
                        }
                    }
                    c.iter()
                        .map(|(media, m)| {
                            format!(
                                "{media}:{}",
                                m.get("schema").map(schema_key).unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("|")
                }
            };
            if code == "204" && content.is_none() {
                // "No content" beside a JSON 2xx (Zoho's empty list) is allowed: the generator
                // drops it and the vendor crate maps a 204 to an empty result. Alone, it is
                // the operation's one success.
                empty_204 = true;
                continue;
            } else if code.starts_with('2') {
                success.insert(shape);
            } else if !code.starts_with('3') {
                errors.insert(shape);
            }
        }
        if success.is_empty() && !empty_204 {
            self.report(
                loc,
                "responses",
                "no 2xx response; document the success answer (a body-less `204` counts)",
            );
        }
        if success.len() > 1 {
            self.report(loc, "one-success-type", format!("2xx responses have different bodies ({}); progenitor needs one success type — give them the same schema", success.into_iter().collect::<Vec<_>>().join(" vs ")));
        }
        if errors.len() > 1 {
            self.report(loc, "one-error-schema", format!("error responses have different bodies ({}); progenitor panics on more than one error type — use one error schema (a `$ref` to one response) for every 4xx/5xx", errors.into_iter().collect::<Vec<_>>().join(" vs ")));
        }
    }

    fn schemas(&mut self) {
        let Some(schemas) = self
            .spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            return;
        };
        for (name, schema) in schemas {
            let loc = format!("schema `{name}`");
            if schema.get("$ref").is_none()
                && schema
                    .get("description")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
            {
                self.report(&loc, "schema-description", "no `description`; say in English what it is (quote the vendor's term if it helps)");
            }
            if schema.get("enum").is_some()
                && schema.get("type").and_then(Value::as_str) != Some("string")
            {
                self.report(&loc, "string-enums", "named enums must be `type: string`; the generator turns them into lenient enums");
            }
        }
        // Everything a response can carry must keep unknown fields and tolerate new enum values.
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(String, Value)> = Vec::new();
        for (path, item) in self
            .spec
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                if op.get(HANDWRITTEN) == Some(&Value::Bool(true)) {
                    continue;
                }
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or(path);
                for (code, resp) in op
                    .get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    for (_, m) in self
                        .resolve(resp)
                        .get("content")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(s) = m.get("schema") {
                            stack.push((format!("operation `{id}` response {code}"), s.clone()));
                        }
                    }
                }
            }
        }
        while let Some((loc, schema)) = stack.pop() {
            if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                if seen.insert(r.to_string()) {
                    let name = r.trim_start_matches("#/components/schemas/").to_string();
                    let target = self.resolve(&schema).clone();
                    // A named enum is fine: it becomes crmkit_runtime::Lenient.
                    self.response_schema(&format!("schema `{name}`"), &target, true, &mut stack);
                }
                continue;
            }
            self.response_schema(&loc, &schema, false, &mut stack);
        }
    }

    fn response_schema(
        &mut self,
        loc: &str,
        s: &Value,
        named: bool,
        stack: &mut Vec<(String, Value)>,
    ) {
        if s.get("enum").is_some() && !named {
            self.report(loc, "no-bare-response-enum", "an inline `enum` in a response fails the whole response on one new value; move it to a named schema under `components/schemas` (it becomes a lenient enum)");
        }
        let is_object = s.get("type").and_then(Value::as_str) == Some("object")
            || s.get("properties").is_some();
        if is_object {
            match s.get("additionalProperties") {
                Some(Value::Object(_)) => {}
                other => {
                    let what = match other {
                        None => "absent",
                        Some(Value::Bool(true)) => "`true`",
                        _ => "`false`",
                    };
                    self.report(loc, "open-objects", format!("a response object with `additionalProperties` {what} drops or rejects fields the vendor adds; write `additionalProperties: {{}}`"));
                }
            }
        }
        for (key, child) in s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            stack.push((format!("{loc}.{key}"), child.clone()));
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = s.get(key).filter(|c| c.is_object()) {
                stack.push((format!("{loc}[{key}]"), child.clone()));
            }
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            for child in s.get(key).and_then(Value::as_array).into_iter().flatten() {
                stack.push((format!("{loc}.{key}"), child.clone()));
            }
        }
    }

    /// With `info.x-crmkit-nullable: optional-response-scalars` (Zoho CRM, which sends
    /// `null` for empty values everywhere), every optional string, number, integer or
    /// boolean property of a schema that only answers use must be `nullable`.
    fn nullable_fields(&mut self) {
        if self
            .spec
            .pointer("/info/x-crmkit-nullable")
            .and_then(Value::as_str)
            != Some("optional-response-scalars")
        {
            return;
        }
        let mut requests = Vec::new();
        let mut responses = Vec::new();
        for (_, item) in self.spec["paths"].as_object().into_iter().flatten() {
            for (_, op) in item.as_object().into_iter().flatten() {
                if let Some(body) = op.get("requestBody") {
                    requests.push(body);
                }
                if let Some(r) = op.get("responses") {
                    responses.push(r);
                }
                // What a callback receives is an answer for this purpose: data from Zoho.
                if let Some(c) = op.get("callbacks") {
                    responses.push(c);
                }
            }
        }
        let (sent, received) = (self.reachable(&requests), self.reachable(&responses));
        let Some(schemas) = self
            .spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            return;
        };
        for (name, schema) in schemas {
            if sent.contains(name) || !received.contains(name) {
                continue;
            }
            let required: BTreeSet<&str> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            for (prop, p) in schema["properties"].as_object().into_iter().flatten() {
                let scalar = matches!(
                    p.get("type").and_then(Value::as_str),
                    Some("string" | "number" | "integer" | "boolean")
                );
                if scalar
                    && !required.contains(prop.as_str())
                    && p.get("enum").is_none()
                    && p.get("nullable") != Some(&Value::Bool(true))
                {
                    self.report(
                        format!("schema `{name}`.{prop}"),
                        "nullable-fields",
                        "Zoho sends `null` for empty values: an optional field of an answer is `nullable: true` (specs/README.md, nullability policy)",
                    );
                }
            }
        }
    }

    /// The component schemas reachable from `roots` through `$ref`s.
    fn reachable(&self, roots: &[&Value]) -> BTreeSet<String> {
        fn refs<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
            match v {
                Value::Object(m) => {
                    if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                        out.push(r);
                    }
                    m.values().for_each(|c| refs(c, out));
                }
                Value::Array(a) => a.iter().for_each(|c| refs(c, out)),
                _ => {}
            }
        }
        let mut stack = Vec::new();
        roots.iter().for_each(|r| refs(r, &mut stack));
        let mut seen = BTreeSet::new();
        let mut names = BTreeSet::new();
        while let Some(r) = stack.pop() {
            if !seen.insert(r.to_string()) {
                continue;
            }
            if let Some(name) = r.strip_prefix("#/components/schemas/") {
                names.insert(name.to_string());
            }
            if let Some(target) = r.strip_prefix('#').and_then(|p| self.spec.pointer(p)) {
                refs(target, &mut stack);
            }
        }
        names
    }

    /// Follows a local `$ref` (one level at a time until a non-ref value).
    fn resolve<'v>(&self, mut v: &'v Value) -> &'v Value
    where
        'a: 'v,
    {
        for _ in 0..16 {
            match v
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
            {
                Some(pointer) => match self.spec.pointer(pointer) {
                    Some(target) => v = target,
                    None => return &Value::Null,
                },
                None => return v,
            }
        }
        v
    }
}

fn schema_key(schema: &Value) -> String {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| schema.to_string())
}

fn is_snake_case(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// English text: no CJK characters (the vendors' documents are Japanese and Chinese).
fn is_english(s: &str) -> bool {
    !s.chars().any(|c| {
        matches!(c as u32, 0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0xAC00..=0xD7AF)
    })
}

pub fn is_string_enum(schema: &Value) -> bool {
    schema.get("enum").is_some() && schema.get("type").and_then(Value::as_str) == Some("string")
}

/// Named array schemas used by `style: form, explode: false` query parameters.
pub fn csv_list_schemas(spec: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut params: Vec<&Value> = Vec::new();
    for item in spec
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        params.extend(
            item.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
        for method in METHODS {
            if let Some(op) = item.get(method) {
                params.extend(
                    op.get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                );
            }
        }
    }
    params.extend(
        spec.pointer("/components/parameters")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(_, v)| v),
    );
    for p in params {
        if p.get("in").and_then(Value::as_str) == Some("query")
            && p.get("explode") == Some(&Value::Bool(false))
            && let Some(name) = p
                .pointer("/schema/$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            out.insert(name.to_string());
        }
    }
    out
}
