//! One webhook delivery attempt: vet the URL and its addresses, POST the
//! signed body to exactly those addresses, and record what happened.
//!
//! Every attempt re-runs the [`Policy`] (a name may have been re-pointed since
//! submission) and builds a client pinned to the vetted addresses, so the
//! connection cannot reach an address that was not checked: names are never
//! resolved a second time (a resolver that refuses everything backs the
//! pinned overrides), redirects are not followed and proxies are not used.

use std::error::Error as _;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::dns::{Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use url::Host;

use super::{Policy, Secret, signature_header};

/// The `User-Agent` of every delivery.
pub const USER_AGENT: &str = concat!("Shortlist-Webhooks/", env!("CARGO_PKG_VERSION"));

/// Standard Webhooks header names.
const HEADER_ID: &str = "webhook-id";
const HEADER_TIMESTAMP: &str = "webhook-timestamp";
const HEADER_SIGNATURE: &str = "webhook-signature";

/// Defaults of [`AttemptConfig`].
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024;

/// `error_kind` values recorded by an attempt (besides those of
/// [`Error::kind`](super::Error::kind)).
const KIND_TIMEOUT: &str = "timeout";
const KIND_CONNECT: &str = "connect";
const KIND_TLS: &str = "tls";
const KIND_BODY: &str = "body";
const KIND_REDIRECT: &str = "redirect";
const KIND_STATUS: &str = "status";
const KIND_REQUEST: &str = "request";
const KIND_CLIENT: &str = "client";

/// Timeouts and limits of one attempt.
#[derive(Clone, Debug)]
pub struct AttemptConfig {
    /// The limit on establishing the TCP connection. Defaults to 5 s.
    pub connect_timeout: Duration,
    /// The limit on the whole attempt, from resolving the host to the end of
    /// the response body. Defaults to 15 s.
    pub timeout: Duration,
    /// How much of the response body is read and kept. Defaults to 1024.
    pub max_response_bytes: usize,
}

impl Default for AttemptConfig {
    fn default() -> Self {
        AttemptConfig {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

/// What one attempt did, as recorded in the delivery's history.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AttemptOutcome {
    /// The HTTP status, if a response arrived.
    pub status: Option<u16>,
    /// Why the attempt failed, if it did: `blocked_address` (the policy
    /// refused an address), `invalid_url`, `dns`, `connect`, `tls`, `timeout`,
    /// `request`, `client`, `redirect` (a 3xx, not followed), `status` (any
    /// other non-2xx) or `body` (reading the response failed). A 2xx whose
    /// body could not be read is still a success, with kind `body` or `timeout`.
    pub error_kind: Option<String>,
    /// Wall time of the attempt, in milliseconds.
    pub duration_ms: u64,
    /// The first `max_response_bytes` of the response body, as lossy UTF-8.
    pub response_prefix: String,
    /// The response's `Retry-After`, in delta-seconds or as an HTTP-date.
    pub retry_after: Option<Duration>,
}

impl AttemptOutcome {
    /// Whether the receiver answered 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// Whether the receiver answered 410 Gone: the endpoint is retired, stop retrying.
    pub fn is_gone(&self) -> bool {
        self.status == Some(410)
    }
}

/// What [`run`] found, before the duration is stamped on.
#[derive(Default)]
struct Partial {
    status: Option<u16>,
    error_kind: Option<&'static str>,
    response_prefix: String,
    retry_after: Option<Duration>,
}

impl Partial {
    fn failed(kind: &'static str) -> Partial {
        Partial {
            error_kind: Some(kind),
            ..Partial::default()
        }
    }
}

/// One POST: [`Policy::check_url`] + [`Policy::vet`] (every attempt), then a
/// client pinned to the vetted addresses, with no redirects, no proxy and the
/// timeouts of `config`. Headers: `content-type: application/json`,
/// `user-agent:` [`USER_AGENT`], `webhook-id`, `webhook-timestamp` and
/// `webhook-signature` (omitted when `secrets` is empty). Never errors:
/// failures are in the outcome.
pub async fn attempt(
    policy: &Policy,
    config: &AttemptConfig,
    url: &str,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    secrets: &[Secret],
) -> AttemptOutcome {
    let started = Instant::now();
    let partial = run(policy, config, url, msg_id, timestamp, body, secrets).await;
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    if let Some(kind) = partial.error_kind {
        tracing::debug!(
            webhook.msg_id = %msg_id,
            webhook.status = ?partial.status,
            error.kind = kind,
            duration_ms,
            "Webhook attempt failed."
        );
    }
    AttemptOutcome {
        status: partial.status,
        error_kind: partial.error_kind.map(str::to_string),
        duration_ms,
        response_prefix: partial.response_prefix,
        retry_after: partial.retry_after,
    }
}

/// The body of [`attempt`], returning early at the first failure.
async fn run(
    policy: &Policy,
    config: &AttemptConfig,
    url: &str,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    secrets: &[Secret],
) -> Partial {
    let deadline = Instant::now() + config.timeout;
    let target = match policy.check_url(url) {
        Ok(target) => target,
        Err(e) => {
            tracing::debug!(error = %e, "Webhook URL refused.");
            return Partial::failed(e.kind());
        }
    };
    let addrs = match tokio::time::timeout_at(deadline.into(), policy.vet(&target)).await {
        Err(_elapsed) => return Partial::failed(KIND_TIMEOUT),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "Webhook address refused.");
            return Partial::failed(e.kind());
        }
        Ok(Ok(addrs)) => addrs,
    };

    // One client per attempt, not the shared client of STYLE §7: the pinned
    // addresses are a builder setting, and they change with every vetting.
    // Building one costs far less than the network round trip it serves.
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .https_only(!policy.allow_http)
        .user_agent(USER_AGENT)
        .connect_timeout(config.connect_timeout)
        .timeout(deadline.saturating_duration_since(Instant::now()))
        .dns_resolver(Arc::new(NoResolve));
    // An IP-literal URL is never resolved (reqwest connects to the literal,
    // which `vet` checked); a name connects only to its vetted addresses.
    if let Some(Host::Domain(domain)) = target.url.host() {
        builder = builder.resolve_to_addrs(domain, &addrs);
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(e) => {
            tracing::warn!(error = %e, "Could not build the webhook HTTP client.");
            return Partial::failed(KIND_CLIENT);
        }
    };

    let mut request = client
        .post(target.url)
        .header(CONTENT_TYPE, "application/json")
        .header(HEADER_ID, msg_id)
        .header(HEADER_TIMESTAMP, timestamp.to_string());
    if !secrets.is_empty() {
        request = request.header(
            HEADER_SIGNATURE,
            signature_header(secrets, msg_id, timestamp, body),
        );
    }
    let mut response = match request.body(body.to_vec()).send().await {
        Ok(response) => response,
        Err(e) => return Partial::failed(send_error_kind(&e)),
    };

    let status = response.status().as_u16();
    let retry_after = parse_retry_after(response.headers(), SystemTime::now());
    let mut kept: Vec<u8> = Vec::new();
    let mut read_error = None;
    // Read only what is kept: the rest is dropped with the connection.
    while kept.len() < config.max_response_bytes {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = config.max_response_bytes - kept.len();
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) => break,
            Err(e) => {
                read_error = Some(if e.is_timeout() {
                    KIND_TIMEOUT
                } else {
                    KIND_BODY
                });
                break;
            }
        }
    }
    let error_kind = read_error.or(match status {
        200..=299 => None,
        300..=399 => Some(KIND_REDIRECT),
        _ => Some(KIND_STATUS),
    });
    Partial {
        status: Some(status),
        error_kind,
        response_prefix: lossy_prefix(&kept),
        retry_after,
    }
}

