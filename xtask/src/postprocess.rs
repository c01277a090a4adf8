//! What xtask changes in progenitor's output so that crmkit owns the call:
//!
//! - every operation builder is `#[must_use]`;
//! - progenitor's `send` is cut after the request is built: it becomes the private
//!   `request()`, and a crmkit `send()` hands the request to the runtime's pipeline with the
//!   operation's metadata (`x-crmkit-idempotent`, `x-crmkit-batch`) and returns
//!   `crmkit_runtime::Result<crmkit_runtime::Response<T>>`;
//! - batch writes (`x-crmkit-batch`) also get `send_partial()`, and paged lists
//!   (`x-crmkit-paging`) get `into_stream()`;
//! - open objects decode in one pass and keep what they read (`open_objects`);
//! - the simplest string patterns ([`PATTERNS`]) are checked by `crmkit-runtime` functions
//!   instead of a `regress` regular expression compiled and run on every conversion;
//! - the `api-version` header progenitor adds from `info.version` is not sent;
//! - progenitor's own types (`Error`, `ResponseValue`, `ByteStream`, `ClientInfo`) are no
//!   longer re-exported; the prelude brings the operation traits into scope unnamed.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};
use quote::ToTokens;
use serde_json::Value;

use crate::lint;

/// The crmkit extensions of one operation.
#[derive(Debug, Default)]
struct Meta {
    idempotent: bool,
    batch: Option<Value>,
    credits: Option<Value>,
    paging: Option<Value>,
    /// `$ref` of the JSON success body.
    success: Option<String>,
    /// Schema name of the JSON request body.
    body: Option<String>,
}

