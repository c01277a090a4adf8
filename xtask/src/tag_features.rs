//! One cargo feature per tag of a spec, for the clients whose `Cargo.toml` asks for them
//! (a block between two marked lines in its `[features]`, [`begin`] and [`end`]): a user of three Zoho CRM
//! tags compiles those tags' operations and the types they reach, not the other sixteen.
//!
//! In the generated client, each tag's `Client…Ext` trait, its impl, its prelude import and
//! its operation builders get `#[cfg(feature = "<tag>")]`. A type gets
//! `#[cfg(any(feature = …))]` over the tags whose operations reach it (through the types it
//! names, transitively); a type every tag reaches, one no operation reaches (the API keeps
//! it), or one the crate's hand-written code names (`types::X`) is always compiled. An impl
//! is compiled when every type its header names is. The fuzz entry points need every tag.
//!
//! The crate's `Cargo.toml` block lists the tags and `all-tags`; the facade's block, one
//! `<vendor>-<tag>` feature per tag. Both are written by `cargo xtask generate` and checked
//! by `--check` like the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use quote::ToTokens;

/// The first line of a generated block of a `Cargo.toml`: the crate's (`label` empty) or,
/// in the facade's, one vendor's (`label` its name).
fn begin(label: &str) -> String {
    format!(
        "# @generated {label}{}tag features: begin (cargo xtask generate)",
        if label.is_empty() { "" } else { " " }
    )
}

/// The last line of that block.
fn end(label: &str) -> String {
    format!(
        "# @generated {label}{}tag features: end",
        if label.is_empty() { "" } else { " " }
    )
}

/// The tags of a crate's `Cargo.toml` block (none when it has no block).
pub fn tags(cargo_toml: &str) -> Vec<String> {
    let (first, last) = (begin(""), end(""));
    let Some(start) = cargo_toml.find(&first) else {
        return Vec::new();
    };
    cargo_toml[start..]
        .lines()
        .skip(1)
        .take_while(|l| *l != last)
        .filter_map(|l| l.strip_suffix(" = []"))
        .map(str::to_string)
        .collect()
}

/// Whether the crate's `Cargo.toml` asks for tag features.
pub fn wanted(cargo_toml: &str) -> bool {
    cargo_toml.contains(&begin(""))
}

/// The type names `types::X` or `types::{X, Y}` in the crate's hand-written code (every `.rs`
/// under `src/` but `generated.rs`; comments left out).
pub fn named_by_hand(src: &Path) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "generated.rs")
            {
                // Code only: a doc example runs with the default features (every tag).
                let text: String = std::fs::read_to_string(&path)?
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                for (i, _) in text.match_indices("types::") {
                    let rest = &text[i + "types::".len()..];
                    let list = match rest.strip_prefix('{') {
                        Some(group) => &group[..group.find('}').unwrap_or(group.len())],
                        None => rest,
                    };
                    for part in list.split(',') {
                        let ident: String = part
                            .trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if ident.starts_with(|c: char| c.is_ascii_uppercase()) {
                            names.insert(ident);
                        }
                    }
                }
            }
        }
    }
    Ok(names)
}

