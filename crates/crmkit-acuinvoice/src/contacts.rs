//! The five contact methods of the XML API as typed methods on [`Client`].
//!
//! Each call writes its request with [`crate::xml`], sends `POST {base}/api/xml-in` through
//! the runtime's pipeline ([`crmkit_runtime::Inner::execute`], so auth, retries, limits,
//! tracing and errors are those of every crmkit call), and reads the answer into the
//! generated response type. Reads (`contact.get`, `contact.list`) and `contact.update`
//! (the same fields set twice give the same contact) may be retried; `contact.create` and
//! `contact.delete` are never repeated once they may have reached the server.

use std::num::{NonZeroU32, NonZeroU64};

use crmkit_runtime::futures_util::stream::BoxStream;
use crmkit_runtime::{DecodeError, Error, Operation, Page, Result, paginate};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::de::DeserializeOwned;

use crate::types::{
    Contact, ContactCreateInput, ContactCreateRequest, ContactCreateRequestMethod,
    ContactCreateResponse, ContactDeleteRequest, ContactDeleteRequestMethod, ContactDeleteResponse,
    ContactGetRequest, ContactGetRequestMethod, ContactGetResponse, ContactListRequest,
    ContactListRequestMethod, ContactListResponse, ContactUpdateInput, ContactUpdateRequest,
    ContactUpdateRequestMethod, ContactUpdateResponse,
};
use crate::{Client, xml};

/// Contacts per page when a [`ContactFilter`] sets none (the vendor's default).
pub const DEFAULT_PER_PAGE: NonZeroU32 = match NonZeroU32::new(25) {
    Some(n) => n,
    None => NonZeroU32::MIN,
};

/// What `contact.list` returns: the filters and the page.
///
/// A hand-written input rather than the generated `types::ContactListRequest`, which also
/// carries the constant `method` and has no "unset" for `page` and `per_page`. Unset
/// filters are left out of the request; `page` and `per_page` are always sent (1 and
/// [`DEFAULT_PER_PAGE`] when unset), so the size a page is compared with is the size asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFilter {
    /// Only contacts of this client.
    pub client_id: Option<NonZeroU64>,
    /// Only contacts with this e-mail address.
    pub email: Option<String>,
    /// 1-based page number (default 1).
    pub page: Option<NonZeroU32>,
    /// Contacts per page (default [`DEFAULT_PER_PAGE`]).
    pub per_page: Option<NonZeroU32>,
}

impl ContactFilter {
    fn request(&self) -> ContactListRequest {
        ContactListRequest {
            method: ContactListRequestMethod::ContactList,
            client_id: self.client_id,
            email: self.email.clone(),
            page: self.page.unwrap_or(NonZeroU32::MIN),
            per_page: self.per_page.unwrap_or(DEFAULT_PER_PAGE),
        }
    }
}

/// The request document of one XML API method and the answer it gets, for
/// [`Client::call_method`]. Implemented by the generated request types; sealed.
pub trait Method: private::Sealed {
    /// The `method` attribute (`contact.get`).
    const NAME: &'static str;
    /// Whether the method may be repeated once it may have reached the server.
    const IDEMPOTENT: bool;
    /// Children of the answer read as arrays even when there is one.
    const LISTS: &'static [&'static str];
    /// The generated type of the method's `<response status="ok">`.
    type Answer: DeserializeOwned;
    /// The request document.
    fn write(&self) -> Result<String, xml::WriteError>;
}

mod private {
    pub trait Sealed {}
}

macro_rules! methods {
    ($($request:ty => $answer:ty: $name:literal, idempotent $idempotent:literal, lists $lists:expr, $write:path;)*) => {$(
        impl private::Sealed for $request {}
        impl Method for $request {
            const NAME: &'static str = $name;
            const IDEMPOTENT: bool = $idempotent;
            const LISTS: &'static [&'static str] = $lists;
            type Answer = $answer;
            fn write(&self) -> Result<String, xml::WriteError> {
                $write(self)
            }
        }
    )*};
}

// `contact.update` sets the same fields to the same values when repeated; `create` would
// create a second contact and `delete` answer an error the second time.
methods! {
    ContactCreateRequest => ContactCreateResponse: "contact.create", idempotent false, lists &[], xml::contact_create;
    ContactUpdateRequest => ContactUpdateResponse: "contact.update", idempotent true, lists &[], xml::contact_update;
    ContactGetRequest => ContactGetResponse: "contact.get", idempotent true, lists &[], xml::contact_get;
    ContactDeleteRequest => ContactDeleteResponse: "contact.delete", idempotent false, lists &[], xml::contact_delete;
    ContactListRequest => ContactListResponse: "contact.list", idempotent true, lists &["contact"], xml::contact_list;
}

