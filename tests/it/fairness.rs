//! One tenant never harms another: a flood of submissions from one organisation gets 202s
//! and 429s, and another organisation's jobs run beside its backlog, not behind it; and
//! when validations and workers contend for too few instance slots, no job fails for it.

use std::sync::Arc;
use std::time::Instant;

use reqwest::StatusCode;
use serde_json::{Value, json};
use shortlist_host::api::Quotas;
use shortlist_tests::{HostOptions, TestHost};

const PROFILE: &str = r#"{"entity": "acme-manufacturing", "state": "CA", "line": "professional_liability", "revenue": 12000000}"#;

fn body() -> Value {
    json!({ "profile": serde_json::from_str::<Value>(PROFILE).unwrap(), "pool": "carriers:all" })
}

/// Posts `total` submissions for `key`, `at_once` at a time; the statuses, and the ids
/// of the accepted ones.
async fn flood(
    host: &TestHost,
    key: &str,
    total: usize,
    at_once: usize,
) -> (Vec<StatusCode>, Vec<String>) {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(at_once));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..total {
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        let (client, url, key) = (
            host.client.clone(),
            format!("{}/api/v1/jobs", host.url),
            key.to_owned(),
        );
        tasks.spawn(async move {
            let response = client
                .post(url)
                .header("X-API-Key", key)
                .json(&body())
                .send()
                .await
                .unwrap();
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                assert!(
                    response.headers().contains_key("retry-after"),
                    "429 without Retry-After"
                );
            }
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            drop(permit);
            (status, answer["eval_id"].as_str().map(str::to_owned))
        });
    }
    let mut statuses = Vec::with_capacity(total);
    let mut ids = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (status, id) = done.unwrap();
        statuses.push(status);
        ids.extend(id);
    }
    (statuses, ids)
}

/// Gives organisation B (`other-broker`) a small sample pool of its own.
async fn give_b_a_pool(host: &TestHost) {
    let org_b = host
        .store
        .org_by_name("other-broker")
        .await
        .unwrap()
        .unwrap();
    let release = host.catalogue.release("insurance").unwrap();
    let pool = shortlist_plugin_insurance_samples::pool(B_POOL_SIZE, 1);
    shortlist_host::cli::admin::import_pool(
        &host.store,
        &release.vertical,
        &org_b.id,
        "carriers:all",
        &serde_json::to_string(&pool).unwrap(),
    )
    .await
    .unwrap();
}

/// B's pool, much smaller than A's: B's jobs cost a fraction of A's, so that A's backlog
/// outlasts B's jobs on any machine unless B waits behind it.
const B_POOL_SIZE: usize = 100;
/// A's pool.
const A_POOL_SIZE: usize = 3000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_organisation_does_not_hold_up_another() {
    let host = TestHost::start_with(HostOptions {
        quotas: Quotas {
            rate_per_org: 200.0,
            burst_per_org: 400.0,
            max_queued_per_org: 1000,
            validations: 64,
        },
        pool_size: A_POOL_SIZE,
        ..HostOptions::default()
    })
    .await;
    give_b_a_pool(&host).await;

    let (statuses, accepted) = flood(&host, &host.key_a, 3000, 128).await;
    let other: Vec<&StatusCode> = statuses
        .iter()
        .filter(|s| **s != StatusCode::ACCEPTED && **s != StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(
        other.is_empty(),
        "the flood got only 202s and 429s, not {other:?}"
    );
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(limited > 0, "3,000 submissions at once are over the limits");
    assert!(!accepted.is_empty());

    // B's 20 jobs, posted right after: all complete, while A's backlog is still waiting.
    let started = Instant::now();
    let (statuses, b_jobs) = flood(&host, &host.key_b, 20, 4).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::ACCEPTED),
        "B, within its own limits, is not turned away for A's flood: {statuses:?}"
    );
    for id in &b_jobs {
        let result = host.wait_for(&host.key_b, id).await;
        assert_eq!(result["status"], "completed", "{id}: {result}");
    }
    let org_a_waiting = host.store.queued_jobs_of_org(&host.org_a).await.unwrap();
    eprintln!(
        "B's 20 jobs completed {:?} after submission, with {org_a_waiting} of A's {} accepted jobs still queued",
        started.elapsed(),
        accepted.len()
    );
    assert!(
        org_a_waiting > 0,
        "B's jobs ran beside A's backlog, not behind it"
    );
    // And A's accepted jobs all complete in the end: nothing accepted is lost.
    for id in &accepted {
        let result = host.wait_for(&host.key_a, id).await;
        assert_eq!(result["status"], "completed", "{id}: {result}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validations_and_workers_short_of_instance_slots_fail_no_job() {
    // One slot for two workers and up to sixteen validations: they collide.
    let host = TestHost::start_with(HostOptions {
        instance_slots: 1,
        ..HostOptions::default()
    })
    .await;
    let (statuses, accepted) = flood(&host, &host.key_a, 120, 32).await;
    let other: Vec<&StatusCode> = statuses
        .iter()
        .filter(|s| **s != StatusCode::ACCEPTED && **s != StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(
        other.is_empty(),
        "submissions got only 202s and 429s, not {other:?}"
    );
    for id in &accepted {
        let result = host.wait_for(&host.key_a, id).await;
        assert_eq!(result["status"], "completed", "{id}: {result}");
    }
    // The slots were short indeed: submissions were turned away, or jobs retried.
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let metrics = host
        .client
        .get(format!("{}/metrics", host.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let retries: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("shortlist_job_retries_total "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    eprintln!(
        "{} accepted, {refused} refused with 429, {retries} retries",
        accepted.len()
    );
    assert!(
        refused + retries as usize > 0,
        "the test made validations and workers collide"
    );
}
