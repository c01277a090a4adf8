//! A stream over every page of every paged list: the fourteen `GET` lists and the two
//! searches.
//!
//! Every paged answer is `{"totalCount": N, "page": P, "<records>": [...]}`. A stream asks
//! for pages 1, 2, … and ends when the records seen reach `totalCount`, on an empty page, or
//! on a page shorter than the first (every page but the last is full).

use std::future::Future;
use std::num::NonZeroU32;

use crmkit_runtime::futures_util::stream::BoxStream;
use crmkit_runtime::{Error, Page, paginate};

use crate::builder::{
    ListActionCustomItemLabels, ListAudits, ListContactActions, ListContacts, ListCustomObjectDefs,
    ListCustomObjects, ListCustomerActions, ListCustomers, ListDealActions, ListDealContacts,
    ListDeals, ListRoles, ListUserGroups, ListUsers,
};
use crate::types::{
    ActionCustomItemLabel, Audit, Contact, ContactAction, CustomObject, CustomObjectDef, Customer,
    CustomerAction, Deal, DealAction, NamedRef, SearchRequest, User, UserGroup,
};
use crate::{
    Client, ClientActionSettingsExt, ClientAuditsExt, ClientContactActionsExt, ClientContactsExt,
    ClientCustomObjectDefsExt, ClientCustomObjectsExt, ClientCustomerActionsExt,
    ClientCustomersExt, ClientDealActionsExt, ClientDealContactsExt, ClientDealsExt,
    ClientRolesExt, ClientUserGroupsExt, ClientUsersExt,
};

/// Records per page the streams ask for (`limit`), the API's default; set `.limit(n)` (at
/// most 1000) in the filter closure to change it.
const PAGE_SIZE: u32 = 100;

/// The one paging loop: `fetch(page)` answers `(totalCount, records of that page)`.
fn pages<'a, T, F, Fut>(mut fetch: F) -> BoxStream<'a, Result<T, Error>>
where
    T: Send + 'a,
    F: FnMut(NonZeroU32) -> Fut + Send + 'a,
    Fut: Future<Output = Result<(i64, Vec<T>), Error>> + Send + 'a,
{
    // The cursor: the page to fetch, the records seen so far, the size of the first page.
    paginate((NonZeroU32::MIN, 0u64, None), move |(page, seen, first)| {
        let answer = fetch(page);
        async move {
            let (total, items) = answer.await?;
            let got = items.len() as u64;
            let seen = seen + got;
            let first = first.unwrap_or(got);
            let more = seen < u64::try_from(total).unwrap_or(0) && got >= first;
            let next = more
                .then(|| page.checked_add(1))
                .flatten()
                .map(|p| (p, seen, Some(first)));
            Ok(Page { items, next })
        }
    })
}

