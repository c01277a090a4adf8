//! AcuInvoice against a local mock answering the vendor's documented `contact.get` answer:
//! `cargo run -p crmkit --features full --example acuinvoice`.

use crmkit::Basic;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/xml-in"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"<?xml version="1.0" encoding="utf-8"?><response status="ok"><contact><contact_id>1</contact_id><client_id>13</client_id><first_name>Jane</first_name><last_name>Doe</last_name><email>janedoe@janedoe.com</email></contact></response>"#,
            "application/xml",
        ))
        .mount(&mock)
        .await;
    let acu = crmkit::acuinvoice::Client::builder()
        .base_url(mock.uri()) // the real one: `.account("acme")`
        .credentials(Basic::api_key("api-key"))
        .allow_insecure_http(true)
        .build()?;
    let jane = acu.get_contact(1).await?;
    println!("{} {:?} {:?}", jane.contact_id, jane.first_name, jane.email);
    Ok(())
}
