//! Every recorded answer in `specs/samples/` decodes through its operation's generated
//! type, by the pipeline's own path (classification, empty 204, batch outcomes, decode),
//! and encodes again to the same JSON value: no field, `null` or empty object is lost.
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
    let mut changed = Vec::new();
    let (mut decoded, mut by_hand) = (0, 0);
    macro_rules! vendor {
        ($dir:literal, $krate:ident, $profile:expr) => {
            for (op, status, name, body) in answers($dir) {
                let Ok(code) = reqwest::StatusCode::from_u16(status) else {
                    continue;
                };
                match $krate::__fuzz::decode(&$profile, &op, code, &body) {
                    Some(Ok(again)) => {
                        decoded += 1;
                        if let Some(again) = again {
                            let original: serde_json::Value =
                                serde_json::from_slice(&body).unwrap();
                            let mut lost = Vec::new();
                            differences("", &original, &again, &mut lost);
                            if !lost.is_empty() {
                                changed.push(format!("{}/{op}/{name}: {}", $dir, lost.join(", ")));
                            }
                        }
                    }
                    // A hand-written operation (multipart uploads): decoded by its own code.
                    None => by_hand += 1,
                    Some(Err(e)) => failed.push(format!("{}/{op}/{name}: {e}", $dir)),
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
    assert!(
        changed.is_empty(),
        "{} samples that do not encode again to the same JSON:\n{}",
        changed.len(),
        changed.join("\n")
    );
    assert!(decoded >= 110, "only {decoded} samples decoded");
    assert!(
        by_hand <= 4,
        "{by_hand} samples of operations without a generated decoder"
    );
}

/// Where `again` differs from `original`, as JSON pointers (at most a few per sample).
fn differences(
    at: &str,
    original: &serde_json::Value,
    again: &serde_json::Value,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    if out.len() >= 5 {
        return;
    }
    match (original, again) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                match b.get(k) {
                    Some(w) => differences(&format!("{at}/{k}"), v, w, out),
                    None => out.push(format!("{at}/{k} lost ({v})")),
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{at}/{k} added"));
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                differences(&format!("{at}/{i}"), v, w, out);
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{at}: {a} became {b}")),
    }
}