/// Writes one `…_stream` method per paged `GET` list: the caller's closure sets the filters
/// on the generated builder (which starts with `limit(PAGE_SIZE)`), the stream sets `page`.
macro_rules! list_streams {
    ($(
        $(#[$doc:meta])*
        $stream:ident => $op:ident($builder:ident) -> $item:ty, $records:ident;
    )*) => {
        impl Client {
            $(
                $(#[$doc])*
                ///
                /// `filter` sets the filters on the operation's builder (`|list| list.sort(..)`,
                /// or `|list| list` for none); the stream fetches the pages lazily, as it is read.
                pub fn $stream<'a, F>(&'a self, filter: F) -> BoxStream<'a, Result<$item, Error>>
                where
                    F: Fn($builder<'a>) -> $builder<'a> + Send + 'a,
                {
                    pages(move |page| {
                        let request = filter(self.$op().limit(PAGE_SIZE)).page(page);
                        async move {
                            let list = request.send().await?.into_inner();
                            Ok((list.total_count, list.$records))
                        }
                    })
                }
            )*
        }
    };
}

list_streams! {
    /// Every user group (`list_user_groups`).
    user_groups_stream => list_user_groups(ListUserGroups) -> UserGroup, user_groups;
    /// Every role (`list_roles`).
    roles_stream => list_roles(ListRoles) -> NamedRef, roles;
    /// Every label of an action custom item (`list_action_custom_item_labels`; set
    /// `action_custom_item_key` in `filter`).
    action_custom_item_labels_stream => list_action_custom_item_labels(ListActionCustomItemLabels)
        -> ActionCustomItemLabel, labels;
    /// Every customer matching the filters (`list_customers`).
    customers_stream => list_customers(ListCustomers) -> Customer, customers;
    /// Every action of a customer (`list_customer_actions`; set `customer_id` in `filter`).
    customer_actions_stream => list_customer_actions(ListCustomerActions) -> CustomerAction, actions;
    /// Every deal matching the filters (`list_deals`).
    deals_stream => list_deals(ListDeals) -> Deal, deals;
    /// Every contact of a deal (`list_deal_contacts`; set `deal_id` in `filter`).
    deal_contacts_stream => list_deal_contacts(ListDealContacts) -> Contact, contacts;
    /// Every deal action matching the filters (`list_deal_actions`).
    deal_actions_stream => list_deal_actions(ListDealActions) -> DealAction, actions;
    /// Every contact matching the filters (`list_contacts`).
    contacts_stream => list_contacts(ListContacts) -> Contact, contacts;
    /// Every action of a contact (`list_contact_actions`; set `contact_id` in `filter`).
    contact_actions_stream => list_contact_actions(ListContactActions) -> ContactAction, actions;
    /// Every custom object definition (`list_custom_object_defs`).
    custom_object_defs_stream => list_custom_object_defs(ListCustomObjectDefs) -> CustomObjectDef, custom_object_defs;
    /// Every record of a custom object (`list_custom_objects`; set `custom_object_def_key`
    /// in `filter`).
    custom_objects_stream => list_custom_objects(ListCustomObjects) -> CustomObject, custom_objects;
    /// Every audit log entry in the range (`list_audits`).
    audits_stream => list_audits(ListAudits) -> Audit, audits;
}

impl Client {
    /// Every user (`list_users`), 100 per page (the API's fixed page size for users).
    ///
    /// `filter` sets the filters on the builder (`deleted`, `email`, `sort`); the stream
    /// sets `page`.
    pub fn users_stream<'a, F>(&'a self, filter: F) -> BoxStream<'a, Result<User, Error>>
    where
        F: Fn(ListUsers<'a>) -> ListUsers<'a> + Send + 'a,
    {
        pages(move |page| {
            let request = filter(self.list_users()).page(page);
            async move {
                let list = request.send().await?.into_inner();
                Ok((list.total_count, list.users))
            }
        })
    }

    /// Every customer matching a search (`search_customers`), page by page; the stream
    /// sets the body's `page`. `search` is a [`Search`](crate::Search) or a
    /// [`SearchRequest`]; an invalid one fails the first item.
    pub fn search_customers_stream<S>(&self, search: S) -> BoxStream<'_, Result<Customer, Error>>
    where
        S: TryInto<SearchRequest>,
        S::Error: std::fmt::Display,
    {
        let body = search.try_into().map_err(|e| e.to_string());
        pages(move |page| {
            let request = at_page(&body, page).map(|b| self.search_customers().body(b));
            async move {
                let list = request?.send().await?.into_inner();
                Ok((list.total_count, list.customers))
            }
        })
    }

    /// Every contact matching a search (`search_contacts`), page by page; the stream sets
    /// the body's `page`. `search` is a [`Search`](crate::Search) or a [`SearchRequest`];
    /// an invalid one fails the first item.
    pub fn search_contacts_stream<S>(&self, search: S) -> BoxStream<'_, Result<Contact, Error>>
    where
        S: TryInto<SearchRequest>,
        S::Error: std::fmt::Display,
    {
        let body = search.try_into().map_err(|e| e.to_string());
        pages(move |page| {
            let request = at_page(&body, page).map(|b| self.search_contacts().body(b));
            async move {
                let list = request?.send().await?.into_inner();
                Ok((list.total_count, list.contacts))
            }
        })
    }
}

/// The search body for `page`, or why the caller's search is invalid.
fn at_page(body: &Result<SearchRequest, String>, page: NonZeroU32) -> Result<SearchRequest, Error> {
    let mut body = body.clone().map_err(Error::InvalidRequest)?;
    body.page = Some(i32::try_from(page.get()).unwrap_or(i32::MAX));
    Ok(body)
}
