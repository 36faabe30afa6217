//! The seed's API over real HTTP on loopback: the happy path, every error with its exact
//! body, tenant isolation, idempotency, and random bodies that must never get a 5xx.

use reqwest::StatusCode;
use serde_json::{Value, json};
use shortlist_tests::{HostOptions, TEST_POOL_SIZE, TestHost};

/// The body of the seed's curl example, as printed there.
const SEED_BODY: &str = r#"{
    "profile": {
      "entity": "acme-manufacturing",
      "state": "CA",
      "line": "professional_liability",
      "revenue": 12000000
    },
    "pool": "carriers:all",
    "webhook_url": "https://your-app.com/hooks/nexio"
  }"#;

async fn post(
    host: &TestHost,
    key: Option<&str>,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut request = host
        .client
        .post(format!("{}/api/v1/jobs", host.url))
        .header("Content-Type", content_type)
        .body(body);
    if let Some(key) = key {
        request = request.header("X-API-Key", key);
    }
    let response = request.send().await.expect("request is sent");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

async fn get(host: &TestHost, key: &str, path: &str) -> (StatusCode, Value) {
    let response = host
        .client
        .get(format!("{}{path}", host.url))
        .header("X-API-Key", key)
        .send()
        .await
        .expect("request is sent");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_example_runs_from_post_to_completed_with_its_trace() {
    let host = TestHost::start().await;
    let (status, headers, body) =
        post(&host, Some(&host.key_a), "application/json", SEED_BODY).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let eval_id = body["eval_id"].as_str().expect("an eval_id").to_owned();
    assert!(
        eval_id.starts_with("eval_") && eval_id.len() == 13,
        "{eval_id}"
    );
    assert_eq!(body, json!({ "eval_id": eval_id, "status": "queued" }));
    assert_eq!(
        headers["location"],
        format!("/api/v1/jobs/{eval_id}").as_str()
    );

    let result = host.wait_for(&host.key_a, &eval_id).await;
    assert_eq!(result["status"], "completed", "{result}");
    assert_eq!(result["eval_id"], eval_id.as_str());
    assert_eq!(result["pool_size"], TEST_POOL_SIZE);
    let filtered = result["filtered"].as_u64().unwrap();
    let candidates = result["candidates"].as_array().unwrap();
    assert_eq!(candidates.len() as u64 + filtered, TEST_POOL_SIZE as u64);
    // The audit link opens the trace with no key: what a person clicking it gets.
    let audit = result["audit"].as_str().expect("an audit link");
    assert!(
        audit.starts_with(&format!("{}/traces/{eval_id}?exp=", host.url)),
        "{audit}"
    );
    let linked: Value = host
        .client
        .get(audit)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(linked["eval_id"], eval_id.as_str());

    let (status, trace) = get(&host, &host.key_a, &format!("/traces/{eval_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(trace["eval_id"], eval_id.as_str());
    let modules = trace["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 3);
    for module in modules {
        assert_eq!(module["sha256"].as_str().unwrap().len(), 64);
        assert!(module["fuel_used"].as_u64().unwrap() > 0);
        assert!(module["wall_time_us"].as_u64().is_some());
    }
    assert_eq!(
        trace["candidates"].as_array().unwrap().len(),
        TEST_POOL_SIZE
    );
    assert!(trace["aggregation"]["weights"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_has_the_seed_shape() {
    let host = TestHost::start().await;
    let unauthorized =
        json!({ "error": { "code": "unauthorized", "message": "Invalid or missing API key" } });
    assert_eq!(
        post(&host, None, "application/json", SEED_BODY).await.2,
        unauthorized
    );
    let (status, _, body) = post(
        &host,
        Some("nx_live_YOUR_KEY"),
        "application/json",
        SEED_BODY,
    )
    .await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, unauthorized.clone())
    );

    let missing_entity =
        json!({ "profile": { "state": "CA" }, "pool": "carriers:all" }).to_string();
    let (status, _, body) =
        post(&host, Some(&host.key_a), "application/json", missing_entity).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_request");
    assert_eq!(
        body["error"]["message"],
        "Missing required field: profile.entity"
    );
    assert_eq!(
        body["error"]["details"][0],
        json!({ "field": "profile.entity", "message": "Missing required field: profile.entity" })
    );

    let unknown = json!({ "profile": { "entity": "x" }, "pool": "carriers:unknown" }).to_string();
    let (status, _, body) = post(&host, Some(&host.key_a), "application/json", unknown).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({ "error": { "code": "unknown_pool", "message": "Pool 'carriers:unknown' not found for your organization" } })
    );

    // The vertical's modules check the rest of the profile: every problem is listed.
    let bad_profile =
        json!({ "profile": { "entity": "acme", "state": "ZZ" }, "pool": "carriers:all" })
            .to_string();
    let (status, _, body) = post(&host, Some(&host.key_a), "application/json", bad_profile).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["details"].as_array().unwrap().len() >= 2,
        "{body}"
    );

    let (status, _, body) = post(
        &host,
        Some(&host.key_a),
        "application/json",
        "{\"profile\": ",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Malformed JSON"),
        "{body}"
    );

    let (status, _, body) = post(&host, Some(&host.key_a), "text/plain", SEED_BODY).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body["error"]["code"], "unsupported_media_type");

    let huge = format!(
        "{{\"profile\": {{\"entity\": \"{}\"}}, \"pool\": \"carriers:all\"}}",
        "x".repeat(100 << 10)
    );
    let (status, _, body) = post(&host, Some(&host.key_a), "application/json", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "payload_too_large");

    let (status, body) = get(&host, &host.key_a, "/api/v1/jobs/eval_doesnotexist").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organisation_sees_nothing() {
    let host = TestHost::start().await;
    let (_, _, body) = post(&host, Some(&host.key_a), "application/json", SEED_BODY).await;
    let eval_id = body["eval_id"].as_str().unwrap().to_owned();
    host.wait_for(&host.key_a, &eval_id).await;

    let (status, theirs) = get(&host, &host.key_b, &format!("/api/v1/jobs/{eval_id}")).await;
    let (_, nobody) = get(&host, &host.key_b, "/api/v1/jobs/eval_00000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        theirs["error"]["code"], nobody["error"]["code"],
        "no hint that the job exists"
    );
    let (status, _) = get(&host, &host.key_b, &format!("/traces/{eval_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = post(&host, Some(&host.key_b), "application/json", SEED_BODY).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "unknown_pool");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_replays_the_first_answer_and_refuses_another_body() {
    let host = TestHost::start().await;
    let send = |body: &'static str| {
        host.client
            .post(format!("{}/api/v1/jobs", host.url))
            .header("Content-Type", "application/json")
            .header("X-API-Key", &host.key_a)
            .header("Idempotency-Key", "order-42")
            .body(body)
            .send()
    };
    let first: Value = send(SEED_BODY).await.unwrap().json().await.unwrap();
    let again = send(SEED_BODY).await.unwrap();
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let other = send(r#"{"profile": {"entity": "someone-else"}, "pool": "carriers:all"}"#)
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        other.json::<Value>().await.unwrap()["error"]["code"],
        "idempotency_key_reused"
    );
}

/// A small deterministic generator of hostile request bodies and headers.
fn random_body(state: &mut u64) -> (String, Option<&'static str>) {
    let mut next = || {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*state >> 33) as usize
    };
    let values = [
        "null",
        "true",
        "0",
        "-1",
        "1e999",
        "\"\"",
        "\"carriers:all\"",
        "[]",
        "{}",
        "[1,2]",
        "{\"entity\":null}",
        "{\"entity\":\"a\",\"revenue\":-5}",
        "{\"entity\":\"a\",\"state\":7}",
        "\"\\u0000\"",
        "{\"entity\":\"\\ud800\"}",
    ];
    let keys = ["profile", "pool", "webhook_url", "extra", ""];
    let mut body = String::from("{");
    for i in 0..next() % 4 {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            "\"{}\":{}",
            keys[next() % keys.len()],
            values[next() % values.len()]
        ));
    }
    body.push('}');
    match next() % 6 {
        0 => body.truncate(next() % body.len().max(1)),
        1 => body = values[next() % values.len()].to_owned(),
        _ => {}
    }
    let content_type = [
        Some("application/json"),
        Some("application/json; charset=utf-8"),
        Some("text/json"),
        None,
    ][next() % 4];
    (body, content_type)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_bodies_and_headers_never_get_a_server_error() {
    let host = TestHost::start().await;
    let mut state = 0x5eed;
    for i in 0..300 {
        let (body, content_type) = random_body(&mut state);
        let key = [Some(host.key_a.as_str()), Some("garbage"), None][i % 3];
        let mut request = host
            .client
            .post(format!("{}/api/v1/jobs", host.url))
            .body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        if let Some(key) = key {
            request = request.header("X-API-Key", key);
        }
        let response = request.send().await.expect("request is sent");
        let status = response.status();
        let reply: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status.is_client_error() || status == StatusCode::ACCEPTED,
            "{status} for {body:?}: {reply}"
        );
        if status.is_client_error() {
            assert!(
                reply["error"]["code"].is_string(),
                "{status} for {body:?} lacks the error shape: {reply}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_runs_on_postgresql_too() {
    let options = shortlist_tests::HostOptions {
        postgres_schema: Some(format!("t_api_{}", std::process::id())),
        ..Default::default()
    };
    let host = TestHost::start_with(options).await;
    let (status, _, body) = post(&host, Some(&host.key_a), "application/json", SEED_BODY).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let eval_id = body["eval_id"].as_str().unwrap().to_owned();
    let result = host.wait_for(&host.key_a, &eval_id).await;
    assert_eq!(result["status"], "completed", "{result}");
    let (status, _) = get(&host, &host.key_b, &format!("/api/v1/jobs/{eval_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, trace) = get(&host, &host.key_a, &format!("/traces/{eval_id}")).await;
    assert_eq!(
        (status, trace["status"].as_str()),
        (StatusCode::OK, Some("completed"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_path_of_the_openapi_document_is_served() {
    // With the admin API on: its paths are documented too.
    let host = TestHost::start_with(HostOptions {
        admin_token: Some("operator-token"),
        ..HostOptions::default()
    })
    .await;
    let (_, document) = get(&host, &host.key_a, "/openapi.json").await;
    assert_eq!(document["openapi"], "3.0.3");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 8, "{paths:?}");
    for (path, methods) in paths {
        let path_filled = path
            .replace("{eval_id}", "eval_00000000")
            .replace("{release}", "insurance@1")
            .replace("{vertical}", "insurance")
            .replace("{sha256}", &"0".repeat(64));
        let url = format!("{}{path_filled}", host.url);
        for method in methods.as_object().unwrap().keys() {
            let request = match method.as_str() {
                "get" => host.client.get(&url),
                "post" => host
                    .client
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .body("{}"),
                other => panic!("unexpected method {other} for {path}"),
            };
            let response = request
                .header("X-API-Key", &host.key_a)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_ne!(
                body["error"]["message"], "No such endpoint",
                "{method} {path} is documented but not served"
            );
            assert!(!status.is_server_error(), "{method} {path}: {status}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_gives_each_verticals_profile_as_its_modules_declare_it() {
    let host = TestHost::start().await;
    let (_, document) = get(&host, &host.key_a, "/openapi.json").await;
    let schemas = &document["components"]["schemas"];
    let mut served = Vec::new();
    for release in host.catalogue.releases() {
        let vertical = &release.vertical.manifest().vertical;
        let schema = &schemas[format!("Profile.{vertical}")];
        served.push(json!({ "$ref": format!("#/components/schemas/Profile.{vertical}") }));
        assert_eq!(
            schema["properties"]["entity"]["type"], "string",
            "{vertical}"
        );
        let mut declared = 0;
        for field in release
            .vertical
            .modules()
            .flat_map(|m| &m.info().profile_fields)
        {
            declared += 1;
            // Down the dotted path: each step is a property, required when the field is.
            let mut node = schema;
            for part in field.path.split('.') {
                let required = node["required"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|n| n == part));
                assert!(
                    required || !field.required,
                    "{vertical}: {} is required by a module, not by the document",
                    field.path
                );
                node = &node["properties"][part];
                assert!(
                    node.is_object(),
                    "{vertical}: {} is not in the document",
                    field.path
                );
            }
            assert!(
                node["description"].is_string(),
                "{vertical}: {}",
                field.path
            );
        }
        assert!(declared > 3, "{vertical} declares {declared} fields");
    }
    assert!(served.len() >= 2, "{served:?}");
    served.sort_by_key(|r| r.to_string());
    assert_eq!(
        schemas["SubmitJob"]["properties"]["profile"]["anyOf"],
        Value::Array(served)
    );
    // The example profile of the pool's vertical is accepted as it stands.
    let example = schemas["Profile.insurance"]["example"].clone();
    assert!(example["entity"].is_string(), "{example}");
    let body = json!({ "profile": example, "pool": "carriers:all" }).to_string();
    let (status, _, accepted) = post(&host, Some(&host.key_a), "application/json", body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    // And the submission's answer says where its eval_id leads.
    let links = &document["paths"]["/api/v1/jobs"]["post"]["responses"]["202"]["links"];
    for (link, operation) in [
        ("GetJob", "getJob"),
        ("GetTrace", "getTrace"),
        ("RedeliverJob", "redeliverJob"),
    ] {
        assert_eq!(links[link]["operationId"], operation, "{links}");
        assert_eq!(
            links[link]["parameters"]["eval_id"],
            "$response.body#/eval_id"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_behind_a_token_answer_only_the_scraper_that_has_it() {
    let host = TestHost::start_with(HostOptions {
        metrics_token: Some("scraper-token"),
        ..HostOptions::default()
    })
    .await;
    let scrape = |token: Option<&str>| {
        let request = host.client.get(format!("{}/metrics", host.url));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    };
    for token in [None, Some("wrong"), Some("scraper-tokenx")] {
        let response = scrape(token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{token:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        assert_eq!(body["error"]["message"], "Invalid or missing metrics token");
    }
    let response = scrape(Some("scraper-token")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("shortlist_"));
    // The rest of the API is not behind it.
    let health = host
        .client
        .get(format!("{}/healthz", host.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
