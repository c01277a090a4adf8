//! Fuzz target `decode_mazrica`: see `crmkit_fuzz::targets::decode_mazrica`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| crmkit_fuzz::targets::decode_mazrica(data));
