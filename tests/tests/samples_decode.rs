//! Every recorded answer in `specs/samples/` decodes through its operation's generated
//! type, by the pipeline's own path (classification, empty 204, batch outcomes, decode).
#![allow(clippy::unwrap_used)]

#[path = "support/samples.rs"]
mod support;

/// Every recorded answer with a numeric status: operation, status, file name, body.
fn answers(vendor: &str) -> Vec<(String, u16, String, Vec<u8>)> {
    support::samples(vendor)
        .into_iter()
        .filter(|s| !s.request)
        .filter_map(|s| {
            let status = s.status.as_deref()?.parse().ok()?;
            Some((s.operation, status, s.name, s.bytes))
        })
        .collect()
}

#[test]
fn every_recorded_answer_decodes_through_its_operation() {
    let mut failed = Vec::new();
    let (mut decoded, mut by_hand) = (0, 0);
    macro_rules! vendor {
        ($dir:literal, $krate:ident, $profile:expr) => {
            for (op, status, name, body) in answers($dir) {
                let Ok(code) = reqwest::StatusCode::from_u16(status) else {
                    continue;
                };
                match $krate::__fuzz::decode(&$profile, &op, code, &body) {
                    Some(true) => decoded += 1,
                    // A hand-written operation (multipart uploads): decoded by its own code.
                    None => by_hand += 1,
                    Some(false) => failed.push(format!("{}/{op}/{name}", $dir)),
                }
            }
        };
    }
    vendor!(
        "zoho-crm",
        crmkit_zoho_crm,
        crmkit_zoho_crm::ZohoCrm::default()
    );
    vendor!(
        "zoho-voice",
        crmkit_zoho_voice,
        crmkit_zoho_voice::ZohoVoice::default()
    );
    vendor!("mazrica", crmkit_mazrica, crmkit_mazrica::Mazrica);
    vendor!(
        "firstline",
        crmkit_firstline,
        crmkit_firstline::FirstLine::default()
    );
    assert!(
        failed.is_empty(),
        "samples that do not decode:\n{}",
        failed.join("\n")
    );
    assert!(decoded >= 110, "only {decoded} samples decoded");
    assert!(
        by_hand <= 4,
        "{by_hand} samples of operations without a generated decoder"
    );
}
