//! FIRST LINE against a local mock that answers the spec's examples:
//! `cargo run -p crmkit --features full --example firstline`.

use crmkit::StaticToken;
use crmkit::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = crmkit_testkit::serving_examples("firstline").await;
    let firstline = crmkit::firstline::Client::builder()
        .base_url(format!("{}/api/v1", mock.uri())) // the real one: `.host("acme.firstline.cc")`
        .credentials(StaticToken::bare("employee-token"))
        .allow_insecure_http(true)
        .build()?;
    let one = firstline
        .get_phone_number()
        .phone_number(245621)
        .send()
        .await?;
    println!("{} ({:?})", one.data.number, one.data.type_.kind());
    let all: Vec<_> = firstline
        .list_phone_numbers()
        .into_stream()
        .try_collect()
        .await?;
    println!("{} phone numbers", all.len());
    Ok(())
}
