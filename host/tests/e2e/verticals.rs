//! The second vertical, freight, where insurance goes: its sample data, a pool import, a
//! job through `serve` with a webhook, and its trace naming its own release, whose
//! `shipper-policy` filter is written in Python. Nothing in the host knows either
//! vertical or either language: both come from `plugins/`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Env, Replica, free_addr, settled, wait_healthy};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freight_job_runs_through_serve_with_its_python_module_webhook_and_trace() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::sqlite(dir.path());
    env.run(&["org", "create", "shipper"]);
    let key = env
        .run(&["key", "create", "--org", "shipper"])
        .trim()
        .to_owned();
    let pool = env.run(&["sample", "pool", "--vertical", "freight", "--size", "500"]);
    std::fs::write(dir.path().join("freight.json"), pool).unwrap();
    let imported = env.run(&[
        "pool",
        "import",
        "--org",
        "shipper",
        "--pool",
        "carriers:freight",
        "--vertical",
        "freight",
        "freight.json",
    ]);
    assert!(
        imported.contains("version 1 (500 candidates)"),
        "{imported}"
    );
    let mut profile: Value =
        serde_json::from_str(&env.run(&["sample", "profile", "--vertical", "freight"])).unwrap();
    // The shipper's own policy, applied by the Python module: the sample's best carrier
    // for this lane is off its list.
    profile["do_not_use"] = json!(["lone-star-logistics"]);

    let receiver = shortlist_tests::Receiver::start(&[204]).await;
    let addr = free_addr();
    let client = reqwest::Client::new();
    let _server = Replica(env.serve_with(
        &addr,
        &[
            ("SHORTLIST_WEBHOOK_ALLOW_CIDRS", "127.0.0.0/8"),
            ("SHORTLIST_WEBHOOK_ALLOW_HTTP", "true"),
        ],
    ));
    wait_healthy(&client, &addr).await;
    let response = client
        .post(format!("http://{addr}/api/v1/jobs"))
        .header("X-API-Key", &key)
        .json(
            &json!({ "profile": profile, "pool": "carriers:freight", "webhook_url": receiver.url }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let id = response.json::<Value>().await.unwrap()["eval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let result = settled(&client, &addr, &key, &id, Duration::from_secs(60)).await;
    assert_eq!(result["status"], "completed", "{result}");
    assert_eq!(result["pool_size"], 500);
    assert_eq!(result["release"], "freight@1");
    let candidates = result["candidates"].as_array().unwrap();
    assert!(!candidates.is_empty(), "the default shipper finds carriers");
    let filtered = result["filtered"].as_u64().unwrap();
    assert!(filtered > 0, "some carriers fail the hard requirements");
    assert_eq!(candidates.len() as u64 + filtered, 500);

    let trace: Value = client
        .get(format!("http://{addr}/traces/{id}"))
        .header("X-API-Key", &key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(trace["vertical"], "freight");
    assert_eq!(trace["release"], "freight@1");
    let modules: Vec<&str> = trace["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        modules,
        [
            "eligibility",
            "shipper-policy",
            "lane-fit",
            "carrier-performance"
        ]
    );
    let lone_star = trace["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Lone Star Logistics")
        .expect("the named carriers open the sample pool");
    let verdicts = &lone_star["verdicts"];
    assert_eq!(verdicts[0]["module"], "eligibility");
    assert_eq!(verdicts[0]["eligible"], true, "{lone_star}");
    assert_eq!(verdicts[1]["module"], "shipper-policy");
    assert_eq!(verdicts[1]["eligible"], false, "{lone_star}");
    assert_eq!(verdicts[1]["reason"], "on the shipper's do-not-use list");
    assert!(
        candidates
            .iter()
            .all(|c| c["name"] != "Lone Star Logistics"),
        "a carrier on the do-not-use list is not shortlisted"
    );

    let hits = receiver.wait_for(1).await;
    let payload: Value = serde_json::from_slice(&hits[0].body).unwrap();
    assert_eq!(payload["eval_id"], id.as_str());
    assert_eq!(payload["candidates"], result["candidates"]);
}
