//! Fuzz target `acuinvoice_xml`: see `crmkit_fuzz::targets::acuinvoice_xml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| crmkit_fuzz::targets::acuinvoice_xml(data));
