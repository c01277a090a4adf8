//! Open objects (`additionalProperties: {}`) get a `Deserialize` and `Serialize` written here
//! instead of serde's derive: typify declares their undeclared properties as a
//! `#[serde(flatten)] extra` map, and serde decodes a flattened struct by buffering every
//! property first and replaying it. The impls written here read the object once: a known
//! property goes to its typed field, the rest to `extra` (on a Zoho record that saves about
//! 1%: building `extra` is the cost, see BENCHMARKS.md).
//!
//! They are also lossless: a known property that came as `null`, `[]` or `{}` — which the
//! typed field (skipped when `None` or empty) cannot tell from an absent one — is kept in
//! `extra` too, and written back from there unless the typed field has been given a value.
//! A value read and written back is the same JSON.
//!
//! The field attributes typify writes are the ones understood (`rename`, `default`,
//! `default = "…"`, `deserialize_with = "Option::deserialize"` (required but nullable),
//! `skip_serializing_if = "…"` of `Option`, `Vec`, `Map` and `BTreeMap`); a struct with
//! any other keeps serde's derive (the generator reports how many).

use anyhow::{Result, bail};
use quote::ToTokens;

/// What one field's `#[serde(...)]` says.
#[derive(Default)]
struct FieldAttrs {
    rename: Option<String>,
    default: Option<Option<String>>,
    skip: Option<String>,
    flatten: bool,
    /// `deserialize_with = "Option::deserialize"`: a required property that may be `null`.
    required_nullable: bool,
}

struct Field {
    ident: String,
    wire: String,
    ty: String,
    attrs: FieldAttrs,
}

/// Rewrites every open object of `types`; returns how many, and the names of those kept
/// with serde's derive.
pub fn apply(items: &mut Vec<syn::Item>) -> Result<(usize, Vec<String>)> {
    let mut extra_items = Vec::new();
    let (mut done, mut kept) = (0, Vec::new());
    for item in items.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        if !is_open(s) {
            continue;
        }
        let Some(fields) = fields(s) else {
            kept.push(s.ident.to_string());
            continue;
        };
        let name = s.ident.to_string();
        extra_items.push(syn::parse_str::<syn::Item>(&deserialize(&name, &fields))?);
        extra_items.push(syn::parse_str::<syn::Item>(&serialize(&name, &fields))?);
        strip_serde(s)?;
        done += 1;
    }
    items.extend(extra_items);
    Ok((done, kept))
}

/// A struct deriving serde's two traits whose last field is the flattened `extra` map, and
/// without container attributes of serde.
fn is_open(s: &syn::ItemStruct) -> bool {
    let derive = s
        .attrs
        .iter()
        .find(|a| a.path().is_ident("derive"))
        .map(|a| a.to_token_stream().to_string().replace(' ', ""));
    let Some(derive) = derive else { return false };
    if !derive.contains("::serde::Deserialize") || !derive.contains("::serde::Serialize") {
        return false;
    }
    if s.attrs.iter().any(|a| a.path().is_ident("serde")) {
        return false;
    }
    let syn::Fields::Named(named) = &s.fields else {
        return false;
    };
    named.named.last().is_some_and(|f| {
        f.ident.as_ref().is_some_and(|i| i == "extra")
            && f.attrs.iter().any(|a| {
                a.path().is_ident("serde")
                    && a.to_token_stream().to_string().replace(' ', "") == "#[serde(flatten)]"
            })
    })
}

/// The fields, or `None` when one has an attribute this module does not write.
fn fields(s: &syn::ItemStruct) -> Option<Vec<Field>> {
    let syn::Fields::Named(named) = &s.fields else {
        return None;
    };
    let mut out = Vec::new();
    for f in &named.named {
        let ident = f.ident.as_ref()?.to_string();
        let mut attrs = FieldAttrs::default();
        for a in f.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let mut unknown = false;
            a.parse_nested_meta(|meta| {
                let lit = |meta: &syn::meta::ParseNestedMeta| -> syn::Result<String> {
                    Ok(meta.value()?.parse::<syn::LitStr>()?.value())
                };
                if meta.path.is_ident("rename") {
                    attrs.rename = Some(lit(&meta)?);
                } else if meta.path.is_ident("default") {
                    attrs.default = Some(if meta.input.peek(syn::Token![=]) {
                        Some(lit(&meta)?)
                    } else {
                        None
                    });
                } else if meta.path.is_ident("skip_serializing_if") {
                    attrs.skip = Some(lit(&meta)?);
                } else if meta.path.is_ident("flatten") {
                    attrs.flatten = true;
                } else if meta.path.is_ident("deserialize_with")
                    && lit(&meta)?.replace(' ', "") == "::std::option::Option::deserialize"
                {
                    attrs.required_nullable = true;
                } else {
                    unknown = true;
                }
                Ok(())
            })
            .ok()?;
            if unknown {
                return None;
            }
        }
        if let Some(skip) = &attrs.skip
            && empty_value(skip).is_none()
        {
            return None;
        }
        let wire = attrs
            .rename
            .clone()
            .unwrap_or_else(|| ident.trim_start_matches("r#").to_string());
        let ty = f.ty.to_token_stream().to_string();
        out.push(Field {
            ident,
            wire,
            ty,
            attrs,
        });
    }
    // `extra` is last (checked by `is_open`) and the only flattened field.
    if out[..out.len() - 1].iter().any(|f| f.attrs.flatten) {
        return None;
    }
    out.pop();
    Some(out)
}

