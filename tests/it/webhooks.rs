//! Webhooks end to end on loopback: signed deliveries that the reference verifier accepts,
//! retries with a stable webhook-id, 410 stops, redelivery, and the SSRF guard at submit
//! and at send.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};
use shortlist_host::jobs::org_secrets;
use shortlist_tests::{HostOptions, Receiver, TestHost};

fn job_body(webhook_url: &str) -> Value {
    json!({
        "profile": { "entity": "acme-manufacturing", "state": "CA", "line": "professional_liability", "revenue": 12000000 },
        "pool": "carriers:all",
        "webhook_url": webhook_url,
    })
}

async fn submit(host: &TestHost, body: &Value) -> (StatusCode, Value) {
    let response = host
        .client
        .post(format!("{}/api/v1/jobs", host.url))
        .header("X-API-Key", &host.key_a)
        .json(body)
        .send()
        .await
        .expect("submit");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls the job until its webhook is no longer pending (at most 10 s).
async fn settled_webhook(host: &TestHost, eval_id: &str) -> Value {
    for _ in 0..400 {
        let status = host.wait_for(&host.key_a, eval_id).await;
        if status["webhook"]["status"]
            .as_str()
            .is_some_and(|s| s != "pending")
        {
            return status["webhook"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let last = host.wait_for(&host.key_a, eval_id).await;
    panic!("the webhook of {eval_id} stayed pending: {last}");
}

/// Installs the reference verifier from PyPI when it is missing, so that the README's
/// test command works on a fresh machine.
fn ensure_standardwebhooks() {
    let present = |python: &mut Command| {
        python
            .args(["-c", "import standardwebhooks"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if present(&mut Command::new("python3")) {
        return;
    }
    let installed = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "standardwebhooks"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        installed && present(&mut Command::new("python3")),
        "cannot install the reference verifier: run `python3 -m pip install standardwebhooks`"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_verifier_accepts_our_deliveries() {
    let host = TestHost::start_with(HostOptions::webhooks()).await;
    let secrets = org_secrets(&host.store, &host.org_a).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("received.jsonl");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/webhook_receiver.py");
    ensure_standardwebhooks();
    let mut receiver = Command::new("python3")
        .arg(script)
        .arg(secrets[0].to_text())
        .arg(&log)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the receiver (pip install standardwebhooks)");
    let mut port = String::new();
    BufReader::new(receiver.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    assert!(
        port.trim().parse::<u16>().is_ok(),
        "the receiver did not print its port (got {port:?}); see its stderr above"
    );
    let url = format!("http://127.0.0.1:{}/hook", port.trim());

    let (status, body) = submit(&host, &job_body(&url)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let eval_id = body["eval_id"].as_str().unwrap().to_owned();
    let webhook = settled_webhook(&host, &eval_id).await;
    receiver.kill().ok();
    receiver.wait().ok();
    assert_eq!(webhook["status"], "delivered", "{webhook}");
    let lines = std::fs::read_to_string(&log).expect("the receiver wrote its log");
    let received: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(
        received[0]["verified"], true,
        "the reference verifier rejected our signature"
    );
    assert_eq!(received[0]["eval_id"], eval_id.as_str());
    assert_eq!(received[0]["webhook_id"], webhook["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_fails_twice_gets_three_attempts_with_one_webhook_id() {
    let host = TestHost::start_with(HostOptions::webhooks()).await;
    let receiver = Receiver::start(&[500, 503, 204]).await;
    let (_, body) = submit(&host, &job_body(&receiver.url)).await;
    let eval_id = body["eval_id"].as_str().unwrap().to_owned();
    let webhook = settled_webhook(&host, &eval_id).await;
    assert_eq!(webhook["status"], "delivered", "{webhook}");
    let hits = receiver.hits();
    assert_eq!(hits.len(), 3);
    let ids: Vec<&str> = hits
        .iter()
        .map(|h| h.header("webhook-id").unwrap())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(ids[0], webhook["id"].as_str().unwrap());
    let codes: Vec<i64> = webhook["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [500, 503, 204]);

    // The payload is the seed's webhook payload: the job's result.
    let payload: Value = serde_json::from_slice(&hits[2].body).unwrap();
    let mut keys: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "audit",
            "candidates",
            "eval_id",
            "filtered",
            "pool_size",
            "status"
        ]
    );
    assert!(
        hits[2]
            .header("webhook-signature")
            .unwrap()
            .starts_with("v1,")
    );

    // Redelivery sends it again under the same webhook-id.
    let response = host
        .client
        .post(format!("{}/api/v1/jobs/{eval_id}/redeliver", host.url))
        .header("X-API-Key", &host.key_a)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let hits = receiver.wait_for(4).await;
    assert_eq!(hits[3].header("webhook-id"), Some(ids[0]));
    let response = host
        .client
        .post(format!("{}/api/v1/jobs/{eval_id}/redeliver", host.url))
        .header("X-API-Key", &host.key_b)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "another org cannot redeliver"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_410_stops_the_retries() {
    let host = TestHost::start_with(HostOptions::webhooks()).await;
    let receiver = Receiver::start(&[410, 204]).await;
    let (_, body) = submit(&host, &job_body(&receiver.url)).await;
    let eval_id = body["eval_id"].as_str().unwrap().to_owned();
    let webhook = settled_webhook(&host, &eval_id).await;
    assert_eq!(webhook["status"], "failed", "{webhook}");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(receiver.hits().len(), 1, "no attempt after a 410");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_addresses_are_refused_at_submit_unless_allowed() {
    let host = TestHost::start().await;
    let blocked = [
        ("http://your-app.com/hook", "https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://2130706433/hook", "loopback"),
        ("https://0x7f.1/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.1.1/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://100.64.0.1/hook", ""),
        ("https://[fc00::1]/hook", ""),
        ("https://[::ffff:10.0.0.1]/hook", ""),
        ("https://user:pw@your-app.com/hook", "credentials"),
    ];
    for (url, why) in blocked {
        let (status, body) = submit(&host, &job_body(url)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert_eq!(
            body["error"]["details"][0]["field"], "webhook_url",
            "{url}: {body}"
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{url}: {message}");
    }
    // A host name is resolved on every attempt, not at submission.
    let (status, _) = submit(&host, &job_body("https://your-app.com/hooks/nexio")).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let allowing = TestHost::start_with(HostOptions::webhooks()).await;
    let (status, body) = submit(&allowing, &job_body("https://127.0.0.1/hook")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_address_is_refused_at_send_and_nothing_is_sent() {
    // Accepted by a host that allows loopback, delivered by one that does not: the
    // delivery worker vets the address again and never connects.
    let receiver = Receiver::start(&[204]).await;
    let options = HostOptions {
        webhook_policy: shortlist_host::webhooks::Policy {
            allow_cidrs: Vec::new(),
            allow_http: true,
        },
        ..HostOptions::webhooks()
    };
    let host = TestHost::start_with(options).await;
    let job = shortlist_host::store::NewJob {
        id: "eval_blocked1".into(),
        org_id: host.org_a.clone(),
        pool_id: "carriers:all".into(),
        pool_version: 1,
        vertical: "insurance".into(),
        profile: job_body("")["profile"].to_string(),
        webhook_url: Some(receiver.url.clone()),
        idempotency_key: None,
        request_hash: "x".into(),
        now: shortlist_host::jobs::now_ms(),
    };
    host.store.insert_job(&job).await.unwrap();
    let webhook = settled_webhook(&host, "eval_blocked1").await;
    assert_eq!(
        webhook["attempts"][0]["error_kind"], "blocked_address",
        "{webhook}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(receiver.hits().is_empty(), "the receiver was reached");
}
