//! Downloads: a generated binary answer (`ByteStream`) written to any sink as it arrives.

use std::future::Future;

use crate::response::{ByteStream, Response};
use futures_util::StreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Writes a download (a [`ByteStream`] answer: record photo, bulk read result) to a sink
/// chunk by chunk as it arrives, never holding it whole in memory.
///
/// A download has no total time limit of its own, so a large file at a slow rate completes;
/// the client's `read_timeout` fails one that stalls between reads. For a bound on the whole
/// transfer, wrap the call: `tokio::time::timeout(total, answer.write_to(&mut file))`.
pub trait Download {
    /// Copies every chunk to `sink`, flushes it, and answers the number of bytes written.
    /// A broken download fails with an [`std::io::Error`] wrapping the [`crate::Error`].
    /// An empty answer (a `204`) writes nothing.
    fn write_to<'a, W>(
        self,
        sink: &'a mut W,
    ) -> impl Future<Output = std::io::Result<u64>> + Send + 'a
    where
        W: AsyncWrite + Unpin + Send + ?Sized + 'a,
        Self: 'a;
}

impl Download for ByteStream {
    async fn write_to<'a, W>(mut self, sink: &'a mut W) -> std::io::Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized + 'a,
        Self: 'a,
    {
        let mut written = 0u64;
        while let Some(chunk) = self.next().await {
            let chunk = chunk.map_err(std::io::Error::other)?;
            sink.write_all(&chunk).await?;
            written += chunk.len() as u64;
        }
        sink.flush().await?;
        Ok(written)
    }
}

impl Download for Response<ByteStream> {
    fn write_to<'a, W>(
        self,
        sink: &'a mut W,
    ) -> impl Future<Output = std::io::Result<u64>> + Send + 'a
    where
        W: AsyncWrite + Unpin + Send + ?Sized + 'a,
        Self: 'a,
    {
        self.into_inner().write_to(sink)
    }
}
