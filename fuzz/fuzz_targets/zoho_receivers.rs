//! Fuzz target `zoho_receivers`: see `crmkit_fuzz::targets::zoho_receivers`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| crmkit_fuzz::targets::zoho_receivers(data));
