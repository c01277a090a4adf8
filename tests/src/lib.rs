//! Cross-vendor suites live in `tests/`: one Zoho OAuth serving CRM and Voice, one error type.
