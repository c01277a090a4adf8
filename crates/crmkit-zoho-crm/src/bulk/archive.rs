//! The result of a job, a ZIP archive holding one CSV (or ICS) file, read as it downloads:
//! async_zip's stream reader walks the entries by their local headers (no central
//! directory, no seeking), inflating as it goes.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use async_zip::base::read::WithEntry;
use async_zip::base::read::stream::{Reading, ZipFileReader};
use async_zip::error::ZipError;
use bytes::Bytes;
use crmkit_runtime::{ByteStream, Error, ExportErrorKind};
use futures_util::io::AsyncReadExt;
use futures_util::stream::{IntoAsyncRead, MapErr, TryStreamExt};

use super::csv::{RowError, Rows};
use super::record::{BulkRecord, Header};

type Body = IntoAsyncRead<MapErr<Watched, fn(Error) -> std::io::Error>>;
type Entry = ZipFileReader<Reading<'static, Body, WithEntry<'static>>>;

/// The one file of a result archive, open for reading.
pub(crate) struct Archive {
    entry: Option<Entry>,
    rows: Rows,
    body: Arc<Progress>,
}

/// How much of the download has arrived, and whether it ended: an archive that breaks once
/// every byte has arrived was cut short; one that breaks before is corrupt.
#[derive(Default)]
struct Progress {
    received: AtomicU64,
    /// `u64::MAX` until the download ends, then the bytes received.
    ended_at: AtomicU64,
}

impl Progress {
    fn new() -> Self {
        Progress {
            received: AtomicU64::new(0),
            ended_at: AtomicU64::new(u64::MAX),
        }
    }

    fn ended(&self) -> Option<u64> {
        let at = self.ended_at.load(Ordering::Relaxed);
        (at != u64::MAX).then_some(at)
    }
}

/// The download, counted as it arrives.
struct Watched {
    inner: ByteStream,
    progress: Arc<Progress>,
}

impl futures_core::Stream for Watched {
    type Item = Result<Bytes, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = Pin::new(&mut self.inner).poll_next(cx);
        match &next {
            Poll::Ready(Some(Ok(chunk))) => {
                self.progress
                    .received
                    .fetch_add(chunk.len() as u64, Ordering::Relaxed);
            }
            Poll::Ready(None) => {
                let received = self.progress.received.load(Ordering::Relaxed);
                self.progress.ended_at.store(received, Ordering::Relaxed);
            }
            _ => {}
        }
        next
    }
}

impl Archive {
    /// Opens the first file of the archive `body`.
    pub(crate) async fn open(body: ByteStream) -> Result<Self, ExportErrorKind> {
        let body = checked_head(body).await?;
        let to_io: fn(Error) -> std::io::Error = std::io::Error::other;
        let progress = Arc::new(Progress::new());
        let watched = Watched {
            inner: body,
            progress: progress.clone(),
        };
        let zip = ZipFileReader::new(watched.map_err(to_io).into_async_read());
        let fail = |e| classify(&progress, zip_error(e));
        match zip.next_with_entry().await.map_err(fail)? {
            Some(entry) => Ok(Archive {
                entry: Some(entry),
                rows: Rows::new(),
                body: progress,
            }),
            None => Err(ExportErrorKind::Archive("the archive holds no file".into())),
        }
    }

    /// The CSV header.
    pub(crate) async fn header(&mut self) -> Result<Arc<Header>, ExportErrorKind> {
        let Some(entry) = self.entry.as_mut() else {
            return Err(ExportErrorKind::Archive("the file was already read".into()));
        };
        let header = self.rows.header(entry.reader_mut()).await;
        header.map_err(|e| classify(&self.body, row_error(e)))
    }

    /// The next record, or `None` once the file ended (and the archive with it: the entry's
    /// checksum, when its local header has one, and its data descriptor are checked).
    pub(crate) async fn next(&mut self) -> Result<Option<BulkRecord>, ExportErrorKind> {
        let Some(entry) = self.entry.as_mut() else {
            return Ok(None);
        };
        let next = self.rows.next(entry.reader_mut()).await;
        match next.map_err(|e| classify(&self.body, row_error(e)))? {
            Some(record) => Ok(Some(record)),
            None => {
                if let Some(entry) = self.entry.take() {
                    finish(entry).await.map_err(|e| classify(&self.body, e))?;
                }
                Ok(None)
            }
        }
    }

    /// Rows read after the header.
    pub(crate) fn rows(&self) -> u64 {
        self.rows.rows
    }

    /// The file's bytes as they inflate, chunk by chunk (an ICS export).
    pub(crate) fn into_bytes(
        self,
    ) -> impl futures_core::Stream<Item = Result<Bytes, ExportErrorKind>> + Send {
        let body = self.body;
        futures_util::stream::try_unfold(self.entry, move |entry| {
            let body = body.clone();
            async move {
                let Some(mut entry) = entry else {
                    return Ok(None);
                };
                let mut chunk = vec![0u8; 64 << 10];
                let read = entry.reader_mut().read(&mut chunk).await;
                let n = read.map_err(|e| classify(&body, io_error(e)))?;
                if n == 0 {
                    finish(entry).await.map_err(|e| classify(&body, e))?;
                    return Ok(None);
                }
                chunk.truncate(n);
                Ok(Some((Bytes::from(chunk), Some(entry))))
            }
        })
    }
}

