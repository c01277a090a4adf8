//! A stream over every page of each paged list (`page`/`per_page`, `info.more_records`).
//!
//! Each `…_stream(filter)` takes a closure that sets the list's parameters (path parameters
//! such as `module_api_name` included) on the generated request builder; the stream sets
//! `page` itself, from 1, and asks for the next page only after the items before it were
//! consumed and while `info.more_records` is `true`. A `204 No Content` page is empty and
//! ends the stream.

use std::future::Future;
use std::num::NonZeroU32;

use crmkit_runtime::futures_util::stream::BoxStream;
use crmkit_runtime::{Error, Page, paginate};

use crate::builder;
use crate::types::{self, ListInfo};
use crate::{
    Client, ClientAttachmentsExt, ClientNotesExt, ClientNotificationsExt, ClientRecordsExt,
    ClientRelatedRecordsExt, ClientUsersExt,
};

/// Whether `info` says another page follows.
fn has_more(info: Option<&ListInfo>) -> bool {
    info.and_then(|i| i.more_records).unwrap_or(false)
}

/// Pages 1, 2, … of a list: `fetch(page)` answers the page's items and whether more follow.
fn pages<'a, T, F, Fut>(mut fetch: F) -> BoxStream<'a, Result<T, Error>>
where
    T: Send + 'a,
    F: FnMut(NonZeroU32) -> Fut + Send + 'a,
    Fut: Future<Output = Result<(Vec<T>, bool), Error>> + Send + 'a,
{
    paginate(NonZeroU32::MIN, move |page| {
        let answer = fetch(page);
        async move {
            let (items, more) = answer.await?;
            let next = if more { page.checked_add(1) } else { None };
            Ok(Page { items, next })
        }
    })
}

macro_rules! streams {
    ($(
        $(#[$doc:meta])*
        $name:ident => $operation:ident, $builder:ident, $items:ident: $item:ident;
    )*) => {
        impl Client {$(
            $(#[$doc])*
            pub fn $name<'a, F>(&'a self, filter: F) -> BoxStream<'a, Result<types::$item, Error>>
            where
                F: FnOnce(builder::$builder<'a>) -> builder::$builder<'a>,
            {
                let request = filter(self.$operation());
                pages(move |page| {
                    let request = request.clone().page(page);
                    async move {
                        let list = request.send().await?.into_inner();
                        let more = has_more(list.info.as_ref());
                        Ok((list.$items, more))
                    }
                })
            }
        )*}
    };
}

streams! {
    /// Every user of the requested type (`list_users`), e.g.
    /// `users_stream(|b| b.type_("ActiveUsers"))`.
    users_stream => list_users, ListUsers, users: User;
    /// Every notification subscription (`get_notification_details`), optionally of one
    /// channel or module.
    notification_subscriptions_stream => get_notification_details, GetNotificationDetails, watch: NotificationSubscription;
    /// Every record of a module (`list_records`); the closure must set `module_api_name`,
    /// e.g. `records_stream(|b| b.module_api_name("Leads").fields(vec!["Last_Name".into()]))`.
    records_stream => list_records, ListRecords, data: Record;
    /// Every deleted record of a module (`list_deleted_records`); the closure must set
    /// `module_api_name`.
    deleted_records_stream => list_deleted_records, ListDeletedRecords, data: DeletedRecord;
    /// Every record matching a search (`search_records`); the closure must set
    /// `module_api_name` and one of `criteria`, `email`, `phone`, `word`.
    search_records_stream => search_records, SearchRecords, data: Record;
    /// Every record of a related list (`list_related_records`); the closure must set
    /// `module_api_name`, `record_id` and `related_list_api_name`.
    related_records_stream => list_related_records, ListRelatedRecords, data: Record;
    /// Every note of the organisation (`list_notes`).
    notes_stream => list_notes, ListNotes, data: Note;
    /// Every note of one record (`list_record_notes`); the closure must set
    /// `module_api_name` and `record_id`.
    record_notes_stream => list_record_notes, ListRecordNotes, data: Note;
    /// Every attachment of one record (`list_attachments`); the closure must set
    /// `module_api_name` and `record_id`.
    attachments_stream => list_attachments, ListAttachments, data: Attachment;
}
