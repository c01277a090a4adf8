//! The `crmkit` command line, generated per vendor into `crates/crmkit-cli/src/generated/`.
//!
//! For a JSON vendor this is progenitor's clap CLI (`Generator::cli`, the same settings as the
//! client, so the types it names are the client's), post-processed so that it runs through
//! crmkit rather than progenitor's response types:
//! - every command is named after its operation id in kebab case (`list-records`);
//! - `--json-body FILE` becomes `--body @FILE | - | JSON` (`crate::args::body`), read before
//!   the flags so that a flag overrides the field of the body it names; the unfinished
//!   `--json-body-template` is dropped;
//! - progenitor's `CliConfig` trait (success/error callbacks over its `ResponseValue` and
//!   `Error`, one override hook per operation) is replaced by `crate::output::Output`: an
//!   answer is printed as JSON, a binary answer copied to stdout, and an error returned for
//!   `main` to print and map to an exit code;
//! - a paged list (`x-crmkit-paging`) gets `--all`, which follows every page through the
//!   client's `into_stream()` and prints one JSON line per item;
//! - `command()` and `run()` make the operations one clap subcommand per vendor.
//!
//! AcuInvoice's API is one XML endpoint whose `method` attribute selects the operation;
//! its commands are generated here from that request body's discriminator (one command per
//! method, the request schema's scalar fields as flags) and run through the crate's typed
//! `Client::call_method`.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use quote::{ToTokens, format_ident, quote};
use serde_json::Value;
use syn::visit_mut::VisitMut;
use syn::{Expr, ImplItem, Item, Stmt, parse_quote};

/// Where a vendor's CLI module goes, relative to the workspace root.
pub fn path(vendor: &str) -> String {
    format!("crates/crmkit-cli/src/generated/{}.rs", module(vendor))
}

/// The facade module of a vendor: `zoho-crm` → `zoho_crm`.
fn module(vendor: &str) -> String {
    vendor.replace('-', "_")
}

/// Paged operations of a spec (those with `x-crmkit-paging`).
fn paged(spec: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for item in spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        for op in item.as_object().into_iter().flatten().map(|(_, v)| v) {
            if op.get("x-crmkit-paging").is_some()
                && let Some(id) = op["operationId"].as_str()
            {
                out.insert(id.to_string());
            }
        }
    }
    out
}

/// progenitor's CLI of one JSON vendor, post-processed.
pub fn progenitor_cli(
    vendor: &str,
    generator: &mut progenitor::Generator,
    spec: &openapiv3::OpenAPI,
    prepared: &Value,
) -> Result<syn::File> {
    let crate_path = format!("crmkit::{}", module(vendor));
    let tokens = generator
        .cli(spec, &crate_path)
        .map_err(|e| anyhow::anyhow!("progenitor could not generate the CLI of {vendor}: {e}"))?;
    let mut file: syn::File =
        syn::parse2(tokens).context("progenitor emitted an unparsable CLI")?;
    let paged = paged(prepared);
    let mut seen = 0usize;
    let mut items = Vec::new();
    for item in std::mem::take(&mut file.items) {
        match item {
            Item::Use(u) if u.to_token_stream().to_string().contains("anyhow") => {}
            Item::Trait(t) if t.ident == "CliConfig" => {}
            Item::Struct(s) if s.ident == "Cli" => items.push(parse_quote! {
                /// The operations of this vendor, run with one client.
                pub struct Cli {
                    client: Client,
                    out: crate::output::Output,
                }
            }),
            Item::Impl(mut i)
                if matches!(
                    i.self_ty.to_token_stream().to_string().as_str(),
                    "Cli < T >" | "Cli"
                ) =>
            {
                i.generics = Default::default();
                i.self_ty = parse_quote!(Cli);
                for member in &mut i.items {
                    let ImplItem::Fn(f) = member else { continue };
                    let name = f.sig.ident.to_string();
                    if name == "new" {
                        *f = parse_quote! {
                            pub fn new(client: Client, out: crate::output::Output) -> Self {
                                Self { client, out }
                            }
                        };
                    } else if let Some(op) = name.strip_prefix("cli_") {
                        command_fn(f, op, paged.contains(op))?;
                    } else if let Some(op) = name.strip_prefix("execute_") {
                        execute_fn(f, op, paged.contains(op))?;
                        seen += 1;
                    }
                }
                items.push(Item::Impl(i));
            }
            other => items.push(other),
        }
    }
    let ops = spec
        .paths
        .iter()
        .filter_map(|(_, p)| p.as_item())
        .map(|p| p.iter().count())
        .sum::<usize>();
    if seen != ops {
        bail!("CLI post-processing of {vendor} found {seen} operations, the spec has {ops}");
    }
    items.extend(dispatch());
    file.items = items;
    Renamer.visit_file_mut(&mut file);
    Ok(file)
}

