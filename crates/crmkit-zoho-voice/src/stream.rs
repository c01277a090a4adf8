//! A stream over every contact, page by page.

use std::num::NonZeroU32;

use crmkit_runtime::futures_util::stream::BoxStream;
use crmkit_runtime::{Error, Page, paginate};

use crate::types::Contact;
use crate::{Client, ClientContactsExt};

impl Client {
    /// Every contact, fetched lazily `page_size` at a time (1–50; out-of-range values are
    /// clamped) with `list_contacts`. The stream ends after a short page.
    pub fn contacts_stream(&self, page_size: u32) -> BoxStream<'_, Result<Contact, Error>> {
        let size = NonZeroU32::new(page_size.clamp(1, 50)).unwrap_or(NonZeroU32::MIN);
        paginate(0u32, move |from| async move {
            let page = self
                .list_contacts()
                .from(from)
                .size(size)
                .send()
                .await?
                .into_inner();
            let got = u32::try_from(page.contacts.len()).unwrap_or(u32::MAX);
            let next = (got == size.get()).then(|| from.saturating_add(got));
            Ok(Page {
                items: page.contacts,
                next,
            })
        })
    }
}
