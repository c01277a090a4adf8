//! Where a bulk read job's callbacks meet the exports waiting for them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::sync::Notify;

use crate::notifications::{ReceiveError, parse_bulk_callback};
use crate::types::BulkReadCallbackPayload;

/// How many jobs' callbacks are remembered before an export asks for them (a callback can
/// arrive before the export that created the job starts waiting); the oldest go first.
const REMEMBERED: usize = 1024;

/// The callbacks of bulk read jobs, handed from the receiver (your web server's handler for
/// the callback URL) to the exports waiting on them. Clones share one hub.
///
/// A callback only wakes the export: it then asks the API for the job's state, so a forged
/// callback cannot make it read a result that does not exist. Jobs are still polled at the
/// export's longest interval, so a callback that reaches another replica, or never comes,
/// delays the export but does not stall it.
#[derive(Clone, Debug, Default)]
pub struct BulkCallbacks {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    jobs: Mutex<Jobs>,
}

#[derive(Debug, Default)]
struct Jobs {
    wakers: HashMap<String, Arc<Notify>>,
    arrived: VecDeque<String>,
}

impl BulkCallbacks {
    /// An empty hub.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks and decodes a callback POST (see
    /// [`parse_bulk_callback`](crate::notifications::parse_bulk_callback)) and wakes the
    /// export waiting for its job. Answer the POST with `200` when this succeeds, and with
    /// the error's [`status`](ReceiveError::status) when it fails.
    pub fn receive(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<BulkReadCallbackPayload, ReceiveError> {
        let payload = parse_bulk_callback(headers, body)?;
        if let Some(id) = &payload.job_id {
            self.deliver(id);
        }
        Ok(payload)
    }

    /// Wakes the export waiting for job `id` (or remembers that its callback came).
    pub fn deliver(&self, id: &str) {
        let mut jobs = self.lock();
        match jobs.wakers.get(id) {
            Some(waker) => waker.notify_one(),
            None => {
                if jobs.arrived.len() >= REMEMBERED {
                    jobs.arrived.pop_front();
                }
                jobs.arrived.push_back(id.to_string());
            }
        }
    }

    /// Waits up to `timeout` for job `id`'s callback.
    pub(crate) async fn wait(&self, id: &str, timeout: Duration) {
        let waker = {
            let mut jobs = self.lock();
            if let Some(at) = jobs.arrived.iter().position(|j| j == id) {
                jobs.arrived.remove(at);
                return;
            }
            jobs.wakers
                .entry(id.to_string())
                .or_insert_with(|| Arc::new(Notify::new()))
                .clone()
        };
        let _ = tokio::time::timeout(timeout, waker.notified()).await;
        self.lock().wakers.remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Jobs> {
        self.inner
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
