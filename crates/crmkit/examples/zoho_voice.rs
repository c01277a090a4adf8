//! Zoho Voice against a local mock that answers the spec's examples:
//! `cargo run -p crmkit --features full --example zoho_voice`.

use crmkit::StaticToken;
use crmkit::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = crmkit_testkit::serving_examples("zoho-voice").await;
    let voice = crmkit::zoho_voice::Client::builder()
        .base_url(format!("{}/rest/json/zv", mock.uri())) // the real one: `.data_centre(..)`
        .credentials(StaticToken::zoho("access-token"))
        .allow_insecure_http(true)
        .build()?;
    let statuses = voice.list_contact_statuses().send().await?;
    println!("{} contact statuses", statuses.contact_status.len());
    let contact = voice
        .get_contact()
        .contact_id(315000153768793u64)
        .send()
        .await?;
    println!("contact {:?}", contact.contacts.first_name);
    let mut all = voice.list_contacts().size(50).into_stream();
    while let Some(c) = all.try_next().await? {
        println!("- {} {:?}", c.contact_id, c.first_name);
    }
    Ok(())
}
