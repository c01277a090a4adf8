//! Cross-vendor suites live in `tests/`: one Zoho OAuth serving CRM and Voice, one error type.

// The README's snippets, compiled (and the `no_run` ones type-checked) as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
