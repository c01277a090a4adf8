//! Contract: every FIRST LINE operation, called through the Rust client, against Prism
//! serving specs/firstline.yaml with request validation on (`cargo xtask contract`).
#![cfg(feature = "contract")]
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use crmkit_firstline::types::{PhoneNumberCreate, PhoneNumberUpdate};
use crmkit_firstline::{Client, ClientPhoneNumbersExt, PhoneKind};
use crmkit_runtime::Error;
use futures_util::TryStreamExt;

fn client() -> Client {
    let url = crmkit_testkit::prism_url();
    Client::builder()
        .base_url(url)
        .credentials(crmkit_runtime::StaticToken::bare("contract-token"))
        .allow_insecure_http(true)
        .retry(crmkit_runtime::RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_operation_passes_request_validation() -> Result<(), Error> {
    let c = client();
    let id = std::num::NonZeroU64::new(1935038).unwrap();
    let list = c
        .list_phone_numbers()
        .contact_id(id)
        .type_(0)
        .number("0928846763")
        .page(std::num::NonZeroU32::MIN)
        .send()
        .await?;
    assert_eq!(list.data.len(), 1);
    let body = PhoneNumberCreate {
        contact_id: Some(id),
        type_: PhoneKind::Home.into(),
        number: "0928846763".into(),
        extension: None,
        description: None,
    };
    c.create_phone_number().body(body).send().await?;
    let got = c.get_phone_number().phone_number(245621).send().await?;
    assert_eq!(got.data.type_.kind(), PhoneKind::Home);
    let change = PhoneNumberUpdate {
        contact_id: Some(id),
        type_: Some(PhoneKind::Mobile.into()),
        number: Some("0939888999".into()),
        extension: None,
        description: None,
    };
    c.update_phone_number()
        .phone_number(245621)
        .body(change)
        .send()
        .await?;
    c.delete_phone_number().phone_number(245621).send().await?;
    Ok(())
}

#[tokio::test]
async fn the_stream_decodes_prism_pages() -> Result<(), Error> {
    let all: Vec<_> = client()
        .list_phone_numbers()
        .into_stream()
        .try_collect()
        .await?;
    assert_eq!(all.len(), 1, "the documented example is one page");
    Ok(())
}
