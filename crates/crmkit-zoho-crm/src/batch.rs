//! Per-item outcomes of batch writes.
//!
//! Zoho CRM answers a write of several records, tags, notes, variables or notification
//! channels with HTTP 200, 201 or 202 and one outcome `{code, details, message, status}` per
//! submitted item, in order — and some of them may be failures. [`BatchResponse::outcome`]
//! splits those answers into [`BatchOutcome::succeeded`] and [`BatchOutcome::failed`];
//! [`BatchOutcome::into_result`] turns any failure into a [`BatchError`] that keeps every
//! outcome.

use std::fmt;

use crate::ResponseValue;
use crate::types::{
    ActionOutcome, BulkReadCreateResult, BulkReadOutcome, NotificationOutcome,
    NotificationsWriteResult, ResultStatusKnown, TagOutcome, TagsWriteResult, VariablesWriteResult,
    WriteOutcome, WriteResult,
};

/// One item's outcome in a batch answer.
pub trait Outcome: fmt::Debug {
    /// Whether the item succeeded (`status: "success"`). Any other status — `error`, or a
    /// value this client does not know — counts as a failure.
    fn is_success(&self) -> bool;
    /// The outcome code: `SUCCESS`, or an error code such as `MANDATORY_NOT_FOUND`.
    fn code(&self) -> Option<&str>;
    /// The human-readable message.
    fn message(&self) -> Option<&str>;
}

macro_rules! outcomes {
    ($($t:ty),*) => {$(
        impl Outcome for $t {
            fn is_success(&self) -> bool {
                self.status.known() == Some(&ResultStatusKnown::Success)
            }
            fn code(&self) -> Option<&str> {
                self.code.as_deref()
            }
            fn message(&self) -> Option<&str> {
                self.message.as_deref()
            }
        }
    )*};
}

outcomes!(
    WriteOutcome,
    TagOutcome,
    ActionOutcome,
    NotificationOutcome,
    BulkReadOutcome
);

/// The outcomes of a batch, split by result. Indexes are positions in the submitted list
/// (Zoho answers in the order of submission).
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a batch may have partly failed: check `failed`, or call `into_result`"]
pub struct BatchOutcome<T = WriteOutcome> {
    /// The items that succeeded, with their positions.
    pub succeeded: Vec<(usize, T)>,
    /// The items that failed, with their positions and everything Zoho said about them.
    pub failed: Vec<(usize, T)>,
}

impl<T: Outcome> BatchOutcome<T> {
    /// Splits `outcomes` (in submission order) into successes and failures.
    pub fn new(outcomes: impl IntoIterator<Item = T>) -> Self {
        let (succeeded, failed) = outcomes
            .into_iter()
            .enumerate()
            .partition(|(_, outcome)| outcome.is_success());
        BatchOutcome { succeeded, failed }
    }

    /// Whether every item succeeded.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }

    /// The successes, or a [`BatchError`] holding every outcome when anything failed.
    pub fn into_result(self) -> Result<Vec<(usize, T)>, BatchError<T>> {
        if self.is_complete() {
            Ok(self.succeeded)
        } else {
            Err(BatchError {
                succeeded: self.succeeded,
                failed: self.failed,
            })
        }
    }
}

/// A batch write in which at least one item failed. The items in `succeeded` were written:
/// retry only the `failed` ones.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchError<T = WriteOutcome> {
    /// The items that succeeded, with their positions.
    pub succeeded: Vec<(usize, T)>,
    /// The items that failed, with their positions and Zoho's code, message and details.
    pub failed: Vec<(usize, T)>,
}

impl<T: Outcome> fmt::Display for BatchError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 5;
        let total = self.succeeded.len() + self.failed.len();
        write!(f, "{} of {total} items failed:", self.failed.len())?;
        for (index, outcome) in self.failed.iter().take(SHOWN) {
            write!(
                f,
                " #{index} {} ({});",
                outcome.code().unwrap_or("no code"),
                outcome.message().unwrap_or("no message")
            )?;
        }
        if self.failed.len() > SHOWN {
            write!(f, " and {} more", self.failed.len() - SHOWN)?;
        }
        Ok(())
    }
}

impl<T: Outcome> std::error::Error for BatchError<T> {}

