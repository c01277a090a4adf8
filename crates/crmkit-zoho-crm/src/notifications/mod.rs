//! Instant notifications, from the receiver's side: a POST to a channel's `notify_url` (or
//! to a bulk read job's callback URL) checked and decoded whatever the web framework
//! ([`verify_and_parse`], [`parse_bulk_callback`]), and channels kept alive by renewing
//! their subscription before `channel_expiry` ([`Renewal`]).
//!
//! Subscribing, reading and disabling channels are the generated operations of
//! [`ClientNotificationsExt`](crate::ClientNotificationsExt).

mod receive;
/// Renewing a subscription calls the `notifications` tag's operations.
#[cfg(feature = "notifications")]
mod renew;

pub use receive::{MAX_CALLBACK_BYTES, ReceiveError, parse_bulk_callback, verify_and_parse};
#[cfg(feature = "notifications")]
pub use renew::{MAX_LIFETIME, Renewal};
