//! Credits: what one call costs against a vendor's rolling budget (Zoho CRM's API credits),
//! and the in-process ledger that refuses a call which would overspend it.
//!
//! The cost of each operation is metadata generated from the spec (`x-crmkit-credits`):
//! a base cost (1 unless said otherwise: 2 for deleted-record ids, 5 for a lead conversion,
//! 50 for a bulk-read job), a different cost when a query parameter is present (3 for a
//! list with `cvid`), or one credit per so many items of the request (1 per 10 records
//! inserted, updated or upserted; 1 per 50 records tagged). A fleet shares one ledger on
//! Redis (`crmkit-redis`); [`CreditLedger`] is the same ledger for one process.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use reqwest::Request;

use super::limits::{Call, Limiter, Slot};
use crate::error::{Error, LimitError, LimitKind};

/// Where a request keeps the items its cost is counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemsAt {
    /// A JSON array under this key of the request body (`data`).
    Body(&'static str),
    /// A comma-separated query parameter (`ids`).
    Query(&'static str),
}

/// The credit cost of an operation (`x-crmkit-credits`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credits {
    /// The cost of one call.
    pub base: u32,
    /// The cost instead when this query parameter is present.
    pub with_query: Option<(&'static str, u32)>,
    /// One credit per this many items (at least one credit), instead of `base`.
    pub per_items: Option<(u32, ItemsAt)>,
}

impl Credits {
    /// One credit per call: every operation the spec says nothing about.
    pub const ONE: Credits = Credits {
        base: 1,
        with_query: None,
        per_items: None,
    };

    /// What `request` costs.
    pub fn of(&self, request: &Request) -> u32 {
        if let Some((per, at)) = self.per_items {
            let items = match at {
                ItemsAt::Query(name) => request
                    .url()
                    .query_pairs()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.split(',').filter(|s| !s.is_empty()).count())
                    .unwrap_or(0),
                ItemsAt::Body(key) => request
                    .body()
                    .and_then(reqwest::Body::as_bytes)
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                    .and_then(|v| v.get(key).and_then(|a| a.as_array()).map(Vec::len))
                    .unwrap_or(0),
            };
            let items = u32::try_from(items).unwrap_or(u32::MAX);
            return items.div_ceil(per.max(1)).max(1);
        }
        if let Some((name, cost)) = self.with_query
            && request.url().query_pairs().any(|(k, _)| k == name)
        {
            return cost;
        }
        self.base
    }
}

/// A Zoho CRM edition, for its credit budget and concurrency limit (the seed's tables).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Edition {
    /// Free: 5,000 credits, 5 concurrent calls.
    Free,
    /// Standard: 5,000 + 250 per licence (at most 100,000); 10 concurrent calls.
    Standard,
    /// Professional: 10,000 + 500 per licence (at most 200,000); 15 concurrent calls.
    Professional,
    /// Enterprise, Zoho One, CRM Plus: 10,000 + 1,000 per licence (at most 500,000); 20.
    Enterprise,
    /// Ultimate: 10,000 + 1,000 per licence (at most 1,000,000); 25 concurrent calls.
    Ultimate,
}

impl Edition {
    /// Credits per rolling 24 hours for an organisation with `licences` user licences.
    pub fn credits(self, licences: u32) -> u64 {
        let (base, per, max) = match self {
            Edition::Free => (5_000, 0, 5_000),
            Edition::Standard => (5_000, 250, 100_000),
            Edition::Professional => (10_000, 500, 200_000),
            Edition::Enterprise => (10_000, 1_000, 500_000),
            Edition::Ultimate => (10_000, 1_000, 1_000_000),
        };
        (base + u64::from(licences) * per).min(max)
    }

    /// Concurrent calls allowed per user and app.
    pub fn concurrency(self) -> usize {
        match self {
            Edition::Free => 5,
            Edition::Standard => 10,
            Edition::Professional => 15,
            Edition::Enterprise => 20,
            Edition::Ultimate => 25,
        }
    }
}

/// Zoho's credit window: a rolling 24 hours from each call.
pub const WINDOW: Duration = Duration::from_secs(86_400);

