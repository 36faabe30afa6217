//! Replicas on PostgreSQL that die, come back and disagree about the time: every job
//! completes exactly once, every webhook arrives under its one `webhook-id`, and a replica
//! whose clock runs ten minutes fast (libfaketime, from outside the process) takes no job
//! another replica is still running.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Child;
use std::time::Duration;

use serde_json::{Value, json};
use shortlist_host::store::Store;
use shortlist_tests::Receiver;

use crate::common::{Env, Replica, free_addr, wait_healthy};

/// Settings every replica of these tests runs with: short leases, so that a killed
/// replica's jobs are taken over quickly, and webhooks to loopback allowed.
const REPLICA_ENV: &[(&str, &str)] = &[
    ("SHORTLIST_LEASE_MS", "2000"),
    ("SHORTLIST_WORKERS", "2"),
    ("SHORTLIST_DELIVERY_WORKERS", "4"),
    ("SHORTLIST_WEBHOOK_ALLOW_CIDRS", "127.0.0.0/8"),
    ("SHORTLIST_WEBHOOK_ALLOW_HTTP", "true"),
    (
        "SHORTLIST_WEBHOOK_SCHEDULE",
        "0,200ms,200ms,500ms,1s,1s,1s,1s",
    ),
];

/// A replica, fast by ten minutes when `skewed`.
fn start(env: &Env, addr: &str, skewed: bool) -> Child {
    start_with(env, addr, skewed, &[])
}

/// As [`start`], with more settings.
fn start_with(env: &Env, addr: &str, skewed: bool, more: &[(&str, &str)]) -> Child {
    let settings: Vec<(&str, &str)> = REPLICA_ENV.iter().chain(more).copied().collect();
    if !skewed {
        return env.serve_with(addr, &settings);
    }
    // libfaketime preloaded into the server itself: the `faketime` wrapper forks, and
    // killing it would leave the server running.
    let library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
    assert!(
        std::path::Path::new(library).exists(),
        "install Debian's faketime package (.ci/run does)"
    );
    let mut fast: Vec<(&str, &str)> = vec![
        ("LD_PRELOAD", library),
        ("FAKETIME", "+10m"),
        // Tokio's timers keep the real monotonic clock; only the wall clock is fast.
        ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
    ];
    fast.extend(settings);
    env.serve_with(addr, &fast)
}

