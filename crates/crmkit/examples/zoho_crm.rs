//! Zoho CRM against a local mock that answers the spec's examples:
//! `cargo run -p crmkit --features full --example zoho_crm`.

use crmkit::StaticToken;
use crmkit::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = crmkit_testkit::serving_examples("zoho-crm").await;
    let crm = crmkit::zoho_crm::Client::builder()
        .base_url(mock.uri()) // the real one: `.data_centre(DataCentre::Eu)`
        .credentials(StaticToken::zoho("access-token")) // or a ZohoOAuth
        .allow_insecure_http(true) // the mock is plain HTTP
        .build()?;

    let org = crm.get_org().send().await?;
    println!(
        "organisation: {:?}",
        org.org.first().and_then(|o| o.company_name.clone())
    );

    let leads: Vec<_> = crm
        .list_records()
        .module_api_name("Leads")
        .into_stream()
        .try_collect()
        .await?;
    println!(
        "{} leads, first: {:?}",
        leads.len(),
        leads
            .first()
            .map(|l| l.extra.get_as::<String>("Last_Name"))
            .transpose()?
            .flatten()
    );

    // A batch write in which a record failed is an error that keeps every outcome.
    let body = serde_json::from_value(serde_json::json!({"data": [{"Last_Name": "Daly"}]}))?;
    match crm
        .insert_records()
        .module_api_name("Leads")
        .body::<crmkit::zoho_crm::types::RecordsWriteRequest>(body)
        .send()
        .await
    {
        Ok(written) => println!("{} records written", written.data.len()),
        Err(crmkit::Error::PartialFailure(p)) => {
            println!("{} of {} failed", p.failed.len(), p.total)
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