/// Gates the generated client by tag; returns the features (tags, kebab-case) in the order
/// of its traits.
pub fn apply(file: &mut syn::File, by_hand: &BTreeSet<String>) -> Result<Vec<String>> {
    // Each tag's trait, and the operation builders its methods return.
    let mut tags = Vec::new();
    let mut builder_tags: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in &file.items {
        let syn::Item::Trait(t) = item else { continue };
        let Some(tag) = trait_tag(&t.ident.to_string()) else {
            continue;
        };
        for it in &t.items {
            let syn::TraitItem::Fn(f) = it else { continue };
            let syn::ReturnType::Type(_, ty) = &f.sig.output else {
                continue;
            };
            let syn::Type::Path(p) = &**ty else { continue };
            let Some(last) = p.path.segments.last() else {
                continue;
            };
            builder_tags
                .entry(last.ident.to_string())
                .or_default()
                .insert(tag.clone());
        }
        tags.push(tag);
    }
    if tags.is_empty() {
        bail!("tag features were asked for, but the client has no `Client…Ext` traits");
    }

    // The type graph: what each type of `types` (and its builder) names.
    let types_mod = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|c| &c.1),
            _ => None,
        })
        .context("no `types` module")?;
    let nodes: BTreeSet<String> = types_mod.iter().filter_map(defined).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in types_mod.iter().chain(builder_items(types_mod)) {
        let Some(owner) = defined(item).or_else(|| impl_self(item)) else {
            continue;
        };
        if nodes.contains(&owner) {
            edges
                .entry(owner)
                .or_default()
                .extend(mentions(item, &nodes));
        }
    }

    // What each tag's operations reach.
    let mut reach: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in builder_items(&file.items) {
        let Some(name) = defined(item).or_else(|| impl_self(item)) else {
            continue;
        };
        let Some(item_tags) = builder_tags.get(&name) else {
            bail!("the operation builder {name} is in no tag's trait");
        };
        for tag in item_tags {
            reach
                .entry(tag.clone())
                .or_default()
                .extend(mentions(item, &nodes));
        }
    }
    let closure = |roots: &BTreeSet<String>| {
        let mut seen = roots.clone();
        let mut todo: Vec<String> = roots.iter().cloned().collect();
        while let Some(n) = todo.pop() {
            for m in edges.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let always = closure(&by_hand.intersection(&nodes).cloned().collect());
    let mut gates: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for tag in &tags {
        for n in closure(reach.get(tag).unwrap_or(&BTreeSet::new())) {
            gates.entry(n).or_default().insert(tag.clone());
        }
    }
    gates.retain(|n, t| !always.contains(n) && t.len() < tags.len());

    // Gate the items.
    let all = tags.clone();
    for item in file.items.iter_mut() {
        match item {
            syn::Item::Trait(t) => {
                if let Some(tag) = trait_tag(&t.ident.to_string()) {
                    t.attrs.push(cfg(&[tag])?);
                }
            }
            syn::Item::Impl(i) => {
                let trait_name = i
                    .trait_
                    .as_ref()
                    .and_then(|(p, _)| p.segments.last())
                    .map(|s| s.ident.to_string());
                if let Some(tag) = trait_name.as_deref().and_then(trait_tag) {
                    i.attrs.push(cfg(&[tag])?);
                }
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                for it in m.content.iter_mut().flat_map(|c| c.1.iter_mut()) {
                    if let syn::Item::Use(u) = it {
                        // `use super::types;`, unused without the tags that need it.
                        u.attrs.push(syn::parse_quote!(#[allow(unused_imports)]));
                        continue;
                    }
                    let Some(name) = defined(it).or_else(|| impl_self(it)) else {
                        continue;
                    };
                    let item_tags: Vec<String> = builder_tags[&name].iter().cloned().collect();
                    push_attr(it, cfg(&item_tags)?);
                }
            }
            syn::Item::Mod(m) if m.ident == "prelude" => {
                for it in m.content.iter_mut().flat_map(|c| c.1.iter_mut()) {
                    let syn::Item::Use(u) = it else { continue };
                    let text = u.tree.to_token_stream().to_string().replace(' ', "");
                    let name = text
                        .trim_start_matches("super::")
                        .trim_end_matches("as_")
                        .to_string();
                    if let Some(tag) = trait_tag(&name) {
                        u.attrs.push(cfg(&[tag])?);
                    }
                }
            }
            syn::Item::Mod(m) if m.ident == "__fuzz" => {
                let every = all.iter().map(|t| any_of([t])).collect();
                m.attrs.push(attr(&join("all", every))?);
            }
            syn::Item::Mod(m) if m.ident == "types" => {
                let items = m.content.as_mut().map(|c| &mut c.1).context("types")?;
                gate_types(items, &gates)?;
            }
            _ => {}
        }
    }
    Ok(tags)
}

/// Gates the items of `types` (and of its `builder`) by the types they are about.
fn gate_types(items: &mut [syn::Item], gates: &BTreeMap<String, BTreeSet<String>>) -> Result<()> {
    let nodes: BTreeSet<String> = gates.keys().cloned().collect();
    for item in items.iter_mut() {
        match item {
            syn::Item::Mod(m) if m.ident == "builder" => {
                let inner = m.content.as_mut().map(|c| &mut c.1).context("builder")?;
                gate_types(inner, gates)?;
            }
            syn::Item::Mod(m) if m.ident == "defaults" => {
                // Helpers of the serde defaults; those of a type left out go unused.
                m.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
            }
            syn::Item::Impl(i) => {
                let mut header = i.self_ty.to_token_stream();
                if let Some((path, _)) = &i.trait_ {
                    header.extend(path.to_token_stream());
                }
                let named = mentioned(header, &nodes);
                let sets: Vec<&BTreeSet<String>> = named.iter().map(|n| &gates[n]).collect();
                if let Some(attr) = cfg_all(&sets)? {
                    i.attrs.push(attr);
                }
            }
            other => {
                if let Some(set) = defined(other).and_then(|n| gates.get(&n)) {
                    let tags: Vec<String> = set.iter().cloned().collect();
                    push_attr(other, cfg(&tags)?);
                }
            }
        }
    }
    Ok(())
}

/// `ClientBulkReadExt` → `bulk-read`.
fn trait_tag(name: &str) -> Option<String> {
    let camel = name.strip_prefix("Client")?.strip_suffix("Ext")?;
    if camel.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    Some(out)
}

/// The items of the `builder` module among `items`.
fn builder_items(items: &[syn::Item]) -> impl Iterator<Item = &syn::Item> {
    items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|c| &c.1),
            _ => None,
        })
        .flatten()
}

/// The name a struct, enum or type alias defines.
fn defined(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Enum(e) => Some(e.ident.to_string()),
        syn::Item::Type(t) => Some(t.ident.to_string()),
        _ => None,
    }
}