fn operations(spec: &Value) -> BTreeMap<String, Meta> {
    let mut out = BTreeMap::new();
    for item in spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        for method in lint::METHODS {
            let Some(op) = item.get(method) else { continue };
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            let by_method = matches!(
                method,
                "get" | "head" | "options" | "put" | "delete" | "trace"
            );
            let success = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(code, _)| code.starts_with('2'))
                .find_map(|(_, r)| {
                    r.pointer("/content/application~1json/schema/$ref")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
            out.insert(
                id.to_string(),
                Meta {
                    idempotent: op
                        .get("x-crmkit-idempotent")
                        .and_then(Value::as_bool)
                        .unwrap_or(by_method),
                    batch: op.get("x-crmkit-batch").cloned(),
                    credits: op.get("x-crmkit-credits").cloned(),
                    paging: op.get("x-crmkit-paging").cloned(),
                    success,
                    body: op
                        .pointer("/requestBody/content/application~1json/schema/$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.rsplit('/').next())
                        .map(str::to_string),
                },
            );
        }
    }
    out
}

/// Applies every change above to progenitor's file.
pub fn apply(file: &mut syn::File, spec: &Value) -> Result<()> {
    let ops = operations(spec);
    let mut seen = 0usize;
    let mut arms = Vec::new();
    // `types` comes before `builder` in progenitor's file.
    let mut displayed = BTreeSet::new();
    for item in &mut file.items {
        match item {
            syn::Item::Use(u) if is_progenitor_reexport(u) => {
                u.vis = syn::Visibility::Inherited;
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                seen += builder_module(m, &displayed, &ops, spec, &mut arms)?;
            }
            syn::Item::Mod(m) if m.ident == "prelude" => prelude(m)?,
            syn::Item::Mod(m) if m.ident == "types" => {
                displayed = displayed_types(m);
                numeric_ids(m)?;
                plain_patterns(m);
                json_schemas(m);
                if let Some((_, items)) = &mut m.content {
                    let (done, kept) = crate::open_objects::apply(items)?;
                    if !kept.is_empty() {
                        bail!(
                            "open objects with serde attributes the one-pass decoder does not write ({} of {}): {}",
                            kept.len(),
                            done + kept.len(),
                            kept.join(", ")
                        );
                    }
                }
            }
            _ => {}
        }
    }
    let expected = ops.len();
    if seen != expected {
        bail!("post-processing found {seen} operation builders, the spec has {expected}");
    }
    if !arms.is_empty() {
        file.items.push(fuzz_module(&arms)?);
    }
    Ok(())
}

/// typify's builder of an open object starts its `extra` map (the undeclared properties)
/// unset, so `X::builder().field(..).try_into()` fails with "no value supplied for extra"
/// unless the caller sets it: start it empty instead.
pub fn open_builders(code: &str) -> String {
    code.replace(
        r#"extra: Err("no value supplied for extra".to_string()),"#,
        "extra: Ok(Default::default()),",
    )
}

/// `__fuzz`: every operation's answer through the pipeline's decode path, picked by
/// operation id (the fuzz targets in `fuzz/` drive it). Generic over the profile, so it
/// costs nothing unless called.
fn fuzz_module(arms: &[(String, String)]) -> Result<syn::Item> {
    let ids: Vec<String> = arms.iter().map(|(id, _)| format!("{id:?}")).collect();
    let arms: Vec<&str> = arms.iter().map(|(_, arm)| arm.as_str()).collect();
    let src = format!(
        "/// Every operation's answer through the pipeline's decode path, for the fuzz targets \
         (`fuzz/`); not part of the API.\n\
         #[doc(hidden)] pub mod __fuzz {{ #[allow(unused_imports)] use super::*; \
         /// The operation ids, in the spec's order.\n\
         pub const OPERATIONS: &[&str] = &[{}]; \
         /// Classifies and decodes `body` as the answer to `operation`, and encodes the decoded \
         value again as JSON (`Ok(None)` for an answer without a JSON body); `None` for an unknown id.\n\
         pub fn decode<P: crmkit_runtime::Profile>(profile: &P, operation: &str, status: ::reqwest::StatusCode, body: &[u8]) -> ::std::option::Option<crmkit_runtime::Result<::std::option::Option<::serde_json::Value>>> {{ \
         Some(match operation {{ {} _ => return None, }}) }} }}",
        ids.join(", "),
        arms.join(" ")
    );
    syn::parse_str(&src).map_err(|e| anyhow::anyhow!("the fuzz module does not parse: {e}"))
}

/// Every serde type of `types` derives `schemars::JsonSchema` when the crate's `schemars`
/// feature is on (a `cfg_attr`, so that a build without it compiles nothing more).
fn json_schemas(m: &mut syn::ItemMod) {
    let Some((_, items)) = &mut m.content else {
        return;
    };
    let attr: syn::Attribute =
        syn::parse_quote!(#[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]);
    for item in items.iter_mut() {
        let attrs = match item {
            syn::Item::Struct(s) => &mut s.attrs,
            syn::Item::Enum(e) => &mut e.attrs,
            _ => continue,
        };
        let serde = attrs.iter().position(|a| {
            a.path().is_ident("derive") && a.to_token_stream().to_string().contains("serde ::")
        });
        if let Some(at) = serde {
            attrs.insert(at + 1, attr.clone());
        }
    }
}

/// The patterns `crmkit_runtime::__private::pattern` checks without a regular expression,
/// with the function that does it (each is compared with `regress` in the runtime's tests).
pub const PATTERNS: [(&str, &str); 3] = [
    ("^[0-9]+$", "digits"),
    ("^[A-Za-z][A-Za-z0-9_]*$", "identifier"),
    ("^[A-Za-z0-9_]+$", "word"),
];

/// typify's `FromStr` of a string with a `pattern` compiles a `regress::Regex` once and runs
/// it on every conversion: for a pattern of [`PATTERNS`], the `static PATTERN` goes and the
/// check calls the runtime's function (the error message stays the same).
fn plain_patterns(m: &mut syn::ItemMod) {
    let Some((_, items)) = &mut m.content else {
        return;
    };
    for item in items.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        for f in imp.items.iter_mut() {
            let syn::ImplItem::Fn(f) = f else { continue };
            if f.sig.ident != "from_str" {
                continue;
            }
            let stmts = &mut f.block.stmts;
            let Some(at) = stmts.iter().position(
                |s| matches!(s, syn::Stmt::Item(syn::Item::Static(st)) if st.ident == "PATTERN"),
            ) else {
                continue;
            };
            let text = stmts[at].to_token_stream().to_string();
            let Some((_, check)) = PATTERNS
                .iter()
                .find(|(p, _)| text.contains(&format!("{p:?}")))
            else {
                continue;
            };
            let Some(syn::Stmt::Expr(syn::Expr::If(cond), _)) = stmts.get_mut(at + 1) else {
                continue;
            };
            let check = syn::Ident::new(check, proc_macro2::Span::call_site());
            *cond.cond = syn::parse_quote!(!crmkit_runtime::__private::pattern::#check(value));
            stmts.remove(at);
        }
    }
}

/// A string id checked against `^[0-9]+$` can also be given as a number: `.contact_id(42)`.
/// Zero and negative numbers are refused (the builder's `send()` then fails with
/// `InvalidRequest`).
fn numeric_ids(m: &mut syn::ItemMod) -> Result<()> {
    let Some((_, items)) = &mut m.content else {
        return Ok(());
    };
    let mut names = Vec::new();
    for item in items.iter() {
        if let syn::Item::Impl(imp) = item
            && imp.trait_.as_ref().is_some_and(|(p, _)| {
                p.to_token_stream().to_string().replace(' ', "") == "::std::str::FromStr"
            })
            && imp.to_token_stream().to_string().contains(r#""^[0-9]+$""#)
        {
            names.push(imp.self_ty.to_token_stream().to_string());
        }
    }
    for name in names {
        for int in ["u64", "u32", "i64", "i32"] {
            items.push(syn::parse_str(&format!(
                "impl ::std::convert::TryFrom<{int}> for {name} {{                  type Error = self::error::ConversionError;                  fn try_from(value: {int}) -> ::std::result::Result<Self, self::error::ConversionError> {{                  if value <= 0 {{ return Err(\"an id is a positive number\".into()); }}                  Ok(Self(value.to_string())) }} }}"
            ))?);
        }
    }
    Ok(())
}

fn is_progenitor_reexport(u: &syn::ItemUse) -> bool {
    matches!(u.vis, syn::Visibility::Public(_))
        && u.tree
            .to_token_stream()
            .to_string()
            .starts_with("progenitor_client")
}

/// The prelude brings the operation traits into scope without naming them (two vendors
/// both have a `ClientUsersExt`), and no longer re-exports `Client`.
fn prelude(m: &mut syn::ItemMod) -> Result<()> {
    let Some((_, items)) = &mut m.content else {
        return Ok(());
    };
    let mut traits = Vec::new();
    for item in items.iter() {
        if let syn::Item::Use(u) = item {
            let text = u.tree.to_token_stream().to_string().replace(' ', "");
            if let Some(name) = text.strip_prefix("super::")
                && name.ends_with("Ext")
            {
                traits.push(name.to_string());
            }
        }
    }
    *items = traits
        .iter()
        .map(|t| syn::parse_str(&format!("pub use super::{t} as _;")))
        .collect::<Result<_, _>>()?;
    Ok(())
}

fn builder_module(
    m: &mut syn::ItemMod,
    displayed: &BTreeSet<String>,
    ops: &BTreeMap<String, Meta>,
    spec: &Value,
    arms: &mut Vec<(String, String)>,
) -> Result<usize> {
    let Some((_, items)) = &mut m.content else {
        return Ok(0);
    };
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut field_types: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for item in items.iter_mut() {
        if let syn::Item::Struct(s) = item {
            s.attrs.push(syn::parse_quote!(
                #[must_use = "a request builder does nothing until `.send()` (or `.into_stream()`)"]
            ));
            let names = s
                .fields
                .iter()
                .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
                .collect();
            fields.insert(s.ident.to_string(), names);
            let types = s
                .fields
                .iter()
                .filter_map(|f| {
                    let ty = f.ty.to_token_stream().to_string().replace(' ', "");
                    Some((f.ident.as_ref()?.to_string(), ty))
                })
                .collect();
            field_types.insert(s.ident.to_string(), types);
        }
    }
    let mut count = 0;
    for item in items.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        let builder = imp.self_ty.to_token_stream().to_string().replace(' ', "");
        let Some(name) = builder.strip_suffix("<'a>").map(str::to_string) else {
            continue;
        };
        let Some(pos) = imp
            .items
            .iter()
            .position(|i| matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "send"))
        else {
            continue;
        };
        let syn::ImplItem::Fn(send) = imp.items.remove(pos) else {
            unreachable!()
        };
        let mut required = Vec::new();
        for item in &mut imp.items {
            if let syn::ImplItem::Fn(f) = item
                && f.sig.ident == "new"
            {
                (*f, required) = unset_required(f)?;
            }
        }
        let types = field_types.get(&name).map_or(&[][..], Vec::as_slice);
        let send = cheaper_request(send, types, &required, displayed)?;
        let new = operation(
            &name,
            send,
            ops,
            spec,
            fields.get(&name).map_or(&[][..], Vec::as_slice),
            arms,
        )
        .with_context(|| format!("builder {name}"))?;
        for (i, f) in new.into_iter().enumerate() {
            imp.items.insert(pos + i, f);
        }
        count += 1;
    }
    Ok(count)
}

/// A builder starts a required parameter as an empty error message (no allocation) instead
/// of "… was not initialized"; `request()` names it (`required`, in [`cheaper_request`]).
/// Answers the new `new` and the required parameters' names.
fn unset_required(new: &syn::ImplItemFn) -> Result<(syn::ImplItemFn, Vec<String>)> {
    let mut text = new.to_token_stream().to_string();
    let mut names = Vec::new();
    while let Some(at) = text.find(" was not initialized\" . to_string ()") {
        let open = text[..at]
            .rfind("Err (\"")
            .context("an unset parameter without Err")?;
        names.push(text[open + "Err (\"".len()..at].to_string());
        let close = at + " was not initialized\" . to_string ()".len();
        text.replace_range(open..close, "Err (String :: new ()");
    }
    let new = syn::parse_str(&text).map_err(|e| anyhow::anyhow!("`new` does not parse: {e}"))?;
    Ok((new, names))
}

/// progenitor's `send` building the request with less work per call (the helpers of
/// `crmkit_runtime::__private::request`, each tested against what it replaces):
/// - the URL is written in one `String` (`url`), each path parameter percent-encoded as it
///   goes, not `format!`ted through two intermediate `String`s per parameter;
/// - an optional query parameter (a builder field of type `Result<Option<_>, _>` in
///   `types`) is added only when set (`query_opt`);
/// - the header map starts empty, not with room for every header parameter;
/// - a required parameter (in `required`) never set is named from the empty message `new`
///   starts it with.
fn cheaper_request(
    send: syn::ImplItemFn,
    types: &[(String, String)],
    required: &[String],
    displayed: &BTreeSet<String>,
) -> Result<syn::ImplItemFn> {
    let ty = |field: &str| {
        types
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, t)| t.as_str())
    };
    let mut text = send.to_token_stream().to_string();
    text = url_statement(&text, |arg| {
        // A string newtype of `types` without `Display` is the `String` it derefs to.
        let generated = ty(arg)
            .and_then(|t| t.strip_prefix("Result<types::"))
            .and_then(|t| t.strip_suffix(",String>"));
        if generated.is_some_and(|t| !displayed.contains(t)) {
            format!("crmkit_runtime :: __private :: request :: Piece :: Str (& {arg})")
        } else {
            format!("crmkit_runtime :: __private :: request :: Piece :: Display (& {arg})")
        }
    })?;
    let optional = |field: &str| ty(field).is_some_and(|t| t.starts_with("Result<Option<"));
    let query = ". query (& progenitor_client :: QueryParam :: new (";
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    let mut uses_query_opt = false;
    while let Some(at) = rest.find(query) {
        out.push_str(&rest[..at]);
        let args = &rest[at + query.len()..];
        let end = args
            .find("))")
            .context("a query parameter without its end")?;
        let (name, value) = args[..end]
            .split_once(" , & ")
            .context("a query parameter that is not `name, &value`")?;
        if optional(value.trim()) {
            out.push_str(&format!(". query_opt ({name} , & {value})"));
            uses_query_opt = true;
        } else {
            out.push_str(&rest[at..at + query.len() + end + 2]);
        }
        rest = &args[end + 2..];
    }
    out.push_str(rest);
    text = out;
    let capacity = ":: reqwest :: header :: HeaderMap :: with_capacity (";
    while let Some(at) = text.find(capacity) {
        let end = text[at..]
            .find(')')
            .context("with_capacity without its end")?
            + at;
        text.replace_range(at..=end, ":: reqwest :: header :: HeaderMap :: new ()");
    }
    for name in required {
        text = text.replace(
            &format!("let {name} = {name} . map_err (Error :: InvalidRequest) ?"),
            &format!(
                "let {name} = {name} . map_err (| e | Error :: InvalidRequest (crmkit_runtime :: __private :: request :: required (e , {name:?}))) ?"
            ),
        );
    }
    let mut send: syn::ImplItemFn =
        syn::parse_str(&text).map_err(|e| anyhow::anyhow!("`send` does not parse: {e}"))?;
    if uses_query_opt {
        send.block.stmts.insert(
            0,
            syn::parse_quote!(
                use crmkit_runtime::__private::request::OptionalQuery as _;
            ),
        );
    }
    Ok(send)
}