async fn submit(
    client: &reqwest::Client,
    addrs: &[String],
    key: &str,
    n: usize,
    webhook: Option<&str>,
) -> Option<String> {
    let mut body = json!({
        "profile": { "entity": "acme-manufacturing", "state": "CA", "line": "professional_liability", "revenue": 12000000 },
        "pool": "carriers:all"
    });
    if let Some(url) = webhook {
        body["webhook_url"] = url.into();
    }
    // A replica may be down this moment: try the others, under one idempotency key so
    // that a submission the first replica did take is not made twice.
    for attempt in 0..addrs.len() * 20 {
        let addr = &addrs[(n + attempt) % addrs.len()];
        let sent = client
            .post(format!("http://{addr}/api/v1/jobs"))
            .header("X-API-Key", key)
            .header("Idempotency-Key", format!("chaos-{n}"))
            .json(&body)
            .send()
            .await;
        if let Ok(response) = sent
            && response.status() == 202
        {
            return response.json::<Value>().await.ok()?["eval_id"]
                .as_str()
                .map(str::to_owned);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Waits until every job has finished (read from the database, whichever replicas are
/// up), at most `bound`.
async fn all_finished(
    store: &Store,
    ids: &[String],
    bound: Duration,
) -> BTreeMap<String, shortlist_host::store::Job> {
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        let mut jobs = BTreeMap::new();
        for id in ids {
            if let Some(job) = store.job_any_org(id).await.unwrap() {
                jobs.insert(id.clone(), job);
            }
        }
        let done = jobs.values().filter(|j| j.status.is_terminal()).count();
        if done == ids.len() {
            return jobs;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{done} of {} jobs finished within {bound:?}",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_killed_at_random_and_a_fast_clock_lose_and_repeat_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::postgres(dir.path(), "e2e_chaos").await;
    let key = env.broker_with_pool(2000);
    let store = Store::connect(&env.database_url).await.unwrap();
    let client = reqwest::Client::new();

    // A fast clock alone: a replica ten minutes ahead beside a normal one takes none of
    // its running jobs (leases are timed by the database's clock). Leases of 30 s: far
    // shorter than the skew, far longer than any stall of a loaded machine.
    let addrs = [free_addr(), free_addr()];
    let long_lease = [("SHORTLIST_LEASE_MS", "30000")];
    let normal = Replica(start_with(&env, &addrs[0], false, &long_lease));
    let fast = Replica(start_with(&env, &addrs[1], true, &long_lease));
    for addr in &addrs {
        wait_healthy(&client, addr).await;
    }
    let mut ids = Vec::new();
    for n in 0..60 {
        ids.push(
            submit(&client, &addrs[..1], &key, n, None)
                .await
                .expect("accepted"),
        );
    }
    let jobs = all_finished(&store, &ids, Duration::from_secs(120)).await;
    for job in jobs.values() {
        assert_eq!(job.status.as_str(), "completed", "{}", job.id);
        assert_eq!(job.attempts, 1, "{} was claimed again while it ran", job.id);
    }
    // The fast replica did run jobs, with its clock ten minutes ahead: its finish times
    // say so (a claim's times are the database's; a finish time is the replica's own).
    let by_fast = jobs
        .values()
        .filter(|j| j.finished_at.unwrap_or(0) - j.started_at.unwrap_or(0) > 300_000)
        .count();
    assert!(by_fast > 0, "the replica with a fast clock took part");
    drop((normal, fast));

    // Chaos: three replicas (one fast), 300 jobs with webhooks, replicas killed with
    // SIGKILL at random and restarted.
    let receiver = Receiver::start(&[204]).await;
    let addrs = [free_addr(), free_addr(), free_addr()];
    let mut replicas: Vec<Replica> = addrs
        .iter()
        .enumerate()
        .map(|(i, addr)| Replica(start(&env, addr, i == 2)))
        .collect();
    for addr in &addrs {
        wait_healthy(&client, addr).await;
    }
    let killer = {
        let addrs = addrs.clone();
        let env_dir = env.dir.to_path_buf();
        let database_url = env.database_url.clone();
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            let env = Env {
                dir: &env_dir,
                database_url,
            };
            // A fixed sequence, so that a failure can be replayed.
            let mut seed: u64 = 0x5eed_cafe;
            let mut kills = 0;
            let mut stopped = false;
            // Bounded: at most 12 kills, one every 0.7-1.5 s.
            while kills < 12 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let pause = Duration::from_millis(700 + (seed >> 33) % 800);
                tokio::select! {
                    _ = &mut stop_rx => {
                        stopped = true;
                        break;
                    }
                    () = tokio::time::sleep(pause) => {}
                }
                let victim = ((seed >> 40) % 3) as usize;
                // SIGKILL, then the same replica again on its address.
                let _ = replicas[victim].0.kill();
                let _ = replicas[victim].0.wait();
                replicas[victim] = Replica(start(&env, &addrs[victim], victim == 2));
                kills += 1;
            }
            // The replicas serve on until the test has seen every webhook.
            if !stopped {
                let _ = stop_rx.await;
            }
            drop(replicas);
            kills
        });
        (stop_tx, handle)
    };
    // Paced over several seconds, so that the kills land while jobs run and deliveries go.
    let mut ids = Vec::new();
    for n in 0..300 {
        ids.push(
            submit(&client, &addrs, &key, 1000 + n, Some(&receiver.url))
                .await
                .expect("accepted by some replica"),
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let jobs = all_finished(&store, &ids, Duration::from_secs(300)).await;
    for job in jobs.values() {
        assert_eq!(
            job.status.as_str(),
            "completed",
            "{}: {:?}",
            job.id,
            job.error_message
        );
    }
    let distinct: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(
        distinct.len(),
        300,
        "one job per submission (idempotency keys held)"
    );

    // Every job's webhook arrives, under its one id; a redelivery after a kill may repeat it.
    let expected: BTreeSet<String> = ids
        .iter()
        .map(|id| shortlist_host::jobs::webhook_id(id))
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let received: BTreeSet<String> = receiver
            .hits()
            .iter()
            .filter_map(|h| h.header("webhook-id").map(str::to_owned))
            .collect();
        if expected.is_subset(&received) {
            assert!(received.is_subset(&expected), "no webhook-id but the jobs'");
            break;
        }
        let missing = expected.difference(&received).count();
        assert!(
            tokio::time::Instant::now() < deadline,
            "{missing} webhooks not delivered"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (stop, killer) = killer;
    let _ = stop.send(());
    let kills = killer.await.unwrap();
    assert!(kills >= 4, "replicas were killed while jobs ran: {kills}");
    for hit in receiver.hits() {
        let body: Value = serde_json::from_slice(&hit.body).unwrap();
        let id = body["eval_id"].as_str().unwrap();
        assert_eq!(
            hit.header("webhook-id"),
            Some(shortlist_host::jobs::webhook_id(id).as_str())
        );
    }
    eprintln!(
        "300 jobs over 3 replicas and {kills} kills: {} webhook requests for 300 webhooks",
        receiver.hits().len()
    );
}