/// `command()` (every operation as a subcommand) and `run()` (the chosen one, executed).
fn dispatch() -> Vec<Item> {
    vec![
        parse_quote! {
            /// Every operation of this vendor as a subcommand of `name`.
            pub fn command(name: &'static str, about: &'static str) -> ::clap::Command {
                ::clap::Command::new(name)
                    .about(about)
                    .subcommand_required(true)
                    .subcommands(CliCommand::iter().map(Cli::get_command))
            }
        },
        parse_quote! {
            /// Runs the operation `matches` names.
            pub async fn run(
                client: Client,
                out: crate::output::Output,
                matches: &::clap::ArgMatches,
            ) -> anyhow::Result<()> {
                let Some((name, sub)) = matches.subcommand() else {
                    anyhow::bail!("no operation given");
                };
                let Some(cmd) = CliCommand::iter().find(|c| c.operation_id().replace('_', "-") == name) else {
                    anyhow::bail!("no operation `{name}`");
                };
                Cli::new(client, out).execute(cmd, sub).await
            }
        },
    ]
}

/// `cli_<op>`: the command gets its name, `--body` and (for paged lists) `--all`.
fn command_fn(f: &mut syn::ImplItemFn, op: &str, paged: bool) -> Result<()> {
    let [Stmt::Expr(expr, None)] = f.block.stmts.as_mut_slice() else {
        bail!("cli_{op}: expected one expression");
    };
    let chain = std::mem::replace(expr, parse_quote!(()));
    let mut chain = rewrite_args(chain)?;
    if paged {
        chain = parse_quote!(#chain.arg(crate::args::all()));
    }
    let name = op.replace('_', "-");
    NameCommand(name).visit_expr_mut(&mut chain);
    *expr = split_about(chain);
    Ok(())
}

/// progenitor sets `about` to summary and description together, so a vendor's listing of
/// its commands is pages long: the summary becomes `about` (the listing and `-h`), the
/// whole text `long_about` (`--help`).
fn split_about(expr: Expr) -> Expr {
    let Expr::MethodCall(mut call) = expr else {
        return expr;
    };
    *call.receiver = split_about(*call.receiver);
    if call.method == "about"
        && let Some(Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        })) = call.args.first()
        && let Some((summary, _)) = text.value().split_once("\n\n")
    {
        let full = text.value().trim_end().to_string();
        let summary = summary.trim().to_string();
        let receiver = &call.receiver;
        return parse_quote!(#receiver.about(#summary).long_about(#full));
    }
    Expr::MethodCall(call)
}

/// Replaces `Command::new("")` at the root of a command's builder chain by its name.
struct NameCommand(String);

