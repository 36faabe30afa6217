//! The job service end to end on loopback, on SQLite and on PostgreSQL, beside the bare
//! evaluation of the same job: submit-to-completed latency (p50, p99) of jobs sent one at
//! a time, and sustained jobs/s with a burst of jobs (every one must complete).
//!
//! Run: `cargo bench -p shortlist-tests --bench service`

#![allow(clippy::print_stdout)] // this bench binary reports its table on stdout

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shortlist_host::eval::{self, Pool, PreparedPool};
use shortlist_host::runtime::RuntimeConfig;
use shortlist_host::vertical::Vertical;
use shortlist_tests::{HostOptions, TestHost, job, runtime};

const POOL_SIZE: usize = 2000;
const SEQUENTIAL: usize = 60;
const BURST: usize = 400;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

async fn submit(host: &TestHost, body: &Value) -> String {
    let response = host
        .client
        .post(format!("{}/api/v1/jobs", host.url))
        .header("X-API-Key", &host.key_a)
        .json(body)
        .send()
        .await
        .expect("submit");
    assert_eq!(response.status(), 202);
    response.json::<Value>().await.expect("JSON")["eval_id"]
        .as_str()
        .expect("eval_id")
        .to_owned()
}

async fn completed(host: &TestHost, id: &str) -> bool {
    let body: Value = host
        .client
        .get(format!("{}/api/v1/jobs/{id}", host.url))
        .header("X-API-Key", &host.key_a)
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("JSON");
    assert_ne!(body["status"], "failed", "{body}");
    body["status"] == "completed"
}

async fn measure(name: &str, options: HostOptions, body: &Value, bare_p50: Duration) {
    let host = TestHost::start_with(options).await;
    // Warm up: the pool is prepared on first use.
    let id = submit(&host, body).await;
    while !completed(&host, &id).await {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let mut latencies = Vec::with_capacity(SEQUENTIAL);
    for _ in 0..SEQUENTIAL {
        let started = Instant::now();
        let id = submit(&host, body).await;
        while !completed(&host, &id).await {
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        latencies.push(started.elapsed());
    }
    latencies.sort();

    let started = Instant::now();
    let mut ids = Vec::with_capacity(BURST);
    for _ in 0..BURST {
        ids.push(submit(&host, body).await);
    }
    let mut pending = ids.clone();
    let deadline = Instant::now() + Duration::from_secs(300);
    while !pending.is_empty() && Instant::now() < deadline {
        let mut still = Vec::new();
        for id in pending {
            if !completed(&host, &id).await {
                still.push(id);
            }
        }
        pending = still;
        if !pending.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let elapsed = started.elapsed();
    assert!(pending.is_empty(), "{} jobs never completed", pending.len());
    let p50 = percentile(&latencies, 0.5);
    println!(
        "| {name} | {} | {} | {:.2}x | {:.0} jobs/s ({BURST} of {BURST} completed) |",
        ms(p50),
        ms(percentile(&latencies, 0.99)),
        p50.as_secs_f64() / bare_p50.as_secs_f64(),
        BURST as f64 / elapsed.as_secs_f64(),
    );
}

/// Webhooks while jobs run: completion (the result's commit) to receipt at a loopback
/// receiver, and deliveries/s over a burst.
async fn webhooks(body: &Value) {
    let receiver = shortlist_tests::Receiver::start(&[204]).await;
    let options = HostOptions {
        pool_size: POOL_SIZE,
        ..HostOptions::webhooks()
    };
    let host = TestHost::start_with(options).await;
    let mut body = body.clone();
    body["webhook_url"] = Value::String(receiver.url.clone());
    for _ in 0..BURST {
        submit(&host, &body).await;
    }
    let hits = receiver
        .wait_for_within(BURST, Duration::from_secs(300))
        .await;
    let mut latencies = Vec::with_capacity(BURST);
    for hit in &hits {
        let payload: Value = serde_json::from_slice(&hit.body).expect("JSON payload");
        let id = payload["eval_id"].as_str().expect("eval_id");
        let job = host
            .store
            .job(&host.org_a, id)
            .await
            .expect("store")
            .expect("job");
        let finished = job.finished_at.expect("finished");
        latencies.push(Duration::from_millis(
            (hit.received_ms - finished).max(0) as u64
        ));
    }
    latencies.sort();
    let first = hits.iter().map(|h| h.received_ms).min().unwrap_or(0);
    let last = hits.iter().map(|h| h.received_ms).max().unwrap_or(0);
    println!(
        "| webhooks while jobs run | completion-to-delivery p50 | p99 | deliveries/s | delivered |"
    );
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| SQLite, {BURST} jobs | {} | {} | {:.0} | {} of {BURST} |",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        hits.len() as f64 / ((last - first).max(1) as f64 / 1000.0),
        hits.len(),
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(async {
        let profile = shortlist_plugin_insurance_samples::profile(None).expect("profile");
        let body = json!({ "profile": profile, "pool": "carriers:all" });

        // The bare evaluation of the same job, as the engine bench measures it.
        let runtime = runtime(RuntimeConfig::default());
        let vertical = Vertical::builtin(&runtime, "insurance").await.expect("vertical");
        let candidates = shortlist_plugin_insurance_samples::pool(POOL_SIZE, 1);
        let pool = Arc::new(Pool::from_values("carriers:all", candidates).expect("pool"));
        let prepared = PreparedPool::prepare(&vertical, pool).await.expect("prepared");
        let job = job("eval_bare", profile);
        let mut bare: Vec<Duration> = Vec::new();
        for _ in 0..40 {
            let started = Instant::now();
            let evaluation = eval::evaluate(&vertical, &prepared, &job).await;
            assert_eq!(evaluation.result.status.as_str(), "completed");
            bare.push(started.elapsed());
        }
        bare.sort();
        let bare_p50 = percentile(&bare, 0.5);
        drop((vertical, runtime));

        println!("| service ({POOL_SIZE} candidates, 2 workers) | submit-to-completed p50 | p99 | p50 / bare evaluation | sustained |");
        println!("|---|---:|---:|---:|---:|");
        println!("| bare evaluation (no HTTP, no database) | {} | {} | 1.00x | - |", ms(bare_p50), ms(percentile(&bare, 0.99)));
        let sqlite = HostOptions { pool_size: POOL_SIZE, ..HostOptions::default() };
        measure("SQLite", sqlite, &body, bare_p50).await;
        let postgres = HostOptions {
            postgres_schema: Some(format!("bench_{}", std::process::id())),
            pool_size: POOL_SIZE,
            ..HostOptions::default()
        };
        measure("PostgreSQL", postgres, &body, bare_p50).await;
        println!();
        webhooks(&body).await;
    });
}
