//! One bulk read job, from its creation to its completed result: created once (a POST the
//! pipeline never repeats once it may have been received), then polled with a growing
//! interval — cut short by the job's callback when one is awaited — until it completes,
//! fails or outlives the caller's deadline.

use std::time::Duration;

use crmkit_runtime::{Error, ExportErrorKind};
use tokio::time::Instant;

use super::callback::BulkCallbacks;
use crate::types::{BulkReadJob, BulkReadRequest, BulkReadResult, BulkReadStateKnown, ZohoId};
use crate::{Client, ClientBulkReadExt as _};

/// How a job is waited for.
#[derive(Clone, Debug)]
pub(crate) struct Wait {
    /// The first interval between polls, doubled after each poll up to `max`.
    pub(crate) initial: Duration,
    /// The longest interval between polls.
    pub(crate) max: Duration,
    /// How long a job may take, from its creation.
    pub(crate) deadline: Duration,
    /// Where the job's callback arrives, when it was given a callback URL.
    pub(crate) callbacks: Option<BulkCallbacks>,
}

impl Default for Wait {
    fn default() -> Self {
        Wait {
            initial: Duration::from_secs(2),
            max: Duration::from_secs(60),
            deadline: Duration::from_secs(6 * 3600),
            callbacks: None,
        }
    }
}

/// A completed job: its id and result.
#[derive(Debug)]
pub(crate) struct Completed {
    pub(crate) id: ZohoId,
    pub(crate) result: BulkReadResult,
}

/// Why a job did not complete: before it had an id, or after.
pub(crate) struct Failed {
    pub(crate) id: Option<String>,
    pub(crate) error: Failure,
}

pub(crate) enum Failure {
    /// A call failed (the pipeline's error, kept as it is).
    Call(Error),
    /// The job itself failed or misbehaved.
    Export(ExportErrorKind),
}

/// Creates the job of `request` and waits for it to complete.
pub(crate) async fn run(
    client: &Client,
    request: &BulkReadRequest,
    wait: &Wait,
) -> Result<Completed, Failed> {
    let fail = |id: Option<&ZohoId>, error| Failed {
        id: id.map(|id| id.to_string()),
        error,
    };
    let created = client
        .create_bulk_read_job()
        .body(request.clone())
        .send()
        .await
        .map_err(|e| fail(None, Failure::Call(e)))?;
    let id = created
        .data
        .first()
        .and_then(|outcome| outcome.details.as_ref())
        .and_then(|job| job.id.clone())
        .ok_or_else(|| {
            fail(
                None,
                Failure::Export(ExportErrorKind::Job(
                    "the created job has no `details.id`".into(),
                )),
            )
        })?;
    tracing::debug!(job = %*id, page = request.query.page.get(), "bulk read job created");
    let started = Instant::now();
    let mut interval = wait.initial.max(Duration::from_millis(1));
    loop {
        let job = poll(client, &id).await.map_err(|e| fail(Some(&id), e))?;
        match job.state.as_ref().and_then(|s| s.known()) {
            Some(BulkReadStateKnown::Completed) => {
                let result = job.result.ok_or_else(|| {
                    fail(
                        Some(&id),
                        Failure::Export(ExportErrorKind::Job(
                            "the completed job has no `result`".into(),
                        )),
                    )
                })?;
                return Ok(Completed { id, result });
            }
            Some(BulkReadStateKnown::Failed | BulkReadStateKnown::Failure) => {
                let state = job.state.map(|s| s.to_string()).unwrap_or_default();
                return Err(fail(
                    Some(&id),
                    Failure::Export(ExportErrorKind::JobFailed { state }),
                ));
            }
            _ => {}
        }
        let waited = started.elapsed();
        let left = wait.deadline.saturating_sub(waited);
        if left.is_zero() {
            return Err(fail(
                Some(&id),
                Failure::Export(ExportErrorKind::Deadline { waited }),
            ));
        }
        let nap = interval.min(left);
        match &wait.callbacks {
            Some(callbacks) => callbacks.wait(&id, nap).await,
            None => tokio::time::sleep(nap).await,
        }
        interval = interval.saturating_mul(2).min(wait.max.max(wait.initial));
    }
}

async fn poll(client: &Client, id: &ZohoId) -> Result<BulkReadJob, Failure> {
    let answer = client
        .get_bulk_read_job()
        .job_id(id.clone())
        .send()
        .await
        .map_err(Failure::Call)?;
    let mut list = answer.into_inner();
    if list.data.is_empty() {
        return Err(Failure::Export(ExportErrorKind::Job(
            "the job's details hold no job".into(),
        )));
    }
    Ok(list.data.swap_remove(0))
}