impl VisitMut for NameCommand {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if call
            .func
            .to_token_stream()
            .to_string()
            .ends_with("Command :: new")
            && call.args.len() == 1
            && call.args[0].to_token_stream().to_string() == "\"\""
        {
            let name = &self.0;
            call.args[0] = parse_quote!(#name);
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }
}

/// Walks a `Command::new("").arg(..).arg(..)…` chain: `--json-body` becomes
/// `crate::args::body(required)`, `--json-body-template` is dropped.
fn rewrite_args(expr: Expr) -> Result<Expr> {
    let Expr::MethodCall(mut call) = expr else {
        return Ok(expr);
    };
    let receiver = rewrite_args(*call.receiver)?;
    if call.method == "arg" {
        let arg = call.args.first().context("an .arg() without argument")?;
        let text = arg.to_token_stream().to_string();
        if text.contains("\"json-body-template\"") {
            return Ok(receiver);
        }
        if text.contains("Arg :: new (\"json-body\")") {
            let required = text.contains(". required (true)");
            call.args = parse_quote!(crate::args::body_arg(#required));
        }
    }
    call.receiver = Box::new(receiver);
    Ok(Expr::MethodCall(call))
}

/// `execute_<op>`: the body is read first, the override hook goes, and the answer is
/// printed by `crate::output::Output`.
fn execute_fn(f: &mut syn::ImplItemFn, op: &str, paged: bool) -> Result<()> {
    let stmts = std::mem::take(&mut f.block.stmts);
    let mut out: Vec<Stmt> = Vec::new();
    let mut body = None;
    let mut raw = None;
    for stmt in stmts {
        let text = stmt.to_token_stream().to_string();
        if text.contains("\"json-body\"") {
            let ty = BodyType::find(&stmt).with_context(|| format!("execute_{op}: body type"))?;
            body = Some(parse_quote! {
                if let Some(value) = crate::args::body::<#ty>(matches)? {
                    request = request.body(value);
                }
            });
        } else if text.starts_with("self . config .") {
            // progenitor's per-operation override hook: nothing to override.
        } else if text.starts_with("let result = request . send () . await") {
        } else if text.starts_with("match result") {
            raw = Some(text.contains("todo !"));
        } else {
            out.push(stmt);
        }
    }
    let raw = raw.with_context(|| format!("execute_{op}: no `match result`"))?;
    if let Some(body) = body {
        out.insert(1, body);
    }
    if out.len() == 1 {
        // No argument to set: `let request`, not `let mut request`, and `--all` is the
        // only reader of `matches`.
        if !paged {
            for input in &mut f.sig.inputs {
                if let syn::FnArg::Typed(t) = input {
                    *t.pat = parse_quote!(_matches);
                }
            }
        }
        out[0] = match &out[0] {
            Stmt::Local(l) => {
                let init = l.init.as_ref().map(|i| &i.expr);
                parse_quote!(let request = #init;)
            }
            other => other.clone(),
        };
    }
    let tail: Expr = match (raw, paged) {
        (true, _) => parse_quote!(self.out.download(request.send().await).await),
        (false, true) => parse_quote! {
            if crate::args::all_pages(matches) {
                self.out.stream(request.into_stream()).await
            } else {
                self.out.one(request.send().await)
            }
        },
        (false, false) => parse_quote!(self.out.one(request.send().await)),
    };
    out.push(Stmt::Expr(tail, None));
    f.block.stmts = out;
    Ok(())
}

/// The `T` of progenitor's `serde_json::from_str::<T>(&body_txt)`.
#[derive(Default)]
struct BodyType(Option<syn::Type>);

impl BodyType {
    fn find(stmt: &Stmt) -> Option<syn::Type> {
        let mut this = BodyType::default();
        let mut stmt = stmt.clone();
        this.visit_stmt_mut(&mut stmt);
        this.0
    }
}

impl VisitMut for BodyType {
    fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
        let segs: Vec<_> = p.path.segments.iter().collect();
        if let [.., a, b] = segs.as_slice()
            && a.ident == "serde_json"
            && b.ident == "from_str"
            && let syn::PathArguments::AngleBracketed(args) = &b.arguments
            && let Some(syn::GenericArgument::Type(t)) = args.args.first()
        {
            self.0 = Some(t.clone());
        }
        syn::visit_mut::visit_expr_path_mut(self, p);
    }
}

/// What is left of `json-body` after the rewrite (`required_unless_present("json-body")`)
/// names `body`,
/// and the generated types progenitor names from inside the client crate
/// (`crate::types::X`, in the runtime types that replace enums) are the client's `types::X`.
struct Renamer;

impl VisitMut for Renamer {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if path.segments.len() > 2
            && path.segments[0].ident == "crate"
            && path.segments[1].ident == "types"
        {
            path.segments = path.segments.iter().skip(1).cloned().collect();
        }
        syn::visit_mut::visit_path_mut(self, path);
    }

    fn visit_lit_str_mut(&mut self, lit: &mut syn::LitStr) {
        if lit.value() == "json-body" {
            *lit = syn::LitStr::new("body", lit.span());
        }
    }
}

/// AcuInvoice's commands, one per `method` of the XML endpoint's request body.
pub fn xml_methods_cli(vendor: &str, spec: &Value) -> Result<syn::File> {
    let module = format_ident!("{}", module(vendor));
    let mut variants = Vec::new();
    let mut commands = Vec::new();
    let mut runs = Vec::new();
    let mut op_ids = Vec::new();
    for item in spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        for op in item.as_object().into_iter().flatten().map(|(_, v)| v) {
            let Some(mapping) = op
                .pointer("/requestBody/content/application~1xml/schema/discriminator/mapping")
                .and_then(Value::as_object)
            else {
                continue;
            };
            for (method, target) in mapping {
                let schema_name = target
                    .as_str()
                    .and_then(|r| r.rsplit('/').next())
                    .context("discriminator mapping target")?;
                let schema = &spec["components"]["schemas"][schema_name];
                // `contact.get` → `get-contact`; `contact.list` → `list-contacts`, as the
                // client's methods are named.
                let mut name = method.split('.').rev().collect::<Vec<_>>().join("-");
                if name.starts_with("list-") {
                    name.push('s');
                }
                let variant = format_ident!("{}", pascal(&name));
                let ty = format_ident!("{schema_name}");
                let summary = format!("`{method}`");
                let about = format!(
                    "`{method}`\n\n{}",
                    schema["description"].as_str().unwrap_or("").trim()
                );
                let mut args = Vec::new();
                let mut sets = Vec::new();
                for (path, name, prop, required) in xml_fields(spec, schema, "") {
                    let flag = name.replace('_', "-");
                    let help = prop["description"]
                        .as_str()
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    let parser = match prop["type"].as_str() {
                        Some("integer") => quote!(::clap::value_parser!(i64)),
                        Some("boolean") => quote!(::clap::value_parser!(bool)),
                        _ => quote!(::clap::value_parser!(::std::string::String)),
                    };
                    let req = if required {
                        quote!(.required_unless_present("body"))
                    } else {
                        quote!(.required(false))
                    };
                    args.push(quote! {
                        .arg(::clap::Arg::new(#flag).long(#flag).value_parser(#parser) #req .help(#help))
                    });
                    let pointer = format!("{path}/{name}");
                    let getter = match prop["type"].as_str() {
                        Some("integer") => quote!(i64),
                        Some("boolean") => quote!(bool),
                        _ => quote!(::std::string::String),
                    };
                    sets.push(quote! {
                        if let Some(value) = matches.get_one::<#getter>(#flag) {
                            crate::args::set(&mut body, #pointer, ::serde_json::json!(value));
                        }
                    });
                }
                // A list method follows every page with `--all`, through the client's
                // page stream (`crate::clients::Paged`, one impl per list method).
                let (all_arg, all_run) = if name.starts_with("list-") {
                    (
                        quote!(.arg(crate::args::all())),
                        quote! {
                            if crate::args::all_pages(matches) {
                                return self.out.stream(crate::clients::Paged::pages(request, &self.client)).await;
                            }
                        },
                    )
                } else {
                    (quote!(), quote!())
                };
                variants.push(variant.clone());
                op_ids.push(name.replace('-', "_"));
                commands.push(quote! {
                    CliCommand::#variant => ::clap::Command::new(#name)
                        #(#args)*
                        .arg(crate::args::body_arg(false))
                        #all_arg
                        .about(#summary)
                        .long_about(#about),
                });
                runs.push(quote! {
                    CliCommand::#variant => {
                        let mut body = crate::args::body::<::serde_json::Value>(matches)?
                            .unwrap_or_else(|| ::serde_json::json!({}));
                        #(#sets)*
                        crate::args::set(&mut body, "/method", ::serde_json::json!(#method));
                        let request: types::#ty = crate::args::typed(body)?;
                        #all_run
                        self.out.value(self.client.call_method(&request).await)
                    }
                });
            }
        }
    }
    if variants.is_empty() {
        bail!("{vendor}: no XML request body with a `method` discriminator");
    }
    let tokens = quote! {
        use crmkit::#module::*;

        /// The methods of this vendor's XML API, run with one client.
        pub struct Cli {
            client: Client,
            out: crate::output::Output,
        }

        impl Cli {
            pub fn new(client: Client, out: crate::output::Output) -> Self {
                Self { client, out }
            }

            pub fn get_command(cmd: CliCommand) -> ::clap::Command {
                match cmd {
                    #(#commands)*
                }
            }

            pub async fn execute(&self, cmd: CliCommand, matches: &::clap::ArgMatches) -> anyhow::Result<()> {
                match cmd {
                    #(#runs)*
                }
            }
        }

        #[derive(Copy, Clone, Debug)]
        pub enum CliCommand {
            #(#variants,)*
        }

        impl CliCommand {
            pub fn iter() -> impl Iterator<Item = CliCommand> {
                [#(CliCommand::#variants,)*].into_iter()
            }

            /// The command's name with `_` for `-`, as the client's method is named.
            pub fn operation_id(&self) -> &'static str {
                match self {
                    #(CliCommand::#variants => #op_ids,)*
                }
            }
        }
    };
    let mut file: syn::File = syn::parse2(tokens).context("unparsable XML CLI")?;
    file.items.extend(dispatch());
    Ok(file)
}

/// The scalar fields of a request schema as (JSON pointer of the parent, name, schema,
/// required), one object level deep (`contact.first_name` → `/contact`, `first_name`).
fn xml_fields<'a>(
    spec: &'a Value,
    schema: &'a Value,
    parent: &str,
) -> Vec<(String, String, &'a Value, bool)> {
    let schema = resolve(spec, schema);
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut out = Vec::new();
    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
        if name == "method" {
            continue;
        }
        let prop = resolve(spec, prop);
        if prop["type"] == "object" || prop.get("properties").is_some() {
            if parent.is_empty() {
                let nested = format!("/{name}");
                out.extend(
                    xml_fields(spec, prop, &nested)
                        .into_iter()
                        .map(|(p, n, s, r)| (p, n, s, r && required.contains(name.as_str()))),
                );
            }
        } else if prop["type"] != "array" {
            out.push((
                parent.to_string(),
                name.clone(),
                prop,
                required.contains(name.as_str()),
            ));
        }
    }
    out
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(r.trim_start_matches('#')).unwrap_or(schema),
        None => schema,
    }
}

fn pascal(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}
