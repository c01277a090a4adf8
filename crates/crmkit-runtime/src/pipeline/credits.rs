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

/// Runs `charge` until it succeeds; while it is refused for credits that free up within
/// `max` from now, waits until they do and tries again. Any other refusal, or credits
/// freeing later than that, is returned at once.
pub async fn waiting_for_credits<F, Fut>(max: Duration, mut charge: F) -> Result<Slot, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Slot, Error>>,
{
    let deadline = SystemTime::now().checked_add(max);
    loop {
        match charge().await {
            Err(Error::Limit(e)) => {
                let frees_at = match e.kind {
                    LimitKind::Credits {
                        frees_at: Some(at), ..
                    } if deadline.is_some_and(|d| at <= d) => at,
                    _ => return Err(Error::Limit(e)),
                };
                let wait = frees_at
                    .duration_since(SystemTime::now())
                    .unwrap_or_default()
                    .max(Duration::from_millis(1));
                tracing::debug!(
                    wait_ms = wait.as_millis() as u64,
                    "waiting for credits to free up"
                );
                tokio::time::sleep(wait).await;
            }
            other => return other,
        }
    }
}

/// A rolling credit budget in this process (Zoho's: 24 hours): a call that would overspend
/// it is refused before it is sent ([`LimitKind::Credits`]), or — with
/// [`CreditLedger::wait_up_to`] — waits for credits that free up soon enough.
#[derive(Clone, Debug)]
pub struct CreditLedger {
    budget: u64,
    window: Duration,
    wait: Duration,
    spent: Arc<Mutex<VecDeque<(SystemTime, u32)>>>,
}

impl CreditLedger {
    /// A ledger of `budget` credits per rolling 24 hours ([`Edition::credits`]).
    pub fn new(budget: u64) -> Self {
        CreditLedger {
            budget,
            window: WINDOW,
            wait: Duration::ZERO,
            spent: Arc::default(),
        }
    }

    /// The rolling window (default 24 hours, Zoho's).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Instead of failing at once, wait up to `max` for the credits a call needs to free
    /// up (default: no wait).
    pub fn wait_up_to(mut self, max: Duration) -> Self {
        self.wait = max;
        self
    }

    /// Credits left in the window now.
    pub fn credits_left(&self) -> u64 {
        let now = SystemTime::now();
        match self.spent.lock() {
            Ok(mut spent) => self
                .budget
                .saturating_sub(total(&mut spent, now, self.window)),
            Err(_) => 0,
        }
    }

    fn charge(&self, call: &Call) -> Result<Slot, Error> {
        let now = SystemTime::now();
        match self.spent.lock() {
            Ok(mut spent) => {
                let used = total(&mut spent, now, self.window);
                let left = self.budget.saturating_sub(used);
                if u64::from(call.credits) > left {
                    Err(call.refused(LimitKind::Credits {
                        needed: call.credits,
                        left,
                        budget: self.budget,
                        frees_at: spent.front().map(|(t, _)| *t + self.window),
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
        }
    }
}

/// Drops entries older than the window and sums the rest.
fn total(spent: &mut VecDeque<(SystemTime, u32)>, now: SystemTime, window: Duration) -> u64 {
    while spent
        .front()
        .is_some_and(|(t, _)| now.duration_since(*t).is_ok_and(|age| age >= window))
    {
        spent.pop_front();
    }
    spent.iter().map(|(_, c)| u64::from(*c)).sum()
}

impl Limiter for CreditLedger {
    fn acquire<'a>(&'a self, call: &'a Call) -> BoxFuture<'a, Result<Slot, Error>> {
        Box::pin(waiting_for_credits(self.wait, move || {
            let result = self.charge(call);
            async move { result }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str, body: Option<&str>) -> Request {
        let mut request = Request::new(reqwest::Method::POST, url.parse().unwrap());
        *request.body_mut() = body.map(|b| reqwest::Body::from(b.to_string()));
        request
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

    #[tokio::test]
    async fn by_policy_a_call_waits_for_credits_to_free_up() {
        let call = Call {
            vendor: "zoho-crm",
            operation: "list_records",
            credits: 2,
        };
        let waiting = CreditLedger::new(2)
            .window(Duration::from_millis(300))
            .wait_up_to(Duration::from_secs(2));
        waiting.acquire(&call).await.unwrap();
        let started = std::time::Instant::now();
        waiting.acquire(&call).await.unwrap();
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
        let impatient = CreditLedger::new(2)
            .window(Duration::from_secs(60))
            .wait_up_to(Duration::from_millis(100));
        impatient.acquire(&call).await.unwrap();
        assert!(
            impatient.acquire(&call).await.is_err(),
            "the credits free too late"
        );
    }
}
