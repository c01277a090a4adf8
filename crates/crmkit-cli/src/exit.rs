//! Exit codes, one per kind of failure, and how a failure is printed on stderr.

use std::fmt;

use crmkit::Error;

/// A mistake in the command line that clap cannot see (a body that is not JSON, a missing
/// credential): exit code 2, like clap's own usage errors.
#[derive(Debug)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// The exit codes, as documented in the README ("From the shell").
pub mod code {
    /// A failure that is none of the kinds below (a profile file that cannot be read).
    pub const OTHER: u8 = 1;
    /// The command line is wrong (clap's usage errors too).
    pub const USAGE: u8 = 2;
    /// The vendor answered with an error.
    pub const API: u8 = 3;
    /// Credentials refused or not obtainable (the token endpoint failed, a login's
    /// redirect refused).
    pub const AUTH: u8 = 4;
    /// No usable answer: connection failed, timed out, broke off, or a refused redirect.
    pub const TRANSPORT: u8 = 5;
    /// The vendor answered, but not what the API describes.
    pub const DECODE: u8 = 6;
    /// A batch write in which some items failed (the others were written).
    pub const PARTIAL: u8 = 7;
    /// A client-side limit refused the call unsent.
    pub const LIMIT: u8 = 8;
    /// A bulk export did not deliver what its job promised.
    pub const EXPORT: u8 = 9;
}

/// The exit code of a failure.
pub fn code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<Usage>().is_some() {
        return code::USAGE;
    }
    if err.downcast_ref::<crmkit::AuthError>().is_some() {
        return code::AUTH;
    }
    let Some(err) = err.downcast_ref::<Error>() else {
        return code::OTHER;
    };
    if err.is_auth() {
        return code::AUTH;
    }
    match err {
        Error::Api(_) => code::API,
        Error::Auth(_) => code::AUTH,
        Error::Decode(_) => code::DECODE,
        Error::Transport(_) | Error::Redirect(_) => code::TRANSPORT,
        Error::PartialFailure(_) => code::PARTIAL,
        Error::Limit(_) => code::LIMIT,
        Error::Export(_) => code::EXPORT,
        Error::InvalidRequest(_) | Error::Config(_) => code::USAGE,
        _ => code::OTHER,
    }
}

/// The failure as printed on stderr: one line `crmkit: …`, then for a vendor's error its
/// code, message and details, and for a partial batch the items that failed, as JSON.
pub fn report(err: &anyhow::Error) -> String {
    let mut out = format!("crmkit: {err:#}\n");
    match err.downcast_ref::<Error>() {
        Some(Error::Api(api)) => {
            let detail = serde_json::json!({
                "vendor": api.vendor,
                "operation": api.operation,
                "status": api.status.as_u16(),
                "code": api.code.as_ref().map(|c| c.to_string()),
                "message": api.message,
                "details": api.details,
            });
            out.push_str(&format!("{detail}\n"));
        }
        Some(Error::PartialFailure(p)) => {
            let items = |list: &[(usize, crmkit::Fault)]| {
                list.iter()
                    .map(|(index, f)| {
                        serde_json::json!({
                            "index": index,
                            "code": f.code,
                            "message": f.message,
                            "details": f.details,
                        })
                    })
                    .collect::<Vec<_>>()
            };
            let detail = serde_json::json!({
                "vendor": p.vendor,
                "operation": p.operation,
                "total": p.total,
                "succeeded": items(&p.succeeded),
                "failed": items(&p.failed),
            });
            out.push_str(&format!("{detail}\n"));
        }
        _ => {}
    }
    out
}