/// The last name of an impl's self type (`super::Record` → `Record`).
fn impl_self(item: &syn::Item) -> Option<String> {
    let syn::Item::Impl(i) = item else {
        return None;
    };
    let syn::Type::Path(p) = &*i.self_ty else {
        return None;
    };
    p.path.segments.last().map(|s| s.ident.to_string())
}

/// The type names an item mentions anywhere.
fn mentions(item: &syn::Item, nodes: &BTreeSet<String>) -> BTreeSet<String> {
    mentioned(item.to_token_stream(), nodes)
}

fn mentioned(tokens: proc_macro2::TokenStream, nodes: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![tokens];
    while let Some(ts) = stack.pop() {
        for tt in ts {
            match tt {
                proc_macro2::TokenTree::Ident(i) => {
                    let name = i.to_string();
                    if nodes.contains(&name) {
                        out.insert(name);
                    }
                }
                proc_macro2::TokenTree::Group(g) => stack.push(g.stream()),
                _ => {}
            }
        }
    }
    out
}

/// An outer attribute, parsed.
struct Attr(syn::Attribute);

impl syn::parse::Parse for Attr {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let mut attrs = syn::Attribute::parse_outer(input)?;
        if attrs.len() != 1 {
            return Err(input.error("one attribute"));
        }
        Ok(Attr(attrs.remove(0)))
    }
}

/// `feature = "a"`, or `any(feature = "a", feature = "b")`.
fn any_of<'a>(tags: impl IntoIterator<Item = &'a String>) -> String {
    join(
        "any",
        tags.into_iter()
            .map(|t| format!("feature = {t:?}"))
            .collect(),
    )
}

/// One predicate as it is, several under `op(…)`.
fn join(op: &str, mut preds: Vec<String>) -> String {
    if preds.len() == 1 {
        preds.remove(0)
    } else {
        format!("{op}({})", preds.join(", "))
    }
}

/// `#[cfg(<pred>)]`.
fn attr(pred: &str) -> Result<syn::Attribute> {
    Ok(syn::parse_str::<Attr>(&format!("#[cfg({pred})]"))?.0)
}

/// Compiled when any of `tags` is on.
fn cfg(tags: &[String]) -> Result<syn::Attribute> {
    attr(&any_of(tags))
}

/// The conjunction of the sets' gates; `None` when there is nothing to require.
fn cfg_all(sets: &[&BTreeSet<String>]) -> Result<Option<syn::Attribute>> {
    let mut unique: Vec<&BTreeSet<String>> = Vec::new();
    for s in sets {
        if !unique.contains(s) {
            unique.push(s);
        }
    }
    if unique.is_empty() {
        return Ok(None);
    }
    let preds = unique.iter().map(|s| any_of(*s)).collect();
    Ok(Some(attr(&join("all", preds))?))
}

fn push_attr(item: &mut syn::Item, attr: syn::Attribute) {
    match item {
        syn::Item::Struct(s) => s.attrs.push(attr),
        syn::Item::Enum(e) => e.attrs.push(attr),
        syn::Item::Type(t) => t.attrs.push(attr),
        syn::Item::Impl(i) => i.attrs.push(attr),
        syn::Item::Fn(f) => f.attrs.push(attr),
        syn::Item::Mod(m) => m.attrs.push(attr),
        syn::Item::Use(u) => u.attrs.push(attr),
        _ => {}
    }
}

/// `text` with the block `label` names replaced by `lines`.
pub fn fill_block(text: &str, label: &str, lines: &[String]) -> Result<String> {
    let (first, last) = (begin(label), end(label));
    let start = text
        .find(&first)
        .with_context(|| format!("no line `{first}`"))?
        + first.len();
    let end = text[start..]
        .find(&last)
        .map(|i| start + i)
        .with_context(|| format!("no line `{last}` after `{first}`"))?;
    let mut body = String::from("\n");
    for line in lines {
        body.push_str(line);
        body.push('\n');
    }
    Ok(format!("{}{body}{}", &text[..start], &text[end..]))
}

/// The crate's block: each tag, and `all-tags`.
pub fn crate_block(tags: &[String]) -> Vec<String> {
    let mut lines = vec![format!(
        "all-tags = [{}]",
        tags.iter()
            .map(|t| format!("{t:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    lines.extend(tags.iter().map(|t| format!("{t} = []")));
    lines
}

/// The facade's block for one vendor: `<vendor>` (every tag) and `<vendor>-<tag>`. Each
/// turns on the optional dependency through its implicit feature (`crmkit-<vendor>`, which
/// the facade's code is gated by), never with `dep:`, which would remove that feature.
pub fn facade_block(vendor: &str, tags: &[String]) -> Vec<String> {
    let dep = format!("crmkit-{vendor}");
    let mut lines = vec![format!("{vendor} = [\"{dep}/all-tags\"]")];
    lines.extend(
        tags.iter()
            .map(|t| format!("{vendor}-{t} = [\"{dep}/{t}\"]")),
    );
    lines
}
