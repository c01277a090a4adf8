//! Fuzz target `token_answer`: see `crmkit_fuzz::targets::token_answer_target`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| crmkit_fuzz::targets::token_answer_target(data));