/// With `?`, a partly failed batch becomes [`crmkit_runtime::Error::PartialFailure`], each
/// failed item's whole outcome kept in its `details`.
impl<T: Outcome + serde::Serialize> From<BatchError<T>> for crmkit_runtime::Error {
    fn from(e: BatchError<T>) -> Self {
        let total = e.succeeded.len() + e.failed.len();
        let failed = e
            .failed
            .iter()
            .map(|(index, outcome)| {
                let fault = crmkit_runtime::Fault {
                    code: outcome.code().map(str::to_string),
                    message: outcome.message().map(str::to_string),
                    details: serde_json::to_value(outcome).ok(),
                };
                (*index, fault)
            })
            .collect();
        crmkit_runtime::PartialFailure::new("zoho-crm", total, failed).into()
    }
}

/// An answer holding one outcome per submitted item; `outcome()` splits it.
pub trait BatchResponse {
    /// The type of one item's outcome.
    type Outcome: Outcome;
    /// The outcomes, split into successes and failures.
    fn outcome(self) -> BatchOutcome<Self::Outcome>;
}

macro_rules! batch_responses {
    ($($t:ty => $field:ident: $outcome:ty),*) => {$(
        impl BatchResponse for $t {
            type Outcome = $outcome;
            fn outcome(self) -> BatchOutcome<$outcome> {
                BatchOutcome::new(self.$field)
            }
        }
    )*};
}

batch_responses!(
    WriteResult => data: WriteOutcome,
    TagsWriteResult => tags: TagOutcome,
    VariablesWriteResult => variables: ActionOutcome,
    NotificationsWriteResult => watch: NotificationOutcome,
    BulkReadCreateResult => data: BulkReadOutcome
);

impl<R: BatchResponse> BatchResponse for ResponseValue<R> {
    type Outcome = R::Outcome;
    fn outcome(self) -> BatchOutcome<R::Outcome> {
        self.into_inner().outcome()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(json: serde_json::Value) -> WriteResult {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_partly_failed_batch_keeps_every_failure() {
        let answer = result(serde_json::json!({"data": [
            {"code": "SUCCESS", "details": {"id": "1"}, "message": "record added", "status": "success"},
            {"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Last_Name"}, "message": "required field not found", "status": "error"},
            {"code": "WARNING", "details": {}, "message": "new status", "status": "warning"}
        ]}));
        let outcome = answer.outcome();
        assert!(!outcome.is_complete());
        assert_eq!(outcome.succeeded.len(), 1);
        let err = outcome.into_result().unwrap_err();
        assert_eq!(err.failed.len(), 2, "an unknown status is not a success");
        let (index, failure) = &err.failed[0];
        assert_eq!(*index, 1);
        assert_eq!(
            failure.details.as_ref().unwrap().api_name.as_deref(),
            Some("Last_Name")
        );
        assert_eq!(
            err.to_string(),
            "2 of 3 items failed: #1 MANDATORY_NOT_FOUND (required field not found); #2 WARNING (new status);"
        );
    }

    #[test]
    fn a_partly_failed_batch_becomes_the_runtime_error_with_every_failure() {
        let answer = result(serde_json::json!({"data": [
            {"code": "SUCCESS", "details": {"id": "1"}, "message": "record added", "status": "success"},
            {"code": "INVALID_DATA", "details": {"api_name": "Email"}, "message": "invalid data", "status": "error"}
        ]}));
        let err = crmkit_runtime::Error::from(answer.outcome().into_result().unwrap_err());
        let crmkit_runtime::Error::PartialFailure(p) = &err else {
            panic!("{err:?}")
        };
        assert_eq!((p.total, p.failed.len(), p.failed[0].0), (2, 1, 1));
        assert_eq!(p.failed[0].1.code.as_deref(), Some("INVALID_DATA"));
        assert_eq!(
            p.failed[0].1.details.as_ref().unwrap()["details"]["api_name"],
            "Email"
        );
        assert!(err.to_string().contains("1 of 2 items failed"), "{err}");
    }

    #[test]
    fn a_complete_batch_is_ok() {
        let answer = result(serde_json::json!({"data": [
            {"code": "SUCCESS", "details": {"id": "1"}, "message": "record added", "status": "success"}
        ]}));
        let done = answer.outcome().into_result().unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].0, 0);
    }
}
