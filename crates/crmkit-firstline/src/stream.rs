//! A stream over every page of a phone-number search.

use std::num::NonZeroU32;

use crmkit_runtime::futures_util::stream::BoxStream;
use crmkit_runtime::{Error, Page, paginate};

use crate::builder::ListPhoneNumbers;
use crate::types::PhoneNumber;
use crate::{Client, ClientPhoneNumbersExt};

impl Client {
    /// Every phone number matching a search, fetched lazily page by page (`?page=N`) until
    /// `meta.last_page`. `filter` sets the search (`contact_id`, `type_`, `number`, …) on
    /// the `list_phone_numbers` builder; the stream sets `page` itself.
    pub fn phone_numbers_stream<F>(&self, filter: F) -> BoxStream<'_, Result<PhoneNumber, Error>>
    where
        F: for<'a> Fn(ListPhoneNumbers<'a>) -> ListPhoneNumbers<'a> + Send + Sync + 'static,
    {
        let filter = std::sync::Arc::new(filter);
        paginate(NonZeroU32::MIN, move |page| {
            let filter = filter.clone();
            async move {
                let list = filter(self.list_phone_numbers())
                    .page(page)
                    .send()
                    .await?
                    .into_inner();
                let next =
                    (list.meta.current_page < list.meta.last_page).then(|| page.saturating_add(1));
                Ok(Page {
                    items: list.data,
                    next,
                })
            }
        })
    }
}
