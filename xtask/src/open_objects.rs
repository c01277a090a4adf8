//! Open objects (`additionalProperties: {}`) get a `Deserialize` and `Serialize` written here
//! instead of serde's derive: typify declares their undeclared properties as a
//! `#[serde(flatten)] extra` map, and serde decodes a flattened struct by buffering every
//! property first and replaying it. The impls written here read the object once: a known
//! property goes to its typed field, the rest to `extra`, which becomes a
//! `crmkit_runtime::Extra` (each member's JSON text in one `String`) instead of typify's map
//! of `serde_json::Value`s, the tree that made up most of a Zoho record's decode
//! (BENCHMARKS.md). The builders' `extra` slot and setter change with it.
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
    let (mut done, mut kept) = (Vec::new(), Vec::new());
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
        set_extra_type(s)?;
        done.push(name);
    }
    for item in items.iter_mut() {
        if let syn::Item::Mod(m) = item
            && m.ident == "builder"
        {
            builders(m, &done)?;
        }
    }
    items.extend(extra_items);
    Ok((done.len(), kept))
}

/// The type typify gives the `extra` map.
const MAP: &str = ":: serde_json :: Map < :: std :: string :: String , :: serde_json :: Value >";

/// The type that replaces it.
const EXTRA: &str = "crmkit_runtime :: Extra";

/// `extra: Map<String, Value>` becomes `extra: crmkit_runtime::Extra` (each undeclared
/// member's JSON text: no tree of `Value`s to build).
fn set_extra_type(s: &mut syn::ItemStruct) -> Result<()> {
    let syn::Fields::Named(named) = &mut s.fields else {
        bail!("{} has no named fields", s.ident);
    };
    let Some(extra) = named.named.last_mut() else {
        bail!("{} has no fields", s.ident);
    };
    let ty = extra.ty.to_token_stream().to_string();
    if ty != MAP {
        bail!("{}.extra is a {ty}, not a map of values", s.ident);
    }
    extra.ty = syn::parse_str(EXTRA)?;
    Ok(())
}

/// typify's builders of the open objects: their `extra` slot and setter take an `Extra`
/// (which a `Map<String, Value>` converts into).
fn builders(m: &mut syn::ItemMod, open: &[String]) -> Result<()> {
    let Some((_, items)) = &mut m.content else {
        return Ok(());
    };
    let mut changed = 0;
    for item in items.iter_mut() {
        let text = match item {
            syn::Item::Struct(s) if open.contains(&s.ident.to_string()) => {
                let syn::Fields::Named(named) = &mut s.fields else {
                    continue;
                };
                for f in named.named.iter_mut() {
                    if f.ident.as_ref().is_some_and(|i| i == "extra") {
                        let ty = f.ty.to_token_stream().to_string();
                        f.ty = syn::parse_str(&ty.replace(MAP, EXTRA))?;
                        changed += 1;
                    }
                }
                continue;
            }
            syn::Item::Impl(i) if i.trait_.is_none() => {
                let syn::Type::Path(p) = &*i.self_ty else {
                    continue;
                };
                if !p
                    .path
                    .get_ident()
                    .is_some_and(|n| open.contains(&n.to_string()))
                {
                    continue;
                }
                i
            }
            _ => continue,
        };
        for it in text.items.iter_mut() {
            if let syn::ImplItem::Fn(f) = it
                && f.sig.ident == "extra"
            {
                let sig = f.sig.to_token_stream().to_string();
                f.sig = syn::parse_str(&sig.replace(MAP, EXTRA))?;
                changed += 1;
            }
        }
    }
    if changed != 2 * open.len() {
        bail!(
            "found {changed} builder slots and setters of `extra`, expected {} (two for each of {} open objects)",
            2 * open.len(),
            open.len()
        );
    }
    Ok(())
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
        "::std::option::Option::is_none" => Some("null"),
        "::std::vec::Vec::is_empty" => Some("[]"),
        "::serde_json::Map::is_empty" | "::std::collections::BTreeMap::is_empty" => Some("{}"),
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
                "if {skip}(&value) {{ crmkit_runtime::__private::open::keep(&mut extra, {wire:?}, {:?}); }} ",
                empty_value(skip).unwrap_or("null")
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
         let mut extra = crmkit_runtime::Extra::new(); {slots} \
         while let Some(key) = map.next_key::<crmkit_runtime::__private::open::Key<'de>>()? {{ \
         match key.as_str() {{ {arms} _ => {{ map.next_value_seed(crmkit_runtime::__private::open::Member::new(&mut extra, key.as_str()))?; }} }} }} \
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
         for (key, value) in self.extra.iter() {{ \
         let typed = match key {{ {typed} _ => false }}; \
         if !typed {{ map.serialize_entry(key, &value)?; }} }} \
         map.end() }} }}"
    )
}
