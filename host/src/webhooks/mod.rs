//! Webhook delivery building blocks: Standard Webhooks signing ([`sign`],
//! [`verify`], [`Secret`]), the SSRF policy that vets every target URL and
//! address ([`Policy`]), one delivery attempt ([`attempt()`]) and the retry
//! schedule ([`RetryPolicy`]).
//!
//! None of this touches the database or the job queue: the worker that owns a
//! delivery job calls [`attempt()`], records the [`AttemptOutcome`], and asks
//! [`RetryPolicy::next_delay`] when (and whether) to try again.

mod attempt;
mod policy;
mod retry;
mod signing;

pub use attempt::{AttemptConfig, AttemptOutcome, USER_AGENT, attempt};
pub use policy::{Cidr, Policy, Target, is_public, parse_cidrs};
pub use retry::RetryPolicy;
pub use signing::{SECRET_PREFIX, Secret, sign, signature_header, verify};

/// `error_kind` of a target refused by the policy: an address that is not public.
const KIND_BLOCKED_ADDRESS: &str = "blocked_address";
/// `error_kind` of a URL that fails the syntactic checks at attempt time.
const KIND_INVALID_URL: &str = "invalid_url";
/// `error_kind` of a host that could not be resolved, or resolved to nothing.
const KIND_DNS: &str = "dns";
/// `error_kind` of a failure that is not about the target (e.g. a secret).
const KIND_INTERNAL: &str = "internal";

/// A webhook failure: a bad secret, CIDR or schedule in the configuration, or
/// a webhook URL the [`Policy`] refuses. Messages are full sentences fit to
/// show the user who submitted the URL.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A signing secret that is not `whsec_` + base64 of 24 to 64 bytes.
    /// Fatal where it is loaded; never retried.
    #[error("the webhook signing secret is invalid: {0}")]
    InvalidSecret(String),
    /// The system random source failed while generating a secret. Returns 500
    /// upstream; the caller may try again.
    #[error("could not generate a webhook signing secret: the system random source failed: {0}")]
    Random(getrandom::Error),
    /// An allow-list entry that is not a CIDR. Fatal at start-up.
    #[error("{text:?} is not a valid CIDR: {reason}")]
    InvalidCidr {
        /// The entry as written.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A retry schedule that does not parse. Fatal at start-up.
    #[error("{text:?} is not a valid retry schedule: {reason}")]
    InvalidSchedule {
        /// The schedule (or the entry) as written.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The webhook URL does not parse, or has no usable host or port. Returns
    /// 422 at submission; an attempt records `invalid_url`.
    #[error("webhook_url is not a valid URL: {0}")]
    InvalidUrl(String),
    /// The webhook URL's scheme is not allowed (`https`, and `http` only with
    /// [`Policy::allow_http`]). Returns 422 at submission.
    #[error("webhook_url must use {allowed}")]
    Scheme {
        /// The schemes that are allowed, in words (`https` or `https or http`).
        allowed: &'static str,
    },
    /// The webhook URL carries a user name or password. Returns 422 at submission.
    #[error("webhook_url must not contain credentials (user:password@)")]
    Credentials,
    /// The webhook URL's host is, or resolves to, an address the policy
    /// refuses. Returns 422 at submission; an attempt records `blocked_address`.
    #[error("webhook_url resolves to {ip}, {reason}")]
    Blocked {
        /// The refused address.
        ip: std::net::IpAddr,
        /// Why it is refused, e.g. "a loopback address".
        reason: String,
    },
    /// Resolving the webhook host failed. Returns 422 at submission; an
    /// attempt records `dns` and is retried.
    #[error("webhook_url host {host} could not be resolved: {source}")]
    Dns {
        /// The host name.
        host: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// The webhook host resolved to no address at all. Like [`Error::Dns`].
    #[error("webhook_url host {host} resolves to no address")]
    NoAddresses {
        /// The host name.
        host: String,
    },
}

/// A `Result` whose error defaults to [`webhooks::Error`](Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The `error_kind` an attempt records for this error: `blocked_address`,
    /// `invalid_url`, `dns` or `internal`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Blocked { .. } => KIND_BLOCKED_ADDRESS,
            Error::InvalidUrl(_) | Error::Scheme { .. } | Error::Credentials => KIND_INVALID_URL,
            Error::Dns { .. } | Error::NoAddresses { .. } => KIND_DNS,
            Error::InvalidSecret(_)
            | Error::Random(_)
            | Error::InvalidCidr { .. }
            | Error::InvalidSchedule { .. } => KIND_INTERNAL,
        }
    }
}
