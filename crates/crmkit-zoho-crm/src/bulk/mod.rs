//! Bulk export (`feature = "bulk"`): a bulk read query run to the end and read as a stream
//! of records, at the memory of one row whatever the export's size.
//!
//! [`Client::bulk_export`] creates the job (50 credits; created once, never repeated by a
//! retry), waits for it — polling with a growing interval, or woken by its callback — and
//! stops with [`ExportErrorKind::JobFailed`] on `FAILED` or `FAILURE`. It then downloads
//! the result, inflates the ZIP as it arrives, parses the CSV row by row, and yields
//! [`BulkRecord`]s. A job exports at most 200,000 records: while the result says
//! `more_records`, the next `page` is exported by a new job. Each page's rows are counted
//! against the job's `result.count`.
//!
//! ```no_run
//! use crmkit_runtime::prelude::*;
//! use crmkit_zoho_crm::Client;
//! use crmkit_zoho_crm::types::BulkReadQuery;
//!
//! # async fn run(crm: Client) -> crmkit_runtime::Result<()> {
//! let query = BulkReadQuery::builder()
//!     .module("Contacts")
//!     .fields(vec!["Last_Name".into(), "Email".into()])
//!     .try_into()
//!     .map_err(|e| crmkit_runtime::Error::InvalidRequest(format!("{e}")))?;
//! let mut contacts = crm.bulk_export(query).into_stream();
//! while let Some(contact) = contacts.try_next().await? {
//!     println!("{:?} {:?}", contact.id(), contact.get("Email"));
//! }
//! # Ok(()) }
//! ```

mod archive;
mod callback;
mod csv;
mod job;
mod record;

use std::time::Duration;

use bytes::Bytes;
use crmkit_runtime::{ByteStream, Error, ExportError, ExportErrorKind, ItemStream};
use futures_util::stream::{self, BoxStream, StreamExt};

pub use callback::BulkCallbacks;
pub use record::{BulkRecord, Header};

use crate::types::{
    BulkReadCallbackConfig, BulkReadCallbackConfigMethod, BulkReadQuery, BulkReadRequest,
    BulkReadRequestFileType,
};
use crate::{Client, ClientBulkReadExt as _};
use archive::Archive;
use job::{Failure, Wait};

const VENDOR: &str = "zoho-crm";

/// Entry points of the fuzz targets (`fuzz/`); not part of the public API.
#[doc(hidden)]
pub mod __fuzz {
    use bytes::Bytes;
    use crmkit_runtime::{ByteStream, ExportErrorKind};
    use futures_util::FutureExt;

    /// Reads a result archive arriving in chunks of `chunk` bytes: its header and every
    /// record, or a typed error. `None` if the read waited (it never should: the bytes are
    /// all there).
    pub fn read_archive(bytes: &[u8], chunk: usize) -> Option<Result<u64, ExportErrorKind>> {
        let chunks: Vec<Result<Bytes, crmkit_runtime::Error>> = bytes
            .chunks(chunk.max(1))
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let body = ByteStream::new(futures_util::stream::iter(chunks));
        async {
            let mut archive = super::Archive::open(body).await?;
            archive.header().await?;
            while archive.next().await?.is_some() {}
            Ok(archive.rows())
        }
        .now_or_never()
    }
}

impl Client {
    /// A bulk export of `query`: every matching record, as a stream
    /// ([`BulkExport::into_stream`]) or, for an ICS export of Events, as bytes
    /// ([`BulkExport::into_ics`]). Nothing is sent until the stream is polled.
    pub fn bulk_export(&self, query: BulkReadQuery) -> BulkExport {
        BulkExport {
            client: self.clone(),
            request: BulkReadRequest {
                callback: None,
                file_type: None,
                query,
            },
            wait: Wait::default(),
        }
    }
}

/// A bulk export to run; see the [module](self).
#[derive(Debug, Clone)]
#[must_use = "an export does nothing until its stream is polled"]
pub struct BulkExport {
    client: Client,
    request: BulkReadRequest,
    wait: Wait,
}

impl BulkExport {
    /// Asks Zoho to POST to `url` when each job ends, and waits on `callbacks` (which your
    /// receiver feeds) instead of polling at a short interval. The job is still polled at
    /// the longest interval, in case the callback is lost or reaches another replica.
    pub fn callback(mut self, url: impl Into<String>, callbacks: &BulkCallbacks) -> Self {
        self.request.callback = Some(BulkReadCallbackConfig {
            url: url.into(),
            method: BulkReadCallbackConfigMethod::Post,
        });
        self.wait.callbacks = Some(callbacks.clone());
        self
    }

    /// The interval between polls: `initial` (default 2 s), doubled after each poll up to
    /// `max` (default 60 s).
    pub fn poll_interval(mut self, initial: Duration, max: Duration) -> Self {
        self.wait.initial = initial;
        self.wait.max = max.max(initial);
        self
    }

