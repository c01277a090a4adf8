//! The arguments every generated command shares: `--body` and `--all`.

use std::io::Read;

use anyhow::Result;
use clap::{Arg, ArgAction, ArgMatches};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::exit::Usage;

/// A request body larger than this is refused (no vendor takes one nearly as large).
const MAX_BODY_BYTES: u64 = 64 << 20;

/// `--body`: the whole request body as JSON.
pub fn body_arg(required: bool) -> Arg {
    Arg::new("body")
        .long("body")
        .value_name("@FILE|-|JSON")
        .required(required)
        .help(
            "The request body as JSON: `@FILE` reads a file, `-` standard input, anything \
             else is the JSON itself. Flags naming a field of the body override it.",
        )
}

/// The `--body` given, decoded as the operation's body type.
pub fn body<T: DeserializeOwned>(matches: &ArgMatches) -> Result<Option<T>> {
    let Some(arg) = matches.get_one::<String>("body") else {
        return Ok(None);
    };
    let (text, from) = match arg.as_str() {
        "-" => (
            read_limited(std::io::stdin().lock(), "standard input")?,
            "standard input".to_string(),
        ),
        file if file.starts_with('@') => {
            let path = &file[1..];
            let f = std::fs::File::open(path)
                .map_err(|e| Usage(format!("--body {file}: cannot read {path}: {e}")))?;
            (read_limited(f, path)?, path.to_string())
        }
        json => (json.to_string(), "--body".to_string()),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Usage(format!("{from} is not a valid request body: {e}")).into())
}

fn read_limited(reader: impl Read, what: &str) -> Result<String> {
    let mut text = String::new();
    reader
        .take(MAX_BODY_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| Usage(format!("cannot read the body from {what}: {e}")))?;
    if text.len() as u64 > MAX_BODY_BYTES {
        return Err(Usage(format!(
            "the body from {what} is larger than {MAX_BODY_BYTES} bytes"
        ))
        .into());
    }
    Ok(text)
}

/// `--all` of a paged list.
pub fn all() -> Arg {
    Arg::new("all")
        .long("all")
        .action(ArgAction::SetTrue)
        .help("Follow every page and print each item as one JSON line")
}

/// Whether `--all` was given.
pub fn all_pages(matches: &ArgMatches) -> bool {
    matches.get_flag("all")
}

/// Sets `value` at the JSON pointer `pointer` of `body`, creating the objects on the way
/// (a body that is not an object there is a usage error when it is decoded).
pub fn set(body: &mut Value, pointer: &str, value: Value) {
    let mut at = body;
    let mut parts = pointer.split('/').skip(1).peekable();
    while let Some(part) = parts.next() {
        if !at.is_object() {
            *at = Value::Object(Default::default());
        }
        let Value::Object(map) = at else { return };
        if parts.peek().is_none() {
            map.insert(part.to_string(), value);
            return;
        }
        at = map.entry(part.to_string()).or_insert(Value::Null);
    }
}

/// The assembled body as the method's typed request.
pub fn typed<T: DeserializeOwned>(body: Value) -> Result<T> {
    serde_json::from_value(body).map_err(|e| Usage(format!("not a valid request: {e}")).into())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::set;

    #[test]
    fn set_creates_the_objects_on_the_way() {
        let mut body = json!({"contact": {"email": "a@example.com"}});
        set(&mut body, "/contact/first_name", json!("Ann"));
        set(&mut body, "/method", json!("contact.create"));
        assert_eq!(
            body,
            json!({"contact": {"email": "a@example.com", "first_name": "Ann"}, "method": "contact.create"})
        );
        let mut scalar = json!(3);
        set(&mut scalar, "/a/b", json!(1));
        assert_eq!(scalar, json!({"a": {"b": 1}}));
    }
}
