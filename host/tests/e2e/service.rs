//! The real `shortlist` binary as an operator runs it: admin commands, `serve`, and a
//! `kill -9` in the middle of the queue, after which every accepted job still completes once.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Env, Replica, free_addr, settled, status, submit, wait_healthy};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_jobs_survive_a_kill_9_and_each_completes_once() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::sqlite(dir.path());
    let key = env.broker_with_pool(2000);

    let addr = free_addr();
    let client = reqwest::Client::new();
    let mut server = env.serve(&addr);
    wait_healthy(&client, &addr).await;
    let mut ids = Vec::new();
    for _ in 0..30 {
        ids.push(submit(&client, &addr, &key).await);
    }
    // Kill the process as soon as the first job is done: the rest are queued or running.
    for _ in 0..300 {
        if status(&client, &addr, &key, &ids[0]).await["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().expect("kill -9");
    server.wait().expect("reaped");
    let last = status(&client, &addr, &key, &ids[29]).await;
    assert!(last.is_null(), "the service still answers after kill -9");

    let mut server = env.serve(&addr);
    wait_healthy(&client, &addr).await;
    for id in &ids {
        let mut result = Value::Null;
        for _ in 0..600 {
            result = status(&client, &addr, &key, id).await;
            if result["status"] == "completed" || result["status"] == "failed" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(result["status"], "completed", "{id}: {result}");
        assert_eq!(result["eval_id"], id.as_str());
        assert_eq!(result["pool_size"], 2000);
    }
    server.kill().expect("stop");
    server.wait().expect("reaped");

    // Each job has exactly one committed result and one trace.
    let store = shortlist_host::store::Store::connect(&env.database_url)
        .await
        .unwrap();
    let counts = store.job_counts().await.unwrap();
    let completed = counts
        .iter()
        .find(|(s, _)| s.as_str() == "completed")
        .map(|(_, c)| *c);
    assert_eq!(completed, Some(30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_prints_a_curl_that_works_when_pasted() {
    use std::io::{BufRead, BufReader};

    let dir = tempfile::tempdir().unwrap();
    let env = Env {
        dir: dir.path(),
        database_url: format!("sqlite://{}", dir.path().join("demo.db").display()),
    };
    let addr = free_addr();
    let mut demo = env
        .command()
        .arg("demo")
        .env("SHORTLIST_ADDR", &addr)
        .env("SHORTLIST_PUBLIC_URL", format!("http://{addr}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo starts");
    let stdout = demo.stdout.take().expect("piped stdout");
    let printed = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().take(100) {
            let line = line.expect("UTF-8 output");
            let done = line.starts_with("Then:");
            lines.push(line);
            if done {
                break;
            }
        }
        lines.join("\n")
    })
    .await
    .unwrap();
    let client = reqwest::Client::new();
    wait_healthy(&client, &addr).await;

    let start = printed
        .find("curl -X POST")
        .expect("a curl command is printed");
    let end = printed[start..]
        .find("}'")
        .expect("the curl ends with its body")
        + start
        + 2;
    let curl = &printed[start..end];
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{curl} --silent --max-time 10"))
        .output()
        .expect("sh runs curl");
    let answer: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("curl printed {:?}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(answer["status"], "queued", "{answer}");
    let key = printed
        .lines()
        .find_map(|l| l.strip_prefix("API key (shown once): "))
        .expect("the key is printed");
    let id = answer["eval_id"].as_str().unwrap();
    let mut result = Value::Null;
    for _ in 0..300 {
        result = status(&client, &addr, key, id).await;
        if result["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(result["status"], "completed", "{result}");
    assert_eq!(result["pool_size"], 2000);
    demo.kill().expect("stop");
    demo.wait().expect("reaped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_committed_before_a_kill_9_is_delivered_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::sqlite(dir.path());
    let key = env.broker_with_pool(200);
    let receiver = shortlist_tests::Receiver::start(&[204]).await;
    let webhooks = [
        ("SHORTLIST_WEBHOOK_ALLOW_CIDRS", "127.0.0.0/8"),
        ("SHORTLIST_WEBHOOK_ALLOW_HTTP", "true"),
    ];

    // First life: results are committed with their outbox rows, but nothing is sent.
    let addr = free_addr();
    let client = reqwest::Client::new();
    let mut first: Vec<(&str, &str)> = webhooks.to_vec();
    first.push(("SHORTLIST_DELIVERY_WORKERS", "0"));
    let mut server = env.serve_with(&addr, &first);
    wait_healthy(&client, &addr).await;
    let body = json!({ "profile": { "entity": "acme-manufacturing", "state": "CA", "line": "professional_liability", "revenue": 12000000 },
                       "pool": "carriers:all", "webhook_url": receiver.url });
    let response = client
        .post(format!("http://{addr}/api/v1/jobs"))
        .header("X-API-Key", &key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let id = response.json::<Value>().await.unwrap()["eval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..300 {
        if status(&client, &addr, &key, &id).await["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().expect("kill -9");
    server.wait().expect("reaped");
    assert!(receiver.hits().is_empty());

    // Second life: the outbox row is found and delivered, with its webhook-id.
    let mut server = env.serve_with(&addr, &webhooks);
    let hits = receiver.wait_for(1).await;
    server.kill().expect("stop");
    server.wait().expect("reaped");
    assert_eq!(
        hits[0].header("webhook-id"),
        Some(shortlist_host::jobs::webhook_id(&id).as_str())
    );
    let payload: Value = serde_json::from_slice(&hits[0].body).unwrap();
    assert_eq!(payload["eval_id"], id.as_str());
    assert_eq!(payload["status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_with_a_bad_record_is_refused_whole_and_a_revoked_key_stops_working() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::sqlite(dir.path());
    env.run(&["org", "create", "broker"]);
    let pool = env.run(&["sample", "pool", "--vertical", "insurance", "--size", "40"]);
    let good: Vec<Value> = serde_json::from_str(&pool).unwrap();
    let mut records = good.clone();
    // NDJSON, with records on lines 2 and 37 that name a state no module knows (found by
    // halving the pool) and one on line 3 without a name.
    for bad in [1, 36] {
        records[bad]["states"] = json!(["CA", "XX"]);
    }
    records[2].as_object_mut().unwrap().remove("name");
    let ndjson = records
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("pool.ndjson"), ndjson).unwrap();
    let import = |file: &str| {
        env.output(&[
            "pool",
            "import",
            "--org",
            "broker",
            "--pool",
            "carriers:all",
            "--vertical",
            "insurance",
            file,
        ])
    };
    let out = import("pool.ndjson");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing imported"), "{stderr}");
    assert!(stderr.contains("3 bad record(s)"), "{stderr}");
    assert!(stderr.contains("line 2: module eligibility"), "{stderr}");
    assert!(stderr.contains("line 37: module eligibility"), "{stderr}");
    assert!(
        stderr.contains("line 3: not an object with a non-empty \"name\""),
        "{stderr}"
    );
    let listed = env.run(&["pool", "list"]);
    assert!(!listed.contains("carriers:all"), "{listed}");

    // A JSON array names a record by its position (they may share a line).
    std::fs::write(
        dir.path().join("array.json"),
        serde_json::to_string(&records).unwrap(),
    )
    .unwrap();
    let stderr = String::from_utf8_lossy(&import("array.json").stderr).into_owned();
    assert!(stderr.contains("3 bad record(s)"), "{stderr}");
    assert!(
        stderr.contains("record 37 (line 1): module eligibility"),
        "{stderr}"
    );

    // The good records import; a re-import makes version 2.
    std::fs::write(
        dir.path().join("good.json"),
        serde_json::to_string(&good).unwrap(),
    )
    .unwrap();
    for version in ["version 1", "version 2"] {
        let out = import("good.json");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains(version));
    }

    // Webhook secrets: one is made on first use; a rotation keeps the old one signing.
    let first = env.run(&["webhook-secret", "show", "--org", "broker"]);
    assert!(
        first.trim().starts_with("whsec_") && first.lines().count() == 1,
        "{first}"
    );
    let rotated = env.run(&["webhook-secret", "rotate", "--org", "broker"]);
    let both = env.run(&["webhook-secret", "show", "--org", "broker"]);
    assert_eq!(
        both.lines().collect::<Vec<_>>(),
        [rotated.trim(), first.trim()]
    );

    // A revoked key gets 401 from a running service.
    let key = env
        .run(&["key", "create", "--org", "broker"])
        .trim()
        .to_owned();
    let addr = free_addr();
    let client = reqwest::Client::new();
    let mut server = env.serve(&addr);
    wait_healthy(&client, &addr).await;
    let ask = || {
        client
            .get(format!("http://{addr}/api/v1/jobs/eval_00000000"))
            .header("X-API-Key", &key)
            .send()
    };
    assert_eq!(ask().await.unwrap().status(), 404);
    env.run(&["key", "revoke", &key]);
    assert_eq!(ask().await.unwrap().status(), 401);
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

/// Polls `GET path` until it answers `want` (at most 20 s); returns the last status.
async fn await_status(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    want: reqwest::StatusCode,
) -> reqwest::StatusCode {
    let mut last = reqwest::StatusCode::OK;
    for _ in 0..200 {
        last = client
            .get(url)
            .header("X-API-Key", key)
            .send()
            .await
            .unwrap()
            .status();
        if last == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    last
}

/// Moves a job's finish `days` into the past, as if it had finished then.
async fn age(database_url: &str, eval_id: &str, days: i64) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
    let aged = sqlx::query("update jobs set finished_at = finished_at - $1 where id = $2")
        .bind(days * 24 * 60 * 60 * 1000)
        .bind(eval_id)
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(aged.rows_affected(), 1);
    conn.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_janitor_deletes_jobs_past_their_organisations_window() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::sqlite(dir.path());
    let key = env.broker_with_pool(50);
    let addr = free_addr();
    let client = reqwest::Client::new();
    let _server = crate::common::Replica(env.serve_with(
        &addr,
        &[
            ("SHORTLIST_RETENTION_DAYS", "1"),
            ("SHORTLIST_JANITOR_INTERVAL_MS", "200"),
        ],
    ));
    wait_healthy(&client, &addr).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let id = submit(&client, &addr, &key).await;
        let done = settled(&client, &addr, &key, &id, Duration::from_secs(60)).await;
        assert_eq!(done["status"], "completed", "{done}");
        ids.push(id);
    }
    let (old, recent) = (&ids[0], &ids[1]);
    let job_url = |id: &str| format!("http://{addr}/api/v1/jobs/{id}");
    let trace_url = |id: &str| format!("http://{addr}/traces/{id}");

    // Both traces open before the janitor has anything to do.
    let ok = reqwest::StatusCode::OK;
    for id in [old, recent] {
        assert_eq!(await_status(&client, &trace_url(id), &key, ok).await, ok);
    }
    // Two days old, past the deployment's one: gone with its trace.
    age(&env.database_url, old, 2).await;
    let gone = reqwest::StatusCode::NOT_FOUND;
    assert_eq!(await_status(&client, &job_url(old), &key, gone).await, gone);
    assert_eq!(
        await_status(&client, &trace_url(old), &key, gone).await,
        gone
    );
    assert_eq!(await_status(&client, &job_url(recent), &key, ok).await, ok);
    assert_eq!(
        await_status(&client, &trace_url(recent), &key, ok).await,
        ok
    );
    let metrics = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("shortlist_retention_deleted_total{kind=\"job\"} 1"),
        "{metrics}"
    );

    // An organisation that keeps its jobs for ever keeps them past the deployment's window.
    let kept = env.run(&["org", "retention", "broker", "--days", "0"]);
    assert_eq!(kept.trim(), "broker keeps finished jobs for ever");
    age(&env.database_url, recent, 2).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        await_status(&client, &job_url(recent), &key, ok).await,
        ok,
        "five sweeps later, still there"
    );
    // Back on the deployment's window, it goes.
    let default = env.run(&["org", "retention", "broker", "--default"]);
    assert!(
        default.contains("deployment's --retention-days"),
        "{default}"
    );
    assert_eq!(
        await_status(&client, &job_url(recent), &key, gone).await,
        gone
    );

    let refused = env.output(&["org", "retention", "broker"]);
    assert!(!refused.status.success(), "--days or --default is required");
}

/// What a log collector reads of `serve --log-format json`: one JSON object a line and no
/// colour codes; an access line per request naming the request id the response echoes
/// (the client's when usable, a new one otherwise); a job's lines inside its span.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_name_each_request_by_its_id_and_each_job_by_its_span() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::sqlite(dir.path());
    let key = env.broker_with_pool(50);
    let addr = free_addr();
    let log = dir.path().join("serve.log");
    let server = Replica(
        env.serve_command(&addr, &[("SHORTLIST_LOG_FORMAT", "json")])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("serve starts"),
    );
    let client = reqwest::Client::new();
    wait_healthy(&client, &addr).await;
    let get = |id: Option<&'static str>| {
        let mut request = client
            .get(format!("http://{addr}/api/v1/jobs/eval_missing"))
            .header("X-API-Key", &key);
        if let Some(id) = id {
            request = request.header("X-Request-Id", id);
        }
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 404);
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(get(Some("trace-me-42")).await, "trace-me-42");
    let fresh = get(None).await;
    assert!(fresh.starts_with("req_"), "{fresh}");
    let replaced = get(Some("two words")).await;
    assert!(
        replaced.starts_with("req_") && replaced != fresh,
        "{replaced}"
    );
    let id = submit(&client, &addr, &key).await;
    let done = settled(&client, &addr, &key, &id, Duration::from_secs(60)).await;
    assert_eq!(done["status"], "completed", "{done}");
    drop(server);

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes when stderr is a file"
    );
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let access = |request_id: &str| {
        lines.iter().find(|l| {
            l["target"] == "shortlist_host::access" && l["span"]["request.id"] == request_id
        })
    };
    let line = access("trace-me-42").unwrap_or_else(|| panic!("no access line in {text}"));
    assert_eq!(line["fields"]["status"], 404);
    assert_eq!(line["span"]["http.route"], "/api/v1/jobs/{eval_id}");
    assert!(access(&fresh).is_some() && access(&replaced).is_some());
    let finished = lines
        .iter()
        .find(|l| l["fields"]["message"] == "Job finished.")
        .unwrap_or_else(|| panic!("no job line in {text}"));
    assert_eq!(finished["span"]["name"], "job");
    assert_eq!(finished["span"]["job.id"], id.as_str());
}
