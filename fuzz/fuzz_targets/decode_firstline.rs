//! Fuzz target `decode_firstline`: see `crmkit_fuzz::targets::decode_firstline`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| crmkit_fuzz::targets::decode_firstline(data));