/// The JSON a skipped field came as, by its `skip_serializing_if`.
fn empty_value(skip: &str) -> Option<&'static str> {
    match skip.replace(' ', "").as_str() {
        "::std::option::Option::is_none" => Some("::serde_json::Value::Null"),
        "::std::vec::Vec::is_empty" => Some("::serde_json::Value::Array(::std::vec::Vec::new())"),
        "::serde_json::Map::is_empty" | "::std::collections::BTreeMap::is_empty" => {
            Some("::serde_json::Value::Object(::serde_json::Map::new())")
        }
        _ => None,
    }
}

/// Derives without serde's two traits; the field attributes stay for `schemars` only.
fn strip_serde(s: &mut syn::ItemStruct) -> Result<()> {
    for a in s.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let text = a.to_token_stream().to_string().replace(' ', "");
        let Some(inner) = text
            .strip_prefix("#[derive(")
            .and_then(|t| t.strip_suffix(")]"))
        else {
            bail!("unexpected derive {text}");
        };
        let kept: Vec<&str> = inner
            .split(',')
            .filter(|d| !d.starts_with("::serde::"))
            .collect();
        *a = syn::parse_str::<syn::DeriveInput>(&format!(
            "#[derive({})] struct X;",
            kept.join(", ")
        ))?
        .attrs
        .remove(0);
    }
    let syn::Fields::Named(named) = &mut s.fields else {
        return Ok(());
    };
    for f in named.named.iter_mut() {
        for a in f.attrs.iter_mut().filter(|a| a.path().is_ident("serde")) {
            let syn::Meta::List(list) = &a.meta else {
                continue;
            };
            let tokens = list.tokens.clone();
            *a = syn::parse_quote!(#[cfg_attr(feature = "schemars", serde(#tokens))]);
        }
    }
    Ok(())
}

fn deserialize(name: &str, fields: &[Field]) -> String {
    let mut slots = String::new();
    let mut arms = String::new();
    let mut build = String::new();
    for (i, f) in fields.iter().enumerate() {
        let (wire, ty) = (&f.wire, &f.ty);
        slots.push_str(&format!(
            "let mut f{i}: ::std::option::Option<{ty}> = None; "
        ));
        let keep = match f.attrs.skip.as_deref() {
            Some(skip) => format!(
                "if {skip}(&value) {{ extra.insert({wire:?}.to_owned(), {}); }} ",
                empty_value(skip).unwrap_or("::serde_json::Value::Null")
            ),
            None => String::new(),
        };
        arms.push_str(&format!(
            "{wire:?} => {{ if f{i}.is_some() {{ return Err(<A::Error as ::serde::de::Error>::duplicate_field({wire:?})); }} \
             let value: {ty} = map.next_value()?; {keep}f{i} = Some(value); }} "
        ));
        let optional = ty.starts_with(":: std :: option :: Option") && !f.attrs.required_nullable;
        let missing = match (&f.attrs.default, optional) {
            (Some(Some(path)), _) => format!("f{i}.unwrap_or_else({path})"),
            (Some(None), _) | (None, true) => format!("f{i}.unwrap_or_default()"),
            (None, false) => format!(
                "match f{i} {{ Some(v) => v, None => return Err(<A::Error as ::serde::de::Error>::missing_field({wire:?})) }}"
            ),
        };
        build.push_str(&format!("{}: {missing}, ", f.ident));
    }
    format!(
        "impl<'de> ::serde::Deserialize<'de> for {name} {{ \
         fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {{ \
         struct Visitor; \
         impl<'de> ::serde::de::Visitor<'de> for Visitor {{ \
         type Value = {name}; \
         fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {{ f.write_str(\"an object {name}\") }} \
         fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> ::std::result::Result<{name}, A::Error> {{ \
         let mut extra = ::serde_json::Map::new(); {slots} \
         while let Some(key) = map.next_key::<crmkit_runtime::__private::open::Key<'de>>()? {{ \
         match key.as_str() {{ {arms} _ => {{ let value: ::serde_json::Value = map.next_value()?; extra.insert(key.into_owned(), value); }} }} }} \
         Ok({name} {{ {build} extra }}) }} }} \
         deserializer.deserialize_map(Visitor) }} }}"
    )
}

fn serialize(name: &str, fields: &[Field]) -> String {
    let mut known = String::new();
    let mut typed = String::new();
    for f in fields {
        let (wire, ident) = (&f.wire, &f.ident);
        match f.attrs.skip.as_deref() {
            Some(skip) => {
                known.push_str(&format!(
                    "if !{skip}(&self.{ident}) {{ map.serialize_entry({wire:?}, &self.{ident})?; }} "
                ));
                typed.push_str(&format!("{wire:?} => !{skip}(&self.{ident}), "));
            }
            None => {
                known.push_str(&format!("map.serialize_entry({wire:?}, &self.{ident})?; "));
                typed.push_str(&format!("{wire:?} => true, "));
            }
        }
    }
    format!(
        "impl ::serde::Serialize for {name} {{ \
         fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {{ \
         use ::serde::ser::SerializeMap as _; \
         let mut map = serializer.serialize_map(None)?; {known} \
         for (key, value) in &self.extra {{ \
         let typed = match key.as_str() {{ {typed} _ => false }}; \
         if !typed {{ map.serialize_entry(key, value)?; }} }} \
         map.end() }} }}"
    )
}
