//! Fuzz target `batch_outcomes`: see `crmkit_fuzz::targets::batch_outcomes_target`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| crmkit_fuzz::targets::batch_outcomes_target(data));