/// The types of `types` that implement `Display`.
fn displayed_types(m: &syn::ItemMod) -> BTreeSet<String> {
    let Some((_, items)) = &m.content else {
        return BTreeSet::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let syn::Item::Impl(imp) = item else {
                return None;
            };
            let (trait_path, _) = imp.trait_.as_ref()?;
            let name = trait_path.segments.last()?.ident.to_string();
            (name == "Display").then(|| imp.self_ty.to_token_stream().to_string())
        })
        .collect()
}

/// progenitor's `let url = format!("{}/path/{}", client.baseurl, encode_path(&p.to_string()));`
/// as `crmkit_runtime::__private::request::url(&client.baseurl, &[pieces])`, each parameter
/// a piece written by `param`.
fn url_statement(text: &str, param: impl Fn(&str) -> String) -> Result<String> {
    let head = "let url = format ! (\"";
    let Some(at) = text.find(head) else {
        bail!("no `let url = format!` in send");
    };
    let rest = &text[at + head.len()..];
    let lit_end = rest.find('"').context("the URL format without its end")?;
    let lit = &rest[..lit_end];
    let end = rest
        .find(") ;")
        .context("the URL statement without its end")?;
    let args: Vec<&str> = rest[lit_end + 1..end]
        .split(" , ")
        .map(|a| a.trim_matches(|c| c == ',' || c == ' '))
        .filter(|a| !a.is_empty())
        .collect();
    let Some(("", path)) = lit.split_once("{}") else {
        bail!("the URL format {lit:?} does not start with the base URL");
    };
    if args.first() != Some(&"client . baseurl") {
        bail!("the URL's first argument is not client.baseurl: {args:?}");
    }
    let mut pieces = Vec::new();
    let mut params = args[1..].iter();
    for (i, lit) in path.split("{}").enumerate() {
        if i > 0 {
            let arg = params.next().context("fewer URL arguments than `{}`")?;
            let name = arg
                .strip_prefix("encode_path (& ")
                .and_then(|a| a.strip_suffix(" . to_string ())"))
                .with_context(|| format!("a URL argument that is not encode_path: {arg}"))?;
            pieces.push(param(name));
        }
        if !lit.is_empty() {
            pieces.push(format!(
                "crmkit_runtime :: __private :: request :: Piece :: Lit ({lit:?})"
            ));
        }
    }
    if params.next().is_some() {
        bail!("more URL arguments than `{{}}` in {lit:?}");
    }
    Ok(format!(
        "{}let url = crmkit_runtime :: __private :: request :: url (& client . baseurl , & [{}]) ;{}",
        &text[..at],
        pieces.join(" , "),
        &rest[end + ") ;".len()..]
    ))
}

