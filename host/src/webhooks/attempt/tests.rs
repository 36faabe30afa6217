//! Tests of one delivery attempt against a tiny HTTP server on loopback, and
//! of the response helpers (Retry-After, the body prefix).

use std::net::SocketAddr;
use std::time::UNIX_EPOCH;

use reqwest::header::HeaderValue;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::*;
use crate::webhooks::{parse_cidrs, verify};

const MSG_ID: &str = "msg_2mV0h3Xc9qf";
const TIMESTAMP: i64 = 1_714_000_000;
const BODY: &[u8] = br#"{"job_id":"job_1","status":"succeeded"}"#;
/// The most a test server reads of one request.
const MAX_REQUEST: usize = 64 * 1024;

/// A request as the test server saw it.
#[derive(Debug)]
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the test server does with one connection.
enum Reply {
    /// Write these bytes and close.
    Canned(Vec<u8>),
    /// Read the request and then say nothing (for a bounded while).
    Silent,
    /// Write these bytes at once, without reading a request, and close.
    Blurt(&'static [u8]),
}

/// A server on 127.0.0.1:0 that answers `replies.len()` connections in turn,
/// one request each, and reports every request it reads.
async fn serve(replies: Vec<Reply>) -> (SocketAddr, mpsc::UnboundedReceiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        for reply in replies {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            if let Reply::Blurt(bytes) = reply {
                let _ = stream.write_all(bytes).await;
                let _ = stream.shutdown().await;
                continue;
            }
            if let Some(seen) = read_request(&mut stream).await {
                let _ = tx.send(seen);
            }
            match reply {
                Reply::Canned(bytes) => {
                    let _ = stream.write_all(&bytes).await;
                    let _ = stream.shutdown().await;
                }
                Reply::Silent => tokio::time::sleep(Duration::from_secs(10)).await,
                Reply::Blurt(_) => {}
            }
        }
    });
    (addr, rx)
}

/// Reads one HTTP/1.1 request with a Content-Length body.
async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_REQUEST {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
        .min(MAX_REQUEST);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        request_line,
        headers,
        body,
    })
}

fn response(status_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut out = format!("HTTP/1.1 {status_line}\r\nConnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Reply::Canned(bytes)
}

/// The policy of these tests: plain http to loopback.
fn loopback_policy() -> Policy {
    Policy {
        allow_cidrs: parse_cidrs("127.0.0.0/8, ::1/128").unwrap(),
        allow_http: true,
    }
}

fn secrets() -> Vec<Secret> {
    vec![Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()]
}

async fn post(policy: &Policy, config: &AttemptConfig, url: &str) -> AttemptOutcome {
    attempt(policy, config, url, MSG_ID, TIMESTAMP, BODY, &secrets()).await
}

#[tokio::test]
async fn a_200_is_a_success_with_the_first_kib_of_the_body() {
    let body: Vec<u8> = (0..3000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let (addr, mut seen) = serve(vec![response("200 OK", &[], &body)]).await;
    let url = format!("http://{addr}/hooks/shortlist?x=1");
    let outcome = post(&loopback_policy(), &AttemptConfig::default(), &url).await;

    assert_eq!(outcome.status, Some(200));
    assert_eq!(outcome.error_kind, None);
    assert!(outcome.is_success() && !outcome.is_gone());
    assert_eq!(outcome.response_prefix.as_bytes(), &body[..1024]);
    assert_eq!(outcome.retry_after, None);
    assert!(outcome.duration_ms < 15_000);

    let request = seen.recv().await.unwrap();
    assert_eq!(request.request_line, "POST /hooks/shortlist?x=1 HTTP/1.1");
    assert_eq!(request.body, BODY);
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("user-agent"), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with("Shortlist-Webhooks/"));
    assert_eq!(request.header("webhook-id"), Some(MSG_ID));
    assert_eq!(request.header("webhook-timestamp"), Some("1714000000"));
    let signature = request.header("webhook-signature").unwrap();
    assert!(verify(&secrets(), MSG_ID, TIMESTAMP, BODY, signature));
    assert_eq!(request.header("host"), Some(addr.to_string().as_str()));
}

#[tokio::test]
async fn a_name_is_pinned_to_its_vetted_address() {
    let (addr, mut seen) = serve(vec![response("204 No Content", &[], b"")]).await;
    let url = format!("http://localhost:{}/hook", addr.port());
    let outcome = post(&loopback_policy(), &AttemptConfig::default(), &url).await;
    // If localhost also resolves to ::1, that address has no server; the
    // pinned client then falls back to 127.0.0.1 (happy eyeballs).
    assert_eq!(outcome.status, Some(204), "{outcome:?}");
    assert!(outcome.is_success());
    let request = seen.recv().await.unwrap();
    assert_eq!(
        request.header("host"),
        Some(format!("localhost:{}", addr.port()).as_str())
    );
}

#[tokio::test]
async fn a_redirect_is_a_failure_and_is_not_followed() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere = listener.local_addr().unwrap();
    let location = format!("http://{elsewhere}/followed");
    let (addr, mut seen) = serve(vec![
        response("302 Found", &[("Location", &location)], b"moved"),
        response("200 OK", &[], b"followed"),
    ])
    .await;
    let outcome = post(
        &loopback_policy(),
        &AttemptConfig::default(),
        &format!("http://{addr}/hook"),
    )
    .await;

    assert_eq!(outcome.status, Some(302));
    assert_eq!(outcome.error_kind.as_deref(), Some("redirect"));
    assert!(!outcome.is_success());
    assert_eq!(outcome.response_prefix, "moved");
    assert_eq!(
        seen.recv().await.unwrap().request_line,
        "POST /hook HTTP/1.1"
    );
    assert!(
        seen.try_recv().is_err(),
        "a second request reached the server"
    );
    let knock = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(knock.is_err(), "the Location target was contacted");
}

