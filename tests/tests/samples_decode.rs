//! Every recorded answer in `specs/samples/` decodes through its operation's generated
//! type, by the pipeline's own path (classification, empty 204, batch outcomes, decode),
//! and encodes again to the same JSON value: no field, `null` or empty object is lost. A
//! recorded failure (4xx, 5xx) must come out as a typed API error with the vendor's code.
#![allow(clippy::unwrap_used)]

#[path = "support/samples.rs"]
mod support;

/// Every recorded answer whose status is known: operation, status, file name, body. A
/// success whose source states no status (`2XX`) is read as a `200`: every 2xx status is
/// classified and decoded alike.
fn answers(vendor: &str) -> Vec<(String, u16, String, Vec<u8>)> {
    support::samples(vendor)
        .into_iter()
        .filter(|s| !s.request)
        .filter_map(|s| {
            let status = match s.status.as_deref()? {
                "2XX" => 200,
                code => code.parse().ok()?,
            };
            Some((s.operation, status, s.name, s.bytes))
        })
        .collect()
}

#[test]
fn every_recorded_answer_decodes_through_its_operation() {
    let mut failed = Vec::new();
    let mut changed = Vec::new();
    let (mut decoded, mut by_hand, mut failures) = (0, 0, 0);
    macro_rules! vendor {
        ($dir:literal, $krate:ident, $profile:expr) => {
            for (op, status, name, body) in answers($dir) {
                let Ok(code) = reqwest::StatusCode::from_u16(status) else {
                    continue;
                };
                let decoded_as = $krate::__fuzz::decode(&$profile, &op, code, &body);
                if code.is_client_error() || code.is_server_error() {
                    // A failure: a typed `Api` error with the code and message the body
                    // carries, its body kept byte for byte.
                    match decoded_as {
                        Some(Err(crmkit_runtime::Error::Api(e))) => {
                            let original: serde_json::Value =
                                serde_json::from_slice(&body).unwrap();
                            let code_sent = original["code"]
                                .as_str()
                                .or(original["data"][0]["code"].as_str());
                            if e.code.as_ref().map(|c| c.as_str()) != code_sent
                                || e.body.as_ref() != body.as_slice()
                            {
                                failed.push(format!(
                                    "{}/{op}/{name}: code {:?}, the body says {code_sent:?}",
                                    $dir, e.code
                                ));
                            }
                            failures += 1;
                        }
                        other => failed.push(format!(
                            "{}/{op}/{name}: HTTP {status} is not an API error: {other:?}",
                            $dir
                        )),
                    }
                    continue;
                }
                match decoded_as {
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
    assert!(failures >= 2, "only {failures} failure samples classified");
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