    /// How long each job may take from its creation (default 6 hours); past it, the
    /// export fails with [`ExportErrorKind::Deadline`].
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.wait.deadline = deadline;
        self
    }

    /// Every record of every page, in file order. The stream ends after the last page, or
    /// after the first error, which it yields.
    pub fn into_stream(self) -> ItemStream<BulkRecord> {
        let export = Export::new(self);
        stream::unfold(export, |mut export| async move {
            match export.next_record().await {
                Ok(Some(record)) => Some((Ok(record), export)),
                Ok(None) => None,
                Err(e) => {
                    export.done = true;
                    Some((Err(e), export))
                }
            }
        })
        .boxed()
    }

    /// The ICS file of an Events export (`file_type: ics`), as it inflates; one calendar per
    /// page of 200,000 events, one after the other.
    pub fn into_ics(mut self) -> ByteStream {
        self.request.file_type = Some(BulkReadRequestFileType::Ics);
        let export = Export::new(self);
        ByteStream::new(stream::unfold(export, |mut export| async move {
            match export.next_chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), export)),
                Ok(None) => None,
                Err(e) => {
                    export.done = true;
                    Some((Err(e), export))
                }
            }
        }))
    }
}

/// A running export: the page being read, and what is known of it.
struct Export {
    client: Client,
    request: BulkReadRequest,
    wait: Wait,
    page: Option<Page>,
    done: bool,
}

/// The result of one job, being read.
struct Page {
    job: String,
    number: u32,
    count: Option<u64>,
    more: bool,
    content: Content,
}

enum Content {
    Csv(Box<Archive>),
    Bytes(BoxStream<'static, Result<Bytes, ExportErrorKind>>),
}

impl Export {
    fn new(export: BulkExport) -> Self {
        Export {
            client: export.client,
            request: export.request,
            wait: export.wait,
            page: None,
            done: false,
        }
    }

    /// The page being read: the next one started if the last ended; `None` once done.
    async fn current(&mut self) -> Result<Option<&mut Page>, Error> {
        if self.done {
            return Ok(None);
        }
        if self.page.is_none() {
            self.page = Some(self.start().await?);
        }
        Ok(self.page.as_mut())
    }

    async fn next_record(&mut self) -> Result<Option<BulkRecord>, Error> {
        while let Some(page) = self.current().await? {
            let Content::Csv(archive) = &mut page.content else {
                return Err(Error::InvalidRequest("an ICS export has no records".into()));
            };
            let read = archive.next().await;
            match read {
                Ok(Some(record)) => return Ok(Some(record)),
                Ok(None) => {
                    let rows = archive.rows();
                    self.end_page(rows)?;
                }
                Err(kind) => return Err(self.error(kind)),
            }
        }
        Ok(None)
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        while let Some(page) = self.current().await? {
            let Content::Bytes(bytes) = &mut page.content else {
                return Err(Error::InvalidRequest(
                    "a CSV export is read as records".into(),
                ));
            };
            match bytes.next().await {
                Some(Ok(chunk)) => return Ok(Some(chunk)),
                Some(Err(kind)) => return Err(self.error(kind)),
                None => self.end_page(None)?,
            }
        }
        Ok(None)
    }

    /// Runs the job of the next page and opens its result.
    async fn start(&mut self) -> Result<Page, Error> {
        let number = self.request.query.page.get();
        let completed = job::run(&self.client, &self.request, &self.wait)
            .await
            .map_err(|failed| match failed.error {
                Failure::Call(e) => e,
                Failure::Export(kind) => {
                    ExportError::new(VENDOR, failed.id, Some(number), kind).into()
                }
            })?;
        let job = completed.id.to_string();
        let fail = |kind| {
            Error::from(ExportError::new(
                VENDOR,
                Some(job.clone()),
                Some(number),
                kind,
            ))
        };
        let count = completed
            .result
            .count
            .map(|c| u64::try_from(c).unwrap_or(0));
        let more = completed.result.more_records.unwrap_or(false);
        let body = self
            .client
            .download_bulk_read_result()
            .job_id(completed.id.clone())
            .send()
            .await?
            .into_inner();
        let mut archive = Archive::open(body).await.map_err(fail)?;
        let content = if self.request.file_type.is_some() {
            Content::Bytes(archive.into_bytes().boxed())
        } else {
            let header = archive.header().await.map_err(fail)?;
            let fields = &self.request.query.fields;
            // More than 200 fields exports every field: nothing to check against.
            if fields.len() <= 200 {
                let missing: Vec<String> = fields
                    .iter()
                    .filter(|f| header.position(f).is_none())
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    return Err(fail(ExportErrorKind::Header {
                        missing,
                        header: header.names().to_vec(),
                    }));
                }
            }
            Content::Csv(Box::new(archive))
        };
        Ok(Page {
            job,
            number,
            count,
            more,
            content,
        })
    }

    /// Closes the page read to its end (checking its row count, for a CSV) and moves to the
    /// next page, or ends the export.
    fn end_page(&mut self, rows: impl Into<Option<u64>>) -> Result<(), Error> {
        let Some(page) = self.page.take() else {
            return Ok(());
        };
        if let (Some(got), Some(expected)) = (rows.into(), page.count)
            && got != expected
        {
            self.done = true;
            return Err(ExportError::new(
                VENDOR,
                Some(page.job),
                Some(page.number),
                ExportErrorKind::Count { expected, got },
            )
            .into());
        }
        let next = page
            .number
            .checked_add(1)
            .and_then(std::num::NonZeroU32::new);
        match next {
            Some(next) if page.more => self.request.query.page = next,
            _ => self.done = true,
        }
        Ok(())
    }

    fn error(&mut self, kind: ExportErrorKind) -> Error {
        self.done = true;
        let page = self.page.take();
        ExportError::new(
            VENDOR,
            page.as_ref().map(|p| p.job.clone()),
            page.map(|p| p.number),
            kind,
        )
        .into()
    }
}