#[tokio::test]
async fn a_503_with_retry_after_reports_the_delay() {
    let (addr, _seen) = serve(vec![response(
        "503 Service Unavailable",
        &[("Retry-After", "7")],
        b"busy",
    )])
    .await;
    let outcome = post(
        &loopback_policy(),
        &AttemptConfig::default(),
        &format!("http://{addr}/"),
    )
    .await;
    assert_eq!(outcome.status, Some(503));
    assert_eq!(outcome.error_kind.as_deref(), Some("status"));
    assert_eq!(outcome.retry_after, Some(Duration::from_secs(7)));
    assert_eq!(outcome.response_prefix, "busy");
}

#[tokio::test]
async fn a_410_is_gone() {
    let (addr, _seen) = serve(vec![response("410 Gone", &[], b"")]).await;
    let outcome = post(
        &loopback_policy(),
        &AttemptConfig::default(),
        &format!("http://{addr}/"),
    )
    .await;
    assert_eq!(outcome.status, Some(410));
    assert!(outcome.is_gone() && !outcome.is_success());
}

#[tokio::test]
async fn a_silent_server_hits_the_timeout() {
    let (addr, mut seen) = serve(vec![Reply::Silent]).await;
    let config = AttemptConfig {
        timeout: Duration::from_millis(300),
        ..AttemptConfig::default()
    };
    let outcome = post(&loopback_policy(), &config, &format!("http://{addr}/")).await;
    assert_eq!(outcome.status, None);
    // The configured 300 ms timeout ended it, not the 15 s default.
    assert_eq!(outcome.error_kind.as_deref(), Some("timeout"));
    assert!(outcome.duration_ms >= 250, "{outcome:?}");
    // The request did arrive; only the answer was missing.
    assert!(seen.recv().await.is_some());
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_failure() {
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let outcome = post(
        &loopback_policy(),
        &AttemptConfig::default(),
        &format!("http://{addr}/"),
    )
    .await;
    assert_eq!(outcome.status, None);
    assert_eq!(
        outcome.error_kind.as_deref(),
        Some("connect"),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_failed_tls_handshake_is_a_tls_failure() {
    // A plain-HTTP answer to a ClientHello is not TLS.
    let (addr, _seen) = serve(vec![Reply::Blurt(b"HTTP/1.1 400 Bad Request\r\n\r\n")]).await;
    let policy = Policy {
        allow_http: false,
        ..loopback_policy()
    };
    let outcome = post(
        &policy,
        &AttemptConfig::default(),
        &format!("https://{addr}/"),
    )
    .await;
    assert_eq!(outcome.status, None);
    assert_eq!(outcome.error_kind.as_deref(), Some("tls"), "{outcome:?}");
}

/// The guarantee behind pinning: a client with [`NoResolve`] never falls
/// back to the system resolver for a name it was not given addresses for.
#[tokio::test]
async fn the_pinned_client_resolves_nothing_itself() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let client = reqwest::Client::builder()
        .no_proxy()
        .dns_resolver(Arc::new(NoResolve))
        .resolve_to_addrs("pinned.test", &[SocketAddr::from(([127, 0, 0, 1], port))])
        .build()
        .unwrap();
    let err = client
        .get(format!("http://localhost:{port}/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    let knock = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(knock.is_err(), "localhost was resolved by the system");
    // The override itself does connect.
    let (addr, mut seen) = serve(vec![response("200 OK", &[], b"ok")]).await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .dns_resolver(Arc::new(NoResolve))
        .resolve_to_addrs("pinned.test", &[addr])
        .build()
        .unwrap();
    let status = client
        .get(format!("http://pinned.test:{}/", addr.port()))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    assert_eq!(
        seen.recv().await.unwrap().header("host"),
        Some(format!("pinned.test:{}", addr.port()).as_str())
    );
}

#[tokio::test]
async fn loopback_is_refused_without_an_allow_list_and_nothing_is_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let policy = Policy {
        allow_http: true,
        ..Policy::default()
    };
    for url in [
        format!("http://{addr}/hook"),
        format!("http://localhost:{}/hook", addr.port()),
        format!("http://2130706433:{}/hook", addr.port()),
        format!("http://[::ffff:127.0.0.1]:{}/hook", addr.port()),
    ] {
        let outcome = post(&policy, &AttemptConfig::default(), &url).await;
        assert_eq!(
            outcome.error_kind.as_deref(),
            Some("blocked_address"),
            "{url}"
        );
        assert_eq!(outcome.status, None);
    }
    let knock = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(knock.is_err(), "the server was contacted");
}

#[tokio::test]
async fn http_is_refused_unless_allowed_and_bad_urls_are_recorded() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let https_only = Policy {
        allow_http: false,
        ..loopback_policy()
    };
    let outcome = post(
        &https_only,
        &AttemptConfig::default(),
        &format!("http://{addr}/"),
    )
    .await;
    assert_eq!(outcome.error_kind.as_deref(), Some("invalid_url"));
    let outcome = post(&https_only, &AttemptConfig::default(), "not a url").await;
    assert_eq!(outcome.error_kind.as_deref(), Some("invalid_url"));
    let knock = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(knock.is_err(), "the server was contacted");
}

#[tokio::test]
async fn no_signature_header_without_secrets() {
    let (addr, mut seen) = serve(vec![response("200 OK", &[], b"ok")]).await;
    let url = format!("http://{addr}/");
    let outcome = attempt(
        &loopback_policy(),
        &AttemptConfig::default(),
        &url,
        MSG_ID,
        TIMESTAMP,
        BODY,
        &[],
    )
    .await;
    assert!(outcome.is_success());
    let request = seen.recv().await.unwrap();
    assert_eq!(request.header("webhook-signature"), None);
    assert_eq!(request.header("webhook-id"), Some(MSG_ID));
}

#[test]
fn outcomes_serialize_for_the_record() {
    let outcome = AttemptOutcome {
        status: Some(503),
        error_kind: Some("status".into()),
        duration_ms: 42,
        response_prefix: "busy".into(),
        retry_after: Some(Duration::from_secs(7)),
    };
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(json["status"], 503);
    assert_eq!(json["error_kind"], "status");
    assert_eq!(json["duration_ms"], 42);
    assert_eq!(json["response_prefix"], "busy");
    assert_eq!(json["retry_after"]["secs"], 7);
}

#[test]
fn statuses_classify() {
    let with = |status| AttemptOutcome {
        status,
        error_kind: None,
        duration_ms: 0,
        response_prefix: String::new(),
        retry_after: None,
    };
    for s in [200, 201, 204, 299] {
        assert!(with(Some(s)).is_success(), "{s}");
    }
    for s in [100, 199, 300, 302, 400, 410, 429, 500, 503] {
        assert!(!with(Some(s)).is_success(), "{s}");
    }
    assert!(!with(None).is_success() && !with(None).is_gone());
    assert!(with(Some(410)).is_gone());
}

fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let mut headers = HeaderMap::new();
    headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
    parse_retry_after(&headers, now)
}

#[test]
fn retry_after_parses_seconds_and_http_dates() {
    let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
    assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
    assert_eq!(retry_after("0", now), Some(Duration::ZERO));
    assert_eq!(
        retry_after("99999999999999999999999", now),
        Some(Duration::from_secs(u64::MAX))
    );
    assert_eq!(
        retry_after("Sun, 06 Nov 1994 08:51:37 GMT", now),
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        retry_after("Mon, 07 Nov 1994 08:49:37 GMT", now),
        Some(Duration::from_secs(86_400))
    );
    // A date in the past means "now".
    assert_eq!(
        retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now),
        Some(Duration::ZERO)
    );
    for bad in [
        "-1",
        "1.5",
        "soon",
        "",
        "7s",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 99999999999999 08:49:37 GMT",
    ] {
        assert_eq!(retry_after(bad, now), None, "{bad:?}");
    }
    assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
}

