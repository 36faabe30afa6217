//! The HTTP server under slow and many clients: connections trickling their headers are
//! closed at the header timeout while a normal client is served, and past the
//! connection cap a connection is answered 503 and closed.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use shortlist_host::api::server::HttpConfig;
use shortlist_tests::{HostOptions, TestHost};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a trickling connection keeps sending: far past the header timeout.
const TRICKLE_FOR: u32 = 30;

/// Opens a connection that sends a request line, then a header line a second (at most
/// [`TRICKLE_FOR`] of them). Returns when the server closed it, or `None` if it never did.
async fn trickle(addr: String) -> Option<Duration> {
    let mut stream = TcpStream::connect(&addr).await.ok()?;
    let opened = Instant::now();
    stream
        .write_all(b"POST /api/v1/jobs HTTP/1.1\r\nhost: shortlist\r\n")
        .await
        .ok()?;
    let mut buffer = [0u8; 1024];
    for line in 0..TRICKLE_FOR {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            // Closed (EOF or reset), or an answer (then it closes): either way, cut off.
            _ = stream.read(&mut buffer) => return Some(opened.elapsed()),
        }
        if stream
            .write_all(format!("x-trickle-{line}: still going\r\n").as_bytes())
            .await
            .is_err()
        {
            return Some(opened.elapsed());
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickling_headers_are_cut_at_the_timeout_while_a_normal_client_is_served() {
    let header_timeout = Duration::from_secs(3);
    let host = TestHost::start_with(HostOptions {
        http: HttpConfig {
            header_timeout,
            max_connections: 1024,
        },
        ..HostOptions::default()
    })
    .await;
    let addr = host.url.trim_start_matches("http://").to_owned();
    let mut tricklers = tokio::task::JoinSet::new();
    for _ in 0..500 {
        tricklers.spawn(trickle(addr.clone()));
    }

    // Meanwhile a normal client submits 20 jobs and sees each completed.
    let profile = json!({ "entity": "acme-manufacturing", "state": "CA", "line": "professional_liability", "revenue": 12000000 });
    for _ in 0..20 {
        let response = host
            .client
            .post(format!("{}/api/v1/jobs", host.url))
            .header("X-API-Key", &host.key_a)
            .json(&json!({ "profile": profile, "pool": "carriers:all" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let id = response.json::<Value>().await.unwrap()["eval_id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(host.wait_for(&host.key_a, &id).await["status"], "completed");
    }

    let mut closed = Vec::new();
    while let Some(outcome) = tricklers.join_next().await {
        closed.push(
            outcome
                .unwrap()
                .expect("the server closed every trickling connection"),
        );
    }
    closed.sort();
    let (first, last) = (closed[0], closed[closed.len() - 1]);
    eprintln!("500 trickling connections closed between {first:?} and {last:?}");
    assert!(
        first >= header_timeout - Duration::from_millis(500),
        "none closed before its header timeout: {first:?}"
    );
    assert!(
        last < Duration::from_secs(u64::from(TRICKLE_FOR)),
        "every one closed by the header timeout, not by giving up: {last:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_a_connection_is_answered_503_and_closed() {
    let host = TestHost::start_with(HostOptions {
        http: HttpConfig {
            header_timeout: Duration::from_secs(20),
            max_connections: 20,
        },
        ..HostOptions::default()
    })
    .await;
    let addr = host.url.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    // Let the server take them all before the one too many.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut extra = TcpStream::connect(&addr).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), extra.read_to_end(&mut answer))
        .await
        .expect("answered and closed at once")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    assert!(answer.contains("\"code\":\"unavailable\""), "{answer}");

    // Once they go, their places come back.
    drop(held);
    let mut served = false;
    for _ in 0..40 {
        let health = reqwest::Client::new()
            .get(format!("{}/healthz", host.url))
            .send()
            .await;
        if health.is_ok_and(|r| r.status().is_success()) {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        served,
        "a connection is served again after the held ones closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_are_compressed_for_clients_that_ask() {
    let host = TestHost::start().await;
    let get = |encoding: Option<&'static str>| {
        let mut request = host.client.get(format!("{}/openapi.json", host.url));
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        request.send()
    };
    let plain = get(None).await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap().len();
    let zipped = get(Some("gzip")).await.unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let zipped = zipped.bytes().await.unwrap().len();
    assert!(zipped * 3 < plain, "{zipped} bytes gzipped of {plain}");
}
