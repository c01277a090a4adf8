//! Decoding a 200-record Zoho CRM page (`decode <variant> <pages>`): the real record of
//! `specs/samples/zoho-crm/search_records/` (69 properties, 87 members counting nested
//! ones, 2 KB) repeated with distinct ids, decoded `pages` times from the same bytes as
//! - `generated`: the generated `RecordList` (what a call decodes into, lossless),
//! - `value`: a `serde_json::Value` (lossless, untyped),
//! - `minimal`: a hand-written struct of the three fields a caller might read (`id`,
//!   `Last_Name`, `Owner.id`), serde skipping the rest: the least any decode can cost.
//!
//! Prints the time per record; `cargo xtask bench` counts instructions and allocations per
//! record under valgrind (callgrind, memcheck's heap summary) from two page counts.

use std::time::Instant;

use serde::Deserialize;

type BoxError = Box<dyn std::error::Error>;

const RECORDS: usize = 200;

#[derive(Deserialize)]
struct MinimalPage {
    data: Vec<MinimalRecord>,
}

#[derive(Deserialize)]
struct MinimalRecord {
    id: String,
    #[serde(rename = "Last_Name")]
    last_name: Option<String>,
    #[serde(rename = "Owner")]
    owner: Option<MinimalOwner>,
}

#[derive(Deserialize)]
struct MinimalOwner {
    id: String,
}

/// The page's JSON: the sample's record `RECORDS` times, each with its own id.
pub fn page() -> Result<Vec<u8>, BoxError> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../specs/samples/zoho-crm/search_records/zoho-v7-doc.200.response.json"
    );
    let sample: serde_json::Value = serde_json::from_slice(&std::fs::read(path)?)?;
    let record = sample["data"][0].clone();
    let data: Vec<serde_json::Value> = (0..RECORDS)
        .map(|i| {
            let mut r = record.clone();
            r["id"] = format!("4108880000{i:08}").into();
            r
        })
        .collect();
    let page = serde_json::json!({
        "data": data,
        "info": {"per_page": RECORDS, "count": RECORDS, "page": 1, "more_records": true},
    });
    Ok(serde_json::to_vec(&page)?)
}

pub fn run(variant: &str, pages: u32) -> Result<(), BoxError> {
    let body = page()?;
    let started = Instant::now();
    let mut kept = 0usize;
    for _ in 0..pages {
        kept += match variant {
            "generated" => {
                // As the pipeline reads an answer.
                let page: crmkit::zoho_crm::types::RecordList =
                    crmkit::runtime::__private::decode::from_json(&body)?;
                std::hint::black_box(&page);
                page.data.len()
            }
            "value" => {
                let page: serde_json::Value = serde_json::from_slice(&body)?;
                std::hint::black_box(&page);
                page["data"].as_array().map_or(0, Vec::len)
            }
            "minimal" => {
                let page: MinimalPage = serde_json::from_slice(&body)?;
                std::hint::black_box(&page);
                let first = &page.data[0];
                std::hint::black_box((
                    &first.id,
                    &first.last_name,
                    first.owner.as_ref().map(|o| &o.id),
                ));
                page.data.len()
            }
            other => return Err(format!("unknown variant {other}").into()),
        };
    }
    let elapsed = started.elapsed();
    let records = (pages as usize * RECORDS) as f64;
    if kept as f64 != records {
        return Err(format!("decoded {kept} records, expected {records}").into());
    }
    println!(
        "decode {variant}: {:.3} µs per record",
        elapsed.as_secs_f64() * 1e6 / records
    );
    Ok(())
}