#[test]
fn retry_after_takes_every_http_date_form_a_recipient_must_accept() {
    let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
    for later in [
        "Sun, 06 Nov 1994 08:50:37 GMT",
        "Sunday, 06-Nov-94 08:50:37 GMT",
        "Sun Nov  6 08:50:37 1994",
    ] {
        assert_eq!(
            retry_after(later, now),
            Some(Duration::from_secs(60)),
            "{later}"
        );
    }
    let leap = UNIX_EPOCH + Duration::from_secs(951_825_600); // Tue, 29 Feb 2000 12:00:00 GMT
    assert_eq!(
        retry_after("Tue, 29 Feb 2000 12:00:01 GMT", leap),
        Some(Duration::from_secs(1))
    );
}

#[test]
fn the_body_prefix_never_ends_in_half_a_character() {
    assert_eq!(lossy_prefix(b"plain"), "plain");
    assert_eq!(lossy_prefix(b""), "");
    let text = "prix: 10 €";
    let bytes = text.as_bytes();
    // Cut one and two bytes into the three-byte euro sign.
    assert_eq!(lossy_prefix(&bytes[..bytes.len() - 1]), "prix: 10 ");
    assert_eq!(lossy_prefix(&bytes[..bytes.len() - 2]), "prix: 10 ");
    assert_eq!(lossy_prefix(bytes), text);
    // Invalid bytes inside are shown as U+FFFD.
    assert_eq!(lossy_prefix(b"a\xffb"), "a\u{fffd}b");
    assert_eq!(lossy_prefix(b"a\xffb\xe2\x82"), "a\u{fffd}b");
}