/// The generated `send` split into `request()` and crmkit's methods.
fn operation(
    name: &str,
    send: syn::ImplItemFn,
    ops: &BTreeMap<String, Meta>,
    spec: &Value,
    fields: &[String],
    arms: &mut Vec<(String, String)>,
) -> Result<Vec<syn::ImplItem>> {
    let ret = send.sig.output.to_token_stream().to_string();
    let value = generic_arg(&ret, "ResponseValue <").context("no ResponseValue in send")?;
    let error = generic_arg(&ret, "Error <").context("no Error in send")?;
    let mut kept = Vec::new();
    let mut op_id = None;
    for stmt in send.block.stmts {
        let text = stmt.to_token_stream().to_string();
        if text.starts_with("let info = OperationInfo") {
            op_id = text.split('"').nth(1).map(str::to_string);
            break;
        }
        if text.contains("\"api-version\"") {
            continue; // the runtime sends no api-version header
        }
        kept.push(text);
    }
    if !kept.iter().any(|s| s.contains("header_map . append")) {
        // No header parameter: no header map to build and merge.
        kept.retain(|s| !s.starts_with("let mut header_map"));
        for s in &mut kept {
            *s = s.replace(" . headers (header_map)", "");
        }
    }
    let op_id = op_id.context("no OperationInfo in send")?;
    let meta = ops
        .get(&op_id)
        .with_context(|| format!("{op_id} is not in the spec"))?;
    let batch = match &meta.batch {
        None => "None".to_string(),
        Some(b) => format!(
            "Some(crmkit_runtime::pipeline::Batch {{ items: {:?}, status: {:?}, success: {:?} }})",
            b["items"].as_str().context("x-crmkit-batch.items")?,
            b.get("status").and_then(Value::as_str).unwrap_or("status"),
            b.get("success")
                .and_then(Value::as_str)
                .unwrap_or("success"),
        ),
    };
    let credits = match &meta.credits {
        None => "crmkit_runtime::pipeline::credits::Credits::ONE".to_string(),
        Some(c) => credits(&op_id, c)?,
    };
    let operation = format!(
        "crmkit_runtime::Operation {{ id: {op_id:?}, idempotent: {}, batch: {batch}, credits: {credits} }}",
        meta.idempotent
    );
    let (method, value_ty) = match value.as_str() {
        "()" => ("send_empty", "()".to_string()),
        "ByteStream" => ("send_stream", "crmkit_runtime::ByteStream".to_string()),
        _ if meta.batch.is_some() => ("send_batch", value.clone()),
        _ => ("send_json", value.clone()),
    };
    let (decode_ty, decode_as) = match method {
        "send_empty" | "send_stream" => ("()".to_string(), false),
        _ => (value.clone(), true),
    };
    arms.push((
        op_id.clone(),
        format!(
            "{op_id:?} => {{ const OP: crmkit_runtime::Operation = {operation}; \
             crmkit_runtime::__private::fuzz::decode::<P, {decode_ty}>(profile, &OP, status, body, {decode_as}) }}"
        ),
    ));
    let what = match method {
        "send_stream" => "the download, streamed",
        "send_empty" => "the answer's status and headers",
        "send_batch" => {
            "the decoded answer, or `Error::PartialFailure` when any item of the batch failed \
             (see `send_partial`)"
        }
        _ => "the decoded answer",
    };
    // Without a body, a copy of the builder rebuilds the request for a retry: cheaper than
    // the pipeline's copy of every request (a body, perhaps large, is copied as bytes).
    let (rebuild, outgoing) = if fields.iter().any(|f| f == "body") {
        ("", "request")
    } else {
        (
            "let again = self.clone(); \
             let rebuild = move || again.clone().request().ok().map(|(_, request)| request); ",
            "crmkit_runtime::Outgoing::rebuild(request, &rebuild)",
        )
    };
    let mut out = vec![
        format!(
            "fn request(self) -> ::std::result::Result<(&'a super::Client, ::reqwest::Request), Error<{error}>> {{ {} Ok((client, request)) }}",
            kept.join(" ")
        ),
        format!(
            "/// Sends the request through crmkit's pipeline (limits, credentials, retries, \
             classification) and returns {what}.\n\
             pub async fn send(self) -> crmkit_runtime::Result<crmkit_runtime::Response<{value_ty}>> {{ \
             const OPERATION: crmkit_runtime::Operation = {operation}; {rebuild}\
             let (client, request) = self.request().map_err(|e| crmkit_runtime::__private::request_error(OPERATION.id, e))?; \
             client.inner.{method}({outgoing}, &OPERATION).await }}"
        ),
    ];
    if meta.batch.is_some() {
        out.push(format!(
            "/// Like [`send`](Self::send), but a partly failed batch is not an error: the \
             decoded answer comes with the `PartialFailure` (every failed item), if any.\n\
             pub async fn send_partial(self) -> crmkit_runtime::Result<(crmkit_runtime::Response<{value_ty}>, ::std::option::Option<crmkit_runtime::PartialFailure>)> {{ \
             const OPERATION: crmkit_runtime::Operation = {operation}; {rebuild}\
             let (client, request) = self.request().map_err(|e| crmkit_runtime::__private::request_error(OPERATION.id, e))?; \
             client.inner.send_partial({outgoing}, &OPERATION).await }}"
        ));
    }
    if let Some(paging) = &meta.paging {
        out.push(into_stream(name, &op_id, paging, meta, spec, fields)?);
    }
    out.into_iter()
        .map(|src| {
            syn::parse_str::<syn::ImplItem>(&src)
                .map_err(|e| anyhow::anyhow!("generated method does not parse: {e}\n{src}"))
        })
        .collect()
}

