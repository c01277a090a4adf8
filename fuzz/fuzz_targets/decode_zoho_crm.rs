//! Fuzz target `decode_zoho_crm`: see `crmkit_fuzz::targets::decode_zoho_crm`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| crmkit_fuzz::targets::decode_zoho_crm(data));
