//! A typed `sort` parameter, so that no caller builds `-updatedAt,id` by hand.

use std::fmt;

use crate::types::SortSpec;

/// The order of a list: keys by precedence, each ascending or descending. Written as the
/// API's `sort` string (`-updatedAt,id`) by [`to_spec`](Self::to_spec), which checks every
/// field name first.
///
/// ```
/// use crmkit_mazrica::Sort;
///
/// let spec = Sort::desc("updatedAt").then_asc("id").to_spec().unwrap();
/// assert_eq!(spec.as_str(), "-updatedAt,id");
/// assert!(Sort::asc("updated at").to_spec().is_err());
/// ```
///
/// A `Sort` also converts into the generated `sort(..)` argument directly
/// (`.sort(Sort::asc("id"))`); an invalid one then fails the call before it is sent, with a
/// less precise message than [`SortError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sort {
    keys: Vec<(String, bool)>,
}

impl Sort {
    /// Ascending by `field` (oldest, smallest first).
    pub fn asc(field: impl Into<String>) -> Self {
        Sort {
            keys: vec![(field.into(), false)],
        }
    }

    /// Descending by `field` (newest, largest first).
    pub fn desc(field: impl Into<String>) -> Self {
        Sort {
            keys: vec![(field.into(), true)],
        }
    }

    /// Then, among equal keys so far, ascending by `field`.
    pub fn then_asc(mut self, field: impl Into<String>) -> Self {
        self.keys.push((field.into(), false));
        self
    }

    /// Then, among equal keys so far, descending by `field`.
    pub fn then_desc(mut self, field: impl Into<String>) -> Self {
        self.keys.push((field.into(), true));
        self
    }

    /// The `sort` value: keys joined by commas, `-` before descending ones. Fails on a field
    /// name that is empty, holds a comma or whitespace, or starts with `-`.
    pub fn to_spec(&self) -> Result<SortSpec, SortError> {
        let mut out = String::new();
        for (field, desc) in &self.keys {
            check_field(field)?;
            if !out.is_empty() {
                out.push(',');
            }
            if *desc {
                out.push('-');
            }
            out.push_str(field);
        }
        Ok(SortSpec(out))
    }
}

fn check_field(field: &str) -> Result<(), SortError> {
    let bad = field.is_empty()
        || field.starts_with('-')
        || field
            .chars()
            .any(|c| c == ',' || c.is_whitespace() || c.is_control());
    if bad {
        Err(SortError {
            field: field.to_string(),
        })
    } else {
        Ok(())
    }
}

impl TryFrom<Sort> for SortSpec {
    type Error = SortError;
    fn try_from(sort: Sort) -> Result<Self, SortError> {
        sort.to_spec()
    }
}

impl TryFrom<&Sort> for SortSpec {
    type Error = SortError;
    fn try_from(sort: &Sort) -> Result<Self, SortError> {
        sort.to_spec()
    }
}

/// A sort field name the API cannot take: empty, with a comma or whitespace, or starting
/// with `-` (use [`Sort::desc`] for descending order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortError {
    /// The refused field name.
    pub field: String,
}

impl fmt::Display for SortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid sort field {:?}: it must be non-empty, without commas or whitespace, and not start with '-'",
            self.field
        )
    }
}

impl std::error::Error for SortError {}

impl From<SortError> for crmkit_runtime::Error {
    fn from(e: SortError) -> Self {
        crmkit_runtime::Error::InvalidRequest(e.to_string())
    }
}
