//! Mazrica against a local mock that answers the spec's examples:
//! `cargo run -p crmkit --features full --example mazrica`.

use crmkit::ApiKey;
use crmkit::mazrica::{Filter, Search};
use crmkit::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = crmkit_testkit::serving_examples("mazrica").await;
    let mazrica = crmkit::mazrica::Client::builder()
        .base_url(format!("{}/v1", mock.uri())) // the real one is the default
        .credentials(ApiKey::x_api_key("api-key"))
        .allow_insecure_http(true)
        .build()?;
    let customer = mazrica.get_customer().id(1).send().await?;
    println!("customer {:?}", customer.name);
    let customers: Vec<_> = mazrica.list_customers().into_stream().try_collect().await?;
    println!("{} customers listed", customers.len());
    let found = mazrica
        .search_customers()
        .body(Search::new(Filter::field("name").eq("Acme")))
        .send()
        .await?;
    println!("{} found by search", found.total_count);
    Ok(())
}