/// `into_stream()`: every item of every page, owning a clone of the client.
fn into_stream(
    name: &str,
    op_id: &str,
    paging: &Value,
    meta: &Meta,
    spec: &Value,
    fields: &[String],
) -> Result<String> {
    let style = match paging["style"].as_str() {
        Some("page") => "Page",
        Some("offset") => "Offset",
        other => bail!("{op_id}: x-crmkit-paging.style must be page or offset, not {other:?}"),
    };
    let param = paging["param"]
        .as_str()
        .with_context(|| format!("{op_id}: x-crmkit-paging.param"))?;
    let in_body = paging.get("in").and_then(Value::as_str) == Some("body");
    let items = paging["items"]
        .as_str()
        .with_context(|| format!("{op_id}: x-crmkit-paging.items"))?;
    let success = meta
        .success
        .as_deref()
        .with_context(|| format!("{op_id}: a paged list needs a JSON success schema"))?;
    let (items_path, item_ty) = items_access(spec, success, items)?;
    let more = match (
        paging.get("more"),
        paging.get("last-page"),
        paging.get("current-page"),
    ) {
        (Some(more), _, _) => {
            let p = access(spec, success, more.as_str().context("more")?)?;
            format!("{p}.copied()")
        }
        (None, Some(last), Some(current)) => {
            let last = access(spec, success, last.as_str().context("last-page")?)?;
            let current = access(spec, success, current.as_str().context("current-page")?)?;
            format!("{current}.zip({last}).map(|(c, l)| c < l)")
        }
        _ => "None".to_string(),
    };
    let total = match paging.get("total").and_then(Value::as_str) {
        Some(path) => format!(
            "{}.and_then(|n| u64::try_from(*n).ok())",
            access(spec, success, path)?
        ),
        None => "None".to_string(),
    };
    let size = match paging.get("size-param").and_then(Value::as_str) {
        Some(param) => format!("crmkit_runtime::paging::size(&{})", rust_field(param)),
        None => "None".to_string(),
    };
    let others: Vec<&String> = fields.iter().filter(|f| *f != "client").collect();
    let destructure = fields.join(", ");
    let clones: String = others
        .iter()
        .map(|f| format!("let {f} = {f}.clone(); "))
        .collect();
    let field = rust_field(param);
    let (prepare, set_page, rebuild): (String, String, String) = if in_body {
        (
            format!(
                "let body = body.and_then(|v| types::{}::try_from(v).map_err(|e| e.to_string()));",
                meta.body
                    .as_deref()
                    .context("a body-paged list needs a named JSON body schema")?
            ),
            format!(
                "let mut body = body.map_err(|e| crmkit_runtime::Error::InvalidRequest(format!(\"{op_id}: {{e}}\")))?; \
                 body.{field} = crmkit_runtime::paging::number(\"{op_id}\", cursor)?; \
                 let body = Ok(body.into());"
            ),
            "".to_string(),
        )
    } else {
        (String::new(), String::new(), format!(".{field}(cursor)"))
    };
    let struct_fields = fields
        .iter()
        .map(|f| {
            if f == "client" {
                "client: &client".to_string()
            } else {
                f.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok(format!(
        "/// Every item of every page of this list, fetched lazily as the stream is read \
         (the stream sets `{param}` itself). It owns a clone of the client: no lifetime ties it \
         to the caller. It ends after the last page, or after the first error, which it yields.\n\
         pub fn into_stream(self) -> crmkit_runtime::ItemStream<{item_ty}> {{ \
         let Self {{ {destructure} }} = self; \
         let client = client.clone(); {prepare} \
         let page_size = {size}; \
         crmkit_runtime::paging::pages(crmkit_runtime::paging::Style::{style}, page_size, move |cursor| {{ \
           let client = client.clone(); {clones} \
           async move {{ \
             {set_page} \
             let list = {name} {{ {struct_fields} }}{rebuild}.send().await?.into_inner(); \
             Ok(crmkit_runtime::paging::Answer {{ more: {more}, total: {total}, items: {items_path} }}) \
           }} \
         }}) }}"
    ))
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(r.trim_start_matches('#')).unwrap_or(schema),
        None => schema,
    }
}

/// Steps along `path` (dot-separated JSON names) from the schema `root`: each step's Rust
/// field name and whether typify made it an `Option` (not required, or nullable).
fn steps<'a>(spec: &'a Value, root: &str, path: &str) -> Result<(Vec<(String, bool)>, &'a Value)> {
    let mut schema = spec
        .pointer(root.trim_start_matches('#'))
        .with_context(|| format!("{root} not found"))?;
    let mut out = Vec::new();
    for name in path.split('.') {
        let object = resolve(spec, schema);
        let prop = object
            .pointer(&format!("/properties/{name}"))
            .with_context(|| format!("{root}: no property `{name}` on the way to `{path}`"))?;
        let required = object["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|n| n == name));
        let nullable = prop.get("nullable") == Some(&Value::Bool(true))
            || resolve(spec, prop).get("nullable") == Some(&Value::Bool(true));
        let array = resolve(spec, prop)["type"] == "array";
        // typify: an optional array is a `Vec` with `#[serde(default)]`, not an `Option`.
        out.push((rust_field(name), nullable || (!required && !array)));
        schema = prop;
    }
    Ok((out, schema))
}

/// An expression of type `Option<&T>` reading `path` from `list`.
fn access(spec: &Value, root: &str, path: &str) -> Result<String> {
    let (steps, _) = steps(spec, root, path)?;
    let mut expr = "Some(&list)".to_string();
    for (field, optional) in steps {
        expr = if optional {
            format!("{expr}.and_then(|v| v.{field}.as_ref())")
        } else {
            format!("{expr}.map(|v| &v.{field})")
        };
    }
    Ok(expr)
}

/// The expression moving the items out of `list` (a `Vec`), and the item type.
fn items_access(spec: &Value, root: &str, path: &str) -> Result<(String, String)> {
    let (steps, schema) = steps(spec, root, path)?;
    if steps.len() != 1 {
        bail!("x-crmkit-paging.items must name a top-level property, not `{path}`");
    }
    let (field, optional) = &steps[0];
    let item = resolve(spec, schema)
        .pointer("/items/$ref")
        .and_then(Value::as_str)
        .with_context(|| format!("`{path}` must be an array of a named schema"))?;
    let item = format!("types::{}", item.rsplit('/').next().unwrap_or_default());
    let expr = if *optional {
        format!("list.{field}.unwrap_or_default()")
    } else {
        format!("list.{field}")
    };
    Ok((expr, item))
}

/// typify's Rust name of a JSON property: snake case, keywords suffixed with `_`.
fn rust_field(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c == '-' || c == ' ' {
            out.push('_');
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    match out.as_str() {
        "type" | "ref" | "self" | "match" | "fn" | "mod" | "use" | "move" | "in" | "as" => {
            format!("{out}_")
        }
        _ => out,
    }
}

/// The text of the generic argument after `head` in a token string, e.g. the `T` of
/// `ResponseValue < T >`.
fn generic_arg(text: &str, head: &str) -> Option<String> {
    let start = text.find(head)? + head.len();
    let mut depth = 1;
    for (i, c) in text[start..].char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(text[start..start + i].trim().replace(' ', ""));
                }
            }
            _ => {}
        }
    }
    None
}

