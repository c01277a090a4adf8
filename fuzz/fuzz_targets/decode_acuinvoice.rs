//! Fuzz target `decode_acuinvoice`: see `crmkit_fuzz::targets::decode_acuinvoice`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| crmkit_fuzz::targets::decode_acuinvoice(data));