/// A contact id as the methods take it: a [`NonZeroU64`], or a plain integer (`42`);
/// zero and negative numbers are refused with [`Error::InvalidRequest`].
pub trait ContactId {
    /// The id, or why it is not one.
    fn contact_id(self) -> Result<NonZeroU64>;
}

impl ContactId for NonZeroU64 {
    fn contact_id(self) -> Result<NonZeroU64> {
        Ok(self)
    }
}

macro_rules! integer_ids {
    ($($t:ty),*) => {$(
        impl ContactId for $t {
            fn contact_id(self) -> Result<NonZeroU64> {
                u64::try_from(self)
                    .ok()
                    .and_then(NonZeroU64::new)
                    .ok_or_else(|| {
                        Error::InvalidRequest(format!("contact_id {self}: must be at least 1"))
                    })
            }
        }
    )*};
}
integer_ids!(u64, u32, i64, i32);

impl Client {
    /// `contact.create`: creates the contact and returns its `contact_id`.
    pub async fn create_contact(&self, contact: &ContactCreateInput) -> Result<NonZeroU64> {
        let request = ContactCreateRequest {
            method: ContactCreateRequestMethod::ContactCreate,
            contact: contact.clone(),
        };
        Ok(self.call_method(&request).await?.contact_id)
    }

    /// `contact.update`: sends `contact_id` and only the fields that are `Some`; the
    /// vendor leaves the others unchanged.
    pub async fn update_contact(&self, contact: &ContactUpdateInput) -> Result<()> {
        let request = ContactUpdateRequest {
            method: ContactUpdateRequestMethod::ContactUpdate,
            contact: contact.clone(),
        };
        self.call_method(&request).await?;
        Ok(())
    }

    /// `contact.get`: the contact with this id (as `Contact::contact_id` and
    /// [`create_contact`](Self::create_contact) give it).
    pub async fn get_contact(&self, contact_id: impl ContactId) -> Result<Contact> {
        let request = ContactGetRequest {
            method: ContactGetRequestMethod::ContactGet,
            contact_id: contact_id.contact_id()?,
        };
        Ok(self.call_method(&request).await?.contact)
    }

    /// `contact.delete`: deletes the contact with this id.
    pub async fn delete_contact(&self, contact_id: impl ContactId) -> Result<()> {
        let request = ContactDeleteRequest {
            method: ContactDeleteRequestMethod::ContactDelete,
            contact_id: contact_id.contact_id()?,
        };
        self.call_method(&request).await?;
        Ok(())
    }

    /// `contact.list`: one page of contacts matching `filter`.
    pub async fn list_contacts(&self, filter: &ContactFilter) -> Result<Vec<Contact>> {
        Ok(self.call_method(&filter.request()).await?.contact)
    }

    /// Every contact matching `filter`, page after page from `filter.page` (default 1),
    /// fetched lazily. The stream ends after a page with fewer than `per_page` contacts.
    pub fn contacts_stream(&self, filter: ContactFilter) -> BoxStream<'_, Result<Contact>> {
        let per_page = filter.per_page.unwrap_or(DEFAULT_PER_PAGE);
        let first = filter.page.unwrap_or(NonZeroU32::MIN);
        paginate(first, move |page| {
            let filter = ContactFilter {
                page: Some(page),
                per_page: Some(per_page),
                ..filter.clone()
            };
            async move {
                let items = self.list_contacts(&filter).await?;
                let full = u32::try_from(items.len()).unwrap_or(u32::MAX) >= per_page.get();
                let next = if full { page.checked_add(1) } else { None };
                Ok(Page { items, next })
            }
        })
    }

    /// Sends any method's request document (one of the generated `…Request` types, `method`
    /// set to its one value) and reads the answer into that method's generated `…Response`.
    /// The typed methods above are this with their request built for you.
    pub async fn call_method<M: Method>(&self, request: &M) -> Result<M::Answer> {
        self.call(M::NAME, M::IDEMPOTENT, request.write(), M::LISTS)
            .await
    }

    /// Sends one request document and reads the `<response status="ok">` into `T`
    /// (children named in `lists` are read as arrays).
    async fn call<T: DeserializeOwned>(
        &self,
        method: &'static str,
        idempotent: bool,
        body: Result<String, xml::WriteError>,
        lists: &[&str],
    ) -> Result<T> {
        let body = body.map_err(|e| Error::InvalidRequest(format!("{method}: {e}")))?;
        let request = self
            .inner
            .http()
            .post(format!("{}/api/xml-in", self.base_url()))
            .header(CONTENT_TYPE, "application/xml; charset=utf-8")
            .header(ACCEPT, "application/xml")
            .body(body)
            .build()
            .map_err(|e| Error::InvalidRequest(format!("{method}: {e}")))?;
        // AcuInvoice sends every method as `POST`: whether a call may be repeated is the
        // method's nature, not the HTTP method's.
        let op = Operation {
            id: method,
            idempotent,
            batch: None,
            credits: crmkit_runtime::pipeline::credits::Credits::ONE,
        };
        let answer = self.inner.execute(request, &op).await?;
        read_answer(self.inner.vendor(), method, &answer, lists)
    }
}

