//! What the generated `request()` of an operation builder calls instead of progenitor's own
//! helpers (`cargo xtask generate` writes the calls), each doing the same with less work on
//! every call:
//!
//! - [`url`] writes the URL in one `String`, percent-encoding each path parameter as it
//!   goes, where `format!` with `encode_path(&value.to_string())` made two more `String`s
//!   per parameter;
//! - [`OptionalQuery::query_opt`] adds an optional query parameter only when it is set,
//!   where `.query(..)` ran the URL-encoding serializer for every unset one too;
//! - [`required`] names a required parameter that was never set, so the builder can start
//!   with an empty `String` (no allocation) instead of the message.

use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use progenitor_client::QueryParam;
use serde::Serialize;

/// The characters progenitor's `encode_path` escapes in a path segment (the same set).
const PATH_SET: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// A piece of an operation's URL after the base URL.
#[derive(Clone, Copy)]
pub enum Piece<'a> {
    /// Literal text of the spec's path, written as it is.
    Lit(&'a str),
    /// A path parameter that is a string (a string newtype of `types` derefs to one).
    Str(&'a str),
    /// A path parameter formatted by its `Display` (an enum, a number).
    Display(&'a dyn fmt::Display),
}

impl fmt::Debug for Piece<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Piece::Lit(s) => f.debug_tuple("Lit").field(s).finish(),
            Piece::Str(s) => f.debug_tuple("Str").field(s).finish(),
            Piece::Display(d) => f.debug_tuple("Display").field(&d.to_string()).finish(),
        }
    }
}

/// `base` followed by `pieces`, the parameters percent-encoded as progenitor's
/// `encode_path` encodes them, in one allocation (for string parameters).
pub fn url(base: &str, pieces: &[Piece<'_>]) -> String {
    let len = pieces.iter().fold(base.len(), |n, p| match p {
        Piece::Lit(s) | Piece::Str(s) => n + s.len(),
        Piece::Display(_) => n + 16,
    });
    let mut url = String::with_capacity(len);
    url.push_str(base);
    for piece in pieces {
        match piece {
            Piece::Lit(s) => url.push_str(s),
            Piece::Str(s) => url.extend(utf8_percent_encode(s, PATH_SET)),
            Piece::Display(d) => {
                /// Encodes each piece the value writes; a piece is whole characters, so
                /// encoding piece by piece is encoding the whole.
                struct Encode<'a>(&'a mut String);
                impl fmt::Write for Encode<'_> {
                    fn write_str(&mut self, s: &str) -> fmt::Result {
                        self.0.extend(utf8_percent_encode(s, PATH_SET));
                        Ok(())
                    }
                }
                // Writing to a `String` cannot fail; a `Display` that fails is a bug of it.
                let _ = fmt::write(&mut Encode(&mut url), format_args!("{d}"));
            }
        }
    }
    url
}

/// Optional query parameters on a request builder.
pub trait OptionalQuery: Sized {
    /// Adds `name=value` when `value` is set; an unset one adds nothing (as `.query(..)`
    /// of progenitor's `QueryParam` of `None` does, at the cost of the serializer).
    fn query_opt<T: Serialize>(self, name: &str, value: &Option<T>) -> Self;
}

impl OptionalQuery for reqwest::RequestBuilder {
    fn query_opt<T: Serialize>(self, name: &str, value: &Option<T>) -> Self {
        match value {
            None => self,
            Some(_) => self.query(&QueryParam::new(name, value)),
        }
    }
}

/// The error of a builder's field: the conversion's message, or — an empty one, how the
/// builder starts a required parameter — that `name` was never set.
pub fn required(message: String, name: &str) -> String {
    if message.is_empty() {
        format!("{name} was not initialized")
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_encoded_as_progenitor_encodes_it() {
        let samples = [
            "410888000000698006",
            "Leads",
            "a b/c?d#e%f",
            "\"<>`{}\u{7f}\t\n",
            "日本語 ünï",
            "",
            "100%",
            "%2F",
        ];
        /// A value whose Display writes several pieces.
        struct Pieces;
        impl fmt::Display for Pieces {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a/")?;
                fmt::Display::fmt(&'é', f)?;
                write!(f, "?{}", 40 + 2)
            }
        }
        let base = "https://api.example/v2";
        for s in samples {
            let ours = url(
                base,
                &[
                    Piece::Lit("/x/"),
                    Piece::Str(s),
                    Piece::Lit("/"),
                    Piece::Display(&s),
                    Piece::Lit("/y"),
                ],
            );
            let theirs = format!(
                "{base}/x/{}/{}/y",
                progenitor_client::encode_path(s),
                progenitor_client::encode_path(s)
            );
            assert_eq!(ours, theirs, "{s:?}");
        }
        assert_eq!(
            url(
                base,
                &[
                    Piece::Lit("/"),
                    Piece::Display(&Pieces),
                    Piece::Display(&7u64)
                ]
            ),
            format!("{base}/{}7", progenitor_client::encode_path("a/é?42"))
        );
        assert_eq!(url(base, &[]), base);
    }

    #[test]
    fn an_optional_query_parameter_is_added_only_when_set() {
        let http = crate::Config::default().build_http_client().unwrap();
        let url = |b: reqwest::RequestBuilder| b.build().unwrap().url().to_string();
        for value in [None, Some(0u32), Some(100)] {
            let ours = url(http
                .get("https://api.example/x?a=1")
                .query_opt("limit", &value));
            let theirs = url(http
                .get("https://api.example/x?a=1")
                .query(&QueryParam::new("limit", &value)));
            assert_eq!(ours, theirs);
        }
        let unset: Option<Vec<String>> = None;
        assert_eq!(
            url(http
                .get("https://api.example/x")
                .query_opt("fields", &unset)),
            "https://api.example/x"
        );
        let list = Some(vec!["a".to_string(), "b c".to_string()]);
        assert_eq!(
            url(http.get("https://api.example/x").query_opt("fields", &list)),
            url(http
                .get("https://api.example/x")
                .query(&QueryParam::new("fields", &list)))
        );
    }

    #[test]
    fn an_unset_required_parameter_is_named() {
        assert_eq!(
            required(String::new(), "record_id"),
            "record_id was not initialized"
        );
        assert_eq!(
            required("conversion to `ZohoId` failed".into(), "record_id"),
            "conversion to `ZohoId` failed"
        );
    }
}
