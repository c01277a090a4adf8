//! The facade with a few tags of Zoho CRM and Mazrica instead of every one, against local
//! mocks that answer the spec's examples:
//! `cargo run -p crmkit --features zoho-crm-records,zoho-crm-users,mazrica-deals --example tags`
//! (`cargo xtask tag-features` runs it).

use crmkit::prelude::*;
use crmkit::{ApiKey, StaticToken};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let zoho = crmkit_testkit::serving_examples("zoho-crm").await;
    let crm = crmkit::zoho_crm::Client::builder()
        .base_url(format!("{}/crm/v2", zoho.uri()))
        .credentials(StaticToken::new("Zoho-oauthtoken", "token"))
        .allow_insecure_http(true)
        .build()?;
    let lead = crm
        .get_record()
        .module_api_name("Leads")
        .record_id(4108880000086001u64)
        .send()
        .await?;
    for record in &lead.data {
        println!("lead {:?}", record.extra.get_as::<String>("Last_Name")?);
    }
    let users = crm.list_users().send().await?;
    println!("{} users", users.users.len());

    let mazrica_mock = crmkit_testkit::serving_examples("mazrica").await;
    let mazrica = crmkit::mazrica::Client::builder()
        .base_url(format!("{}/v1", mazrica_mock.uri()))
        .credentials(ApiKey::x_api_key("api-key"))
        .allow_insecure_http(true)
        .build()?;
    let deals: Vec<_> = mazrica.list_deals().into_stream().try_collect().await?;
    println!("{} deals", deals.len());
    Ok(())
}
