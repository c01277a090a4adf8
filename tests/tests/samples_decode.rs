//! Every recorded answer in `specs/samples/` decodes through its operation's generated
//! type, by the pipeline's own path (classification, empty 204, batch outcomes, decode).
#![allow(clippy::unwrap_used)]

use std::path::Path;

fn answers(vendor: &str) -> Vec<(String, u16, String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/samples")
        .join(vendor);
    let mut out = Vec::new();
    for op in std::fs::read_dir(&dir).unwrap().flatten() {
        for file in std::fs::read_dir(op.path()).unwrap().flatten() {
            let name = file.file_name().to_string_lossy().to_string();
            let parts: Vec<&str> = name.split('.').collect();
            let Some(pos) = parts.iter().position(|p| *p == "response") else {
                continue;
            };
            let Some(status) = pos
                .checked_sub(1)
                .and_then(|i| parts[i].parse::<u16>().ok())
            else {
                continue;
            };
            out.push((
                op.file_name().to_string_lossy().to_string(),
                status,
                name,
                std::fs::read(file.path()).unwrap(),
            ));
        }
    }
    out.sort();
    out
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
