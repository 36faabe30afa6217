//! Request ids and the access log. Every request gets an id: the client's `X-Request-Id`
//! when it sends a usable one (1 to 128 visible ASCII characters), else a new one. The
//! id is echoed in the response's `X-Request-Id`, carried by the request's span (so every
//! line logged while handling it names it), and logged with one access line when the
//! request is answered: method, route, path, status and latency. The query string is
//! never logged: an audit link's signature is in it.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The request id's header, in requests and responses.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a client.
const MAX_REQUEST_ID: usize = 128;

/// Tags the request with its id, answers it, and logs it.
pub(crate) async fn log(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| usable(id))
        .map_or_else(new_id, str::to_owned);
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("-", MatchedPath::as_str)
        .to_owned();
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!(
        "request",
        request.id = %id,
        http.method = %method,
        http.route = %route
    );
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let header = HeaderValue::from_str(&id).expect("a request id is visible ASCII");
    response.headers_mut().insert(REQUEST_ID_HEADER, header);
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _in = span.enter();
    let line = format!("{method} {path} {status}");
    if response.status().is_server_error() {
        tracing::warn!(target: "shortlist_host::access", status, path = %path, latency_ms, "{line}");
    } else {
        tracing::info!(target: "shortlist_host::access", status, path = %path, latency_ms, "{line}");
    }
    response
}

/// Whether a client's request id can be taken as it is.
fn usable(id: &str) -> bool {
    (1..=MAX_REQUEST_ID).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// A new request id: `req_` and 16 random hex digits.
fn new_id() -> String {
    let mut bytes = [0u8; 8];
    // An id is for correlating log lines, not a secret: a clock-derived one will do if
    // the system's randomness is unavailable.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64)
            .to_le_bytes();
    }
    format!("req_{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clients_id_is_taken_only_when_it_is_visible_ascii_and_short() {
        assert!(usable("a1b2-c3d4"));
        assert!(usable(&"x".repeat(128)));
        assert!(!usable(""));
        assert!(!usable(&"x".repeat(129)));
        assert!(!usable("two words"));
        assert!(!usable("caf\u{e9}"));
        let id = new_id();
        assert!(
            id.starts_with("req_") && id.len() == 20 && usable(&id),
            "{id}"
        );
        assert_ne!(new_id(), id);
    }
}