/// `x-crmkit-credits` as a `Credits` expression: `cost` (default 1), `with-query`
/// `{param, cost}`, `per-items` `{per, body | query}`.
fn credits(op_id: &str, c: &Value) -> Result<String> {
    let path = "crmkit_runtime::pipeline::credits";
    let number = |v: &Value, what: &str| -> Result<u32> {
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n >= 1)
            .with_context(|| format!("{op_id}: x-crmkit-credits.{what} must be a positive integer"))
    };
    let base = match c.get("cost") {
        Some(v) => number(v, "cost")?,
        None => 1,
    };
    let with_query = match c.get("with-query") {
        None => "None".to_string(),
        Some(q) => format!(
            "Some(({:?}, {}))",
            q["param"]
                .as_str()
                .with_context(|| format!("{op_id}: x-crmkit-credits.with-query.param"))?,
            number(&q["cost"], "with-query.cost")?
        ),
    };
    let per_items = match c.get("per-items") {
        None => "None".to_string(),
        Some(p) => {
            let at = match (p["body"].as_str(), p["query"].as_str()) {
                (Some(key), None) => format!("{path}::ItemsAt::Body({key:?})"),
                (None, Some(name)) => format!("{path}::ItemsAt::Query({name:?})"),
                _ => bail!("{op_id}: x-crmkit-credits.per-items needs exactly one of body, query"),
            };
            format!("Some(({}, {at}))", number(&p["per"], "per-items.per")?)
        }
    };
    Ok(format!(
        "{path}::Credits {{ base: {base}, with_query: {with_query}, per_items: {per_items} }}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_typify() {
        assert_eq!(rust_field("totalCount"), "total_count");
        assert_eq!(rust_field("more_records"), "more_records");
        assert_eq!(rust_field("type"), "type_");
        assert_eq!(rust_field("current_page"), "current_page");
    }

    #[test]
    fn generic_arguments_are_found() {
        let ret = "-> Result < ResponseValue < types :: A < B > > , Error < types :: E > >";
        assert_eq!(generic_arg(ret, "ResponseValue <").unwrap(), "types::A<B>");
        assert_eq!(generic_arg(ret, "Error <").unwrap(), "types::E");
    }
}