/// A rolling 24-hour credit budget in this process: a call that would overspend it is
/// refused before it is sent ([`LimitKind::Credits`]).
#[derive(Clone, Debug)]
pub struct CreditLedger {
    budget: u64,
    spent: Arc<Mutex<VecDeque<(SystemTime, u32)>>>,
}

impl CreditLedger {
    /// A ledger of `budget` credits per rolling 24 hours ([`Edition::credits`]).
    pub fn new(budget: u64) -> Self {
        CreditLedger {
            budget,
            spent: Arc::default(),
        }
    }

    /// Credits left in the window now.
    pub fn credits_left(&self) -> u64 {
        let now = SystemTime::now();
        match self.spent.lock() {
            Ok(mut spent) => self.budget.saturating_sub(total(&mut spent, now)),
            Err(_) => 0,
        }
    }
}

/// Drops entries older than the window and sums the rest.
fn total(spent: &mut VecDeque<(SystemTime, u32)>, now: SystemTime) -> u64 {
    while spent
        .front()
        .is_some_and(|(t, _)| now.duration_since(*t).is_ok_and(|age| age >= WINDOW))
    {
        spent.pop_front();
    }
    spent.iter().map(|(_, c)| u64::from(*c)).sum()
}

impl Limiter for CreditLedger {
    fn acquire<'a>(&'a self, call: &'a Call) -> BoxFuture<'a, Result<Slot, Error>> {
        let now = SystemTime::now();
        let result = match self.spent.lock() {
            Ok(mut spent) => {
                let used = total(&mut spent, now);
                let left = self.budget.saturating_sub(used);
                if u64::from(call.credits) > left {
                    Err(call.refused(LimitKind::Credits {
                        needed: call.credits,
                        left,
                        budget: self.budget,
                        frees_at: spent.front().map(|(t, _)| *t + WINDOW),
                    }))
                } else {
                    spent.push_back((now, call.credits));
                    Ok(Slot::free())
                }
            }
            Err(_) => Err(Error::from(LimitError {
                vendor: call.vendor,
                operation: call.operation,
                kind: LimitKind::Unavailable {
                    limiter: "credit ledger",
                    reason: "lock poisoned".into(),
                },
            })),
        };
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str, body: Option<&str>) -> Request {
        let client = reqwest::Client::new();
        let mut b = client.post(url);
        if let Some(body) = body {
            b = b.body(body.to_string());
        }
        b.build().unwrap()
    }

    #[test]
    fn costs_follow_the_seed_table() {
        let list = Credits {
            base: 1,
            with_query: Some(("cvid", 3)),
            per_items: None,
        };
        assert_eq!(list.of(&request("https://x/crm/v2/Leads", None)), 1);
        assert_eq!(list.of(&request("https://x/crm/v2/Leads?cvid=7", None)), 3);
        let insert = Credits {
            base: 1,
            with_query: None,
            per_items: Some((10, ItemsAt::Body("data"))),
        };
        let records = |n: usize| format!("{{\"data\":[{}]}}", vec!["{}"; n].join(","));
        for (n, cost) in [(0, 1), (1, 1), (10, 1), (11, 2), (100, 10)] {
            assert_eq!(
                insert.of(&request("https://x/", Some(&records(n)))),
                cost,
                "{n}"
            );
        }
        let tags = Credits {
            base: 1,
            with_query: None,
            per_items: Some((50, ItemsAt::Query("ids"))),
        };
        let ids = vec!["1"; 120].join(",");
        assert_eq!(tags.of(&request(&format!("https://x/?ids={ids}"), None)), 3);
        assert_eq!(Edition::Standard.credits(10), 7_500);
        assert_eq!(Edition::Enterprise.credits(500), 500_000);
    }

    #[tokio::test]
    async fn the_ledger_refuses_what_would_overspend() {
        let ledger = CreditLedger::new(12);
        let call = |credits| Call {
            vendor: "zoho-crm",
            operation: "insert_records",
            credits,
        };
        ledger.acquire(&call(10)).await.unwrap();
        let e = ledger.acquire(&call(3)).await.unwrap_err();
        assert!(e.is_throttled(), "{e}");
        assert_eq!(ledger.credits_left(), 2);
        ledger.acquire(&call(2)).await.unwrap();
        assert_eq!(ledger.credits_left(), 0);
    }
}
