//! Fuzz target `runtime_types`: see `crmkit_fuzz::targets::runtime_types`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| crmkit_fuzz::targets::runtime_types(data));
