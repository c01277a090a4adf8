//! What each fuzz target does with one input. The fuzz binaries (`fuzz_targets/`) call
//! these under libFuzzer; the workspace's regression test (`tests/tests/fuzz_corpus.rs`)
//! runs every committed corpus and crash input through the same functions on stable.
//! Each must return (any `Err` is fine) and never panic, whatever the bytes.

use crmkit_runtime::__private::fuzz::{batch_outcomes, split_status, token_answer};
use crmkit_runtime::{CsvList, Extra, Id, Lenient};

/// The AcuInvoice XML reader; a tree always converts to JSON.
pub fn acuinvoice_xml(data: &[u8]) {
    if let Ok(root) = crmkit_acuinvoice::xml::read(data) {
        let _ = root.to_json(&["contact"]);
    }
}

/// Every AcuInvoice method's answer (first byte: the method).
pub fn decode_acuinvoice(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let methods = crmkit_acuinvoice::__fuzz::METHODS;
    let _ = crmkit_acuinvoice::__fuzz::decode(methods[usize::from(pick) % methods.len()], body);
}

fn round_trip<T>(data: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let again = serde_json::to_vec(&value).expect("a decoded value encodes");
        let back: T = serde_json::from_slice(&again).expect("an encoded value decodes");
        assert_eq!(back, value, "a value changed on its way through JSON");
    }
}

/// `Id`, `Lenient<_>`, `CsvList<_>` and `Extra`: decode or refuse; what decodes survives a
/// round trip. An object a `serde_json::Value` reads, an `Extra` reads to the same members.
pub fn runtime_types(data: &[u8]) {
    round_trip::<Id>(data);
    round_trip::<Lenient<crmkit_zoho_crm::types::FieldDataTypeKnown>>(data);
    round_trip::<CsvList<String>>(data);
    round_trip::<CsvList<u64>>(data);
    round_trip::<Extra>(data);
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(data) {
        let extra: Extra = serde_json::from_slice(data).expect("an object Value reads is an Extra");
        assert_eq!(
            extra.to_map(),
            map,
            "an Extra read other members than a Value"
        );
        let text: Extra = crmkit_runtime::__private::decode::from_json(data)
            .expect("an object Value reads is an Extra, read as text");
        assert_eq!(
            text, extra,
            "reading as text or as bytes gave other members"
        );
    }
}

/// Zoho's token endpoint answer (first byte: the status).
pub fn token_answer_target(data: &[u8]) {
    let (status, body) = split_status(data);
    let _ = token_answer(status, body);
}

/// A batch write's per-item outcomes (first byte: the status).
pub fn batch_outcomes_target(data: &[u8]) {
    let (status, body) = split_status(data);
    let _ = batch_outcomes(status, body);
}

macro_rules! vendor {
    ($fn:ident, $krate:ident, $profile:expr) => {
        /// Every operation's answer through the pipeline's path (first byte: the operation,
        /// second: the status).
        pub fn $fn(data: &[u8]) {
            let Some((&pick, rest)) = data.split_first() else {
                return;
            };
            let operations = $krate::__fuzz::OPERATIONS;
            let operation = operations[usize::from(pick) % operations.len()];
            let (status, body) = split_status(rest);
            let _ = $krate::__fuzz::decode(&$profile, operation, status, body);
        }
    };
}

vendor!(
    decode_zoho_crm,
    crmkit_zoho_crm,
    crmkit_zoho_crm::ZohoCrm::default()
);
vendor!(
    decode_zoho_voice,
    crmkit_zoho_voice,
    crmkit_zoho_voice::ZohoVoice::default()
);
vendor!(decode_mazrica, crmkit_mazrica, crmkit_mazrica::Mazrica);
vendor!(
    decode_firstline,
    crmkit_firstline,
    crmkit_firstline::FirstLine::default()
);

/// What Zoho CRM's servers send a receiver or a bulk export (first byte: which, and the
/// chunk size of an archive): a result archive read to its last record, a notification
/// checked against the token `t`, a bulk read callback.
pub fn zoho_receivers(data: &[u8]) {
    use crmkit_zoho_crm::notifications::{parse_bulk_callback, verify_and_parse};
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let headers = crmkit_runtime::reqwest::header::HeaderMap::new();
    match pick % 4 {
        0 | 1 => {
            let chunk = 1 + usize::from(pick / 4) * 61;
            let read = crmkit_zoho_crm::bulk::__fuzz::read_archive(body, chunk);
            assert!(read.is_some(), "reading an archive in memory never waits");
        }
        2 => {
            let _ = verify_and_parse(&headers, body, "t");
        }
        _ => {
            let _ = parse_bulk_callback(&headers, body);
        }
    }
}

/// What a target does with one input.
pub type Target = fn(&[u8]);

/// Every target by name, for the regression test.
pub const TARGETS: &[(&str, Target)] = &[
    ("zoho_receivers", zoho_receivers),
    ("acuinvoice_xml", acuinvoice_xml),
    ("decode_acuinvoice", decode_acuinvoice),
    ("runtime_types", runtime_types),
    ("token_answer", token_answer_target),
    ("batch_outcomes", batch_outcomes_target),
    ("decode_zoho_crm", decode_zoho_crm),
    ("decode_zoho_voice", decode_zoho_voice),
    ("decode_mazrica", decode_mazrica),
    ("decode_firstline", decode_firstline),
];