/// A resolver that resolves nothing. The client's only addresses are the
/// vetted overrides; should a name ever miss them, the attempt fails rather
/// than resolving the name a second time.
struct NoResolve;

impl Resolve for NoResolve {
    fn resolve(&self, name: Name) -> Resolving {
        let message = format!("{} was not vetted; refusing to resolve it", name.as_str());
        Box::pin(std::future::ready(Err(message.into())))
    }
}

/// The `error_kind` of a request that got no response.
fn send_error_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        KIND_TIMEOUT
    } else if error.is_connect() {
        if is_tls_failure(error) {
            KIND_TLS
        } else {
            KIND_CONNECT
        }
    } else if error.is_builder() {
        KIND_CLIENT
    } else {
        KIND_REQUEST
    }
}

/// Whether a connect error came from the TLS handshake. tokio-rustls reports
/// handshake failures (bad certificate, not TLS at all) as an `io::Error` of
/// kind `InvalidData`, which hyper-util wraps in another `io::Error`; TCP
/// failures are refused, reset, unreachable and the like.
fn is_tls_failure(error: &reqwest::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = error.source();
    while let Some(cause) = next {
        next = match cause.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::InvalidData => return true,
            // `io::Error::source` skips the wrapped error itself: look at it.
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner),
                None => io.source(),
            },
            None => cause.source(),
        };
    }
    false
}

/// Lossy UTF-8 of a body prefix. A character cut in half by the byte limit
/// is dropped rather than shown as U+FFFD.
fn lossy_prefix(bytes: &[u8]) -> String {
    let mut end = bytes.len();
    // Find where the last character starts (at most 3 bytes back) and drop
    // it if it is incomplete.
    for cut in (bytes.len().saturating_sub(3)..bytes.len()).rev() {
        if bytes[cut] & 0xC0 != 0x80 {
            if let Err(e) = std::str::from_utf8(&bytes[cut..])
                && e.error_len().is_none()
            {
                end = cut;
            }
            break;
        }
    }
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// `Retry-After` as a delay: delta-seconds, or an HTTP-date in any of the three forms a
/// recipient must accept (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT`, asctime `Sun Nov  6 08:49:37 1994`; RFC 9110
/// §5.6.7) relative to `now` (a date in the past is a zero delay). Anything else is
/// ignored.
fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Huge values saturate; the retry policy clamps them anyway.
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests;