/// Reads `<response status="ok">` into `T` (children named in `lists` as arrays).
pub(crate) fn read_answer<T: DeserializeOwned>(
    vendor: &'static str,
    method: &'static str,
    answer: &crmkit_runtime::Answer,
    lists: &[&str],
) -> Result<T> {
    let refuse = |reason: String| answer.refuse(vendor, method, reason);
    let doc = xml::Document::parse(&answer.body, xml::Limits::for_answer(answer.body.len()))
        .map_err(|e| refuse(e.to_string()))?;
    if doc.root_name() != "response" || doc.root_attribute("status") != Some("ok") {
        // A `fail` answer was already an `Error::Api` (the vendor profile's in-band
        // check); anything else is not what the API describes.
        return Err(refuse(format!(
            "expected <response status=\"ok\">, got <{}> with status {:?}",
            doc.root_name(),
            doc.root_attribute("status")
        )));
    }
    // JSON text, not a `Value` tree: the tree is dropped before the typed decode.
    let json = doc.json(lists);
    drop(doc);
    serde_json::from_str(&json).map_err(|e| {
        let mut err = DecodeError::new(
            vendor,
            method,
            Some(answer.status),
            Some(answer.headers.clone()),
            answer.body.clone(),
            format!("the answer to {method} does not match the API description"),
        );
        err.source = Some(e);
        err.into()
    })
}

/// Every method's answer through the client's own path, for the fuzz targets (`fuzz/`);
/// not part of the API.
#[doc(hidden)]
pub mod __fuzz {
    use crmkit_runtime::{Answer, Operation, Profile};

    use super::read_answer;
    use crate::types::{
        ContactCreateResponse, ContactDeleteResponse, ContactGetResponse, ContactListResponse,
        ContactUpdateResponse,
    };

    /// The methods, as the API names them.
    pub const METHODS: &[&str] = &[
        "contact.create",
        "contact.update",
        "contact.get",
        "contact.delete",
        "contact.list",
    ];

    /// The profile's classification (the in-band `status="fail"`), then the XML reader and
    /// the method's type; `None` for an unknown method.
    pub fn decode(method: &'static str, body: &[u8]) -> Option<bool> {
        let profile = crate::AcuInvoice::default();
        let op = Operation {
            id: method,
            idempotent: true,
            batch: None,
            credits: crmkit_runtime::pipeline::credits::Credits::ONE,
        };
        let answer = Answer {
            status: reqwest::StatusCode::OK,
            headers: reqwest::header::HeaderMap::new(),
            body: bytes::Bytes::copy_from_slice(body),
        };
        if crmkit_runtime::pipeline::settle::<_, ()>(&profile, &op, answer.clone(), false).is_err()
        {
            return Some(false);
        }
        let vendor = crate::AcuInvoice::NAME;
        Some(match method {
            "contact.create" => {
                read_answer::<ContactCreateResponse>(vendor, method, &answer, &[]).is_ok()
            }
            "contact.update" => {
                read_answer::<ContactUpdateResponse>(vendor, method, &answer, &[]).is_ok()
            }
            "contact.get" => {
                read_answer::<ContactGetResponse>(vendor, method, &answer, &[]).is_ok()
            }
            "contact.delete" => {
                read_answer::<ContactDeleteResponse>(vendor, method, &answer, &[]).is_ok()
            }
            "contact.list" => {
                read_answer::<ContactListResponse>(vendor, method, &answer, &["contact"]).is_ok()
            }
            _ => return None,
        })
    }
}
