//! Cross-vendor test suites live in `tests/`.