/// The first local file header's extra fields, checked before async_zip parses them: one
/// whose stated size runs past the extra block makes async_zip 0.0.19 compute its error's
/// detail with an unsigned subtraction that overflows (a panic where overflow checks are
/// on). Such a header is refused here; the bytes read to see it are handed on unchanged.
async fn checked_head(mut body: ByteStream) -> Result<ByteStream, ExportErrorKind> {
    use futures_util::StreamExt;
    const FIXED: usize = 30;
    let mut head: Vec<Bytes> = Vec::new();
    let mut have = 0usize;
    let mut need = FIXED;
    let mut bytes = Vec::new();
    while have < need {
        let Some(chunk) = body.next().await else {
            break;
        };
        let chunk = chunk.map_err(|e| ExportErrorKind::Truncated(e.to_string()))?;
        have += chunk.len();
        if bytes.len() < FIXED + 2 * usize::from(u16::MAX) {
            bytes.extend_from_slice(&chunk);
        }
        head.push(chunk);
        if need == FIXED && bytes.len() >= FIXED {
            if bytes[..4] != *b"PK\x03\x04" {
                break; // not a local header: async_zip says what it is
            }
            let name = usize::from(u16::from_le_bytes([bytes[26], bytes[27]]));
            let extra = usize::from(u16::from_le_bytes([bytes[28], bytes[29]]));
            need = FIXED + name + extra;
        }
    }
    if have < need && bytes.starts_with(b"PK\x03\x04") {
        // async_zip would parse the short header it could read as if it were whole.
        return Err(ExportErrorKind::Truncated(format!(
            "the archive ends after {have} bytes, inside its first header ({need} bytes)"
        )));
    }
    if need > FIXED && bytes.len() >= need {
        let extra_start = FIXED + usize::from(u16::from_le_bytes([bytes[26], bytes[27]]));
        let extra = &bytes[extra_start..need];
        let mut at = 0usize;
        while at + 4 < extra.len() {
            let size = usize::from(u16::from_le_bytes([extra[at + 2], extra[at + 3]]));
            if at + 4 + size > extra.len() {
                return Err(ExportErrorKind::Archive(format!(
                    "the local header's extra field at byte {at} states {size} bytes, {} remain",
                    extra.len() - at - 4
                )));
            }
            at += 4 + size;
        }
    }
    let replay = futures_util::stream::iter(head.into_iter().map(Ok));
    Ok(ByteStream::new(replay.chain(body)))
}

/// Closes the file read to its end: its CRC-32 checked when the local header states one
/// (a streamed entry states it only in the data descriptor after the data, which the
/// reader skips; the inflater's own end-of-stream check and the row count stand in).
async fn finish(mut entry: Entry) -> Result<(), ExportErrorKind> {
    let stated = entry.reader().entry().crc32();
    let computed = entry.reader_mut().compute_hash();
    if stated != 0 && stated != computed {
        return Err(ExportErrorKind::Archive(format!(
            "the file's CRC-32 is {computed:08x}, its header states {stated:08x}"
        )));
    }
    entry.done().await.map(drop).map_err(zip_error)
}

fn row_error(e: RowError) -> ExportErrorKind {
    match e {
        RowError::Csv(kind) => kind,
        RowError::Io(e) => io_error(e),
    }
}

fn zip_error(e: ZipError) -> ExportErrorKind {
    match e {
        ZipError::UpstreamReadError(e) => io_error(e),
        ZipError::UnexpectedHeaderError(..) => {
            ExportErrorKind::Archive(format!("not a ZIP archive ({e})"))
        }
        other => ExportErrorKind::Archive(other.to_string()),
    }
}

/// An archive that broke once the whole download had arrived was cut short (unless
/// nothing arrived at all); before, it is corrupt.
fn classify(body: &Progress, kind: ExportErrorKind) -> ExportErrorKind {
    match (body.ended(), kind) {
        (Some(0), _) => ExportErrorKind::Archive("the result is empty".into()),
        (Some(bytes), ExportErrorKind::Archive(reason)) => ExportErrorKind::Truncated(format!(
            "the archive ends after {bytes} bytes, before its data ({reason})"
        )),
        (_, kind) => kind,
    }
}

/// An error under the CSV: the download broke off (a transport error), or the compressed
/// data is corrupt.
fn io_error(e: std::io::Error) -> ExportErrorKind {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
        Some(transport) => ExportErrorKind::Truncated(transport.to_string()),
        None => ExportErrorKind::Archive(format!("corrupt data: {e}")),
    }
}
