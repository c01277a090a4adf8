//! Fuzz target `decode_zoho_voice`: see `crmkit_fuzz::targets::decode_zoho_voice`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| crmkit_fuzz::targets::decode_zoho_voice(data));
