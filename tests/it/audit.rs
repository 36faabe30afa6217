//! Audit links and the trace viewer, as an auditor meets them: the `audit` URL of a result
//! opens its trace with no key, as JSON for tools and as a page in a browser (headless
//! Chromium); an altered, expired, revoked or borrowed link opens nothing, and says so.
//! Two evaluations compare, in JSON and in the browser, only with the right to read both.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use shortlist_host::registry;
use shortlist_host::vertical::{Bundle, ModuleFile, Samples};
use shortlist_tests::browser::Browser;
use shortlist_tests::{HOSTILE_MANIFEST, TestHost, fixture};

const SEED_PROFILE: &str = r#"{"entity": "acme-manufacturing", "state": "CA", "line": "professional_liability", "revenue": 12000000}"#;

/// Where the browser test leaves its screenshots, for a person to look at.
fn screenshot(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/screenshots")
        .join(format!("{name}.png"))
}

/// The link with the last character of its signature changed.
fn tamper(url: &str) -> String {
    let last = if url.ends_with('A') { 'B' } else { 'A' };
    format!("{}{last}", &url[..url.len() - 1])
}

async fn submit(host: &TestHost, key: &str, pool: &str, profile: Value) -> Value {
    let response = host
        .client
        .post(format!("{}/api/v1/jobs", host.url))
        .header("X-API-Key", key)
        .json(&json!({ "profile": profile, "pool": pool }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let id = response.json::<Value>().await.unwrap()["eval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    host.wait_for(key, &id).await
}

/// GETs a URL with no key, as a browser (`text/html`) or a tool; status, content type, body.
async fn open(host: &TestHost, url: &str, html: bool) -> (StatusCode, String, String) {
    let accept = if html {
        "text/html,application/xhtml+xml,*/*;q=0.8"
    } else {
        "application/json"
    };
    let response = host
        .client
        .get(url)
        .header("Accept", accept)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

/// Publishes and activates the hostile fixture as a vertical, and gives organisation A a
/// pool of it (`hostile:all`), so that a job can fail on purpose.
async fn serve_hostile(host: &TestHost) {
    let bundle = Bundle::new(
        "hostile",
        HOSTILE_MANIFEST,
        vec![ModuleFile::new(
            "hostile.wasm",
            fixture("shortlist-fixture-hostile"),
        )],
    )
    .unwrap()
    .with_samples(Samples {
        pool: vec![json!({ "name": "first" })],
        profiles: vec![("calm".into(), json!({ "entity": "a", "attack": "none" }))],
    });
    let runtime = host.catalogue.runtime();
    let published = registry::publish(&host.store, runtime, &bundle, "", "test")
        .await
        .unwrap();
    registry::activate(&host.store, &published.id(), "test")
        .await
        .unwrap();
    for _ in 0..200 {
        if host.catalogue.release("hostile").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let release = host
        .catalogue
        .release("hostile")
        .expect("the hostile release is served");
    let pool = r#"[{"name": "first"}, {"name": "second"}]"#;
    shortlist_host::cli::admin::import_pool(
        &host.store,
        &release.vertical,
        &host.org_a,
        "hostile:all",
        pool,
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_opens_its_own_trace_only_and_says_why_not_otherwise() {
    let host = TestHost::start().await;
    let result = submit(
        &host,
        &host.key_a,
        "carriers:all",
        serde_json::from_str(SEED_PROFILE).unwrap(),
    )
    .await;
    let id = result["eval_id"].as_str().unwrap();
    let audit = result["audit"].as_str().unwrap().to_owned();

    let (status, content_type, body) = open(&host, &audit, false).await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "application/json")
    );
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["eval_id"], id);
    let (status, content_type, body) = open(&host, &audit, true).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(body.contains("/viewer/viewer.js"), "the viewer shell");

    // Altered: another trace's id, a later expiry, a changed signature. 404, no hint.
    let other = submit(
        &host,
        &host.key_a,
        "carriers:all",
        serde_json::from_str(SEED_PROFILE).unwrap(),
    )
    .await;
    let other_id = other["eval_id"].as_str().unwrap();
    let later = {
        let exp: i64 = audit
            .split("exp=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        audit.replace(&format!("exp={exp}"), &format!("exp={}", exp + 86_400))
    };
    let tampered = [
        audit.replace(id, other_id),
        later,
        tamper(&audit),
        audit.replace("exp=", "exp=abc"),
        audit.split('&').next().unwrap().to_owned(),
    ];
    for url in &tampered {
        let (status, _, body) = open(&host, url, false).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{url}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["error"]["code"],
            "not_found"
        );
        let (status, content_type, page) = open(&host, url, true).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(
            page.contains("This audit link does not open a trace"),
            "{page}"
        );
    }

    // Another organisation: its key reads nothing of A's, and its own link opens only its
    // own trace (B has no pool: it borrows nothing).
    let (status, _) = (
        host.client
            .get(format!("{}/traces/{id}", host.url))
            .header("X-API-Key", &host.key_b)
            .send()
            .await
            .unwrap()
            .status(),
        (),
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor any part of it.
    for part in ["candidate=x", "part=overview", "part=shortlist"] {
        let status = host
            .client
            .get(format!("{}/traces/{id}?{part}", host.url))
            .header("X-API-Key", &host.key_b)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{part}");
    }
    // The link reads the parts the viewer reads; a part asked for wrongly is a 400 that
    // names its parameter.
    let (status, _, overview) = open(&host, &format!("{audit}&part=overview"), false).await;
    assert_eq!(status, StatusCode::OK);
    let overview: Value = serde_json::from_str(&overview).unwrap();
    assert_eq!(overview["trace"]["eval_id"], id);
    assert_eq!(overview["filtered"], result["filtered"]);
    for (query, field) in [
        ("part=summary", "part"),
        ("part=shortlist&sort=colour", "sort"),
        ("part=shortlist&order=up", "order"),
        ("part=shortlist&limit=0", "limit"),
        ("part=shortlist&offset=-1", "query"),
    ] {
        let (status, _, body) = open(&host, &format!("{audit}&{query}"), false).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], "invalid_request", "{query}");
        assert_eq!(body["error"]["details"][0]["field"], field, "{query}");
    }
    let b_link = host
        .links
        .mint(&host.url, id, "org_of_someone_else", None)
        .await
        .unwrap();
    assert_eq!(open(&host, &b_link, false).await.0, StatusCode::NOT_FOUND);

    // Comparing two traces needs the right to read each: the organisation's key, or both
    // links; another organisation's key or link reads neither.
    let compare_url = format!("{}/traces/{id}/compare/{other_id}", host.url);
    let compared = |key: Option<&str>| {
        let request = host.client.get(&compare_url);
        match key {
            Some(key) => request.header("X-API-Key", key),
            None => request,
        }
    };
    let response = compared(Some(&host.key_a)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let comparison: Value = response.json().await.unwrap();
    assert_eq!(comparison["from"]["eval_id"], id);
    assert_eq!(comparison["to"]["eval_id"], other_id);
    assert_eq!(comparison["same_profile"], true);
    assert_eq!(
        comparison["counts"]["unchanged"],
        comparison["counts"]["candidates"]
    );
    assert_eq!(
        compared(Some(&host.key_b)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        compared(None).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let query = |link: &str, prefix: &str| {
        link.split_once('?')
            .unwrap()
            .1
            .split('&')
            .map(|kv| format!("{prefix}{kv}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let other_link = other["audit"].as_str().unwrap();
    let both = format!(
        "{compare_url}?{}&{}",
        query(&audit, ""),
        query(other_link, "to_")
    );
    assert_eq!(open(&host, &both, false).await.0, StatusCode::OK);
    let (status, content_type, _) = open(&host, &both, true).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let foreign = host
        .links
        .mint(&host.url, other_id, "org_of_someone_else", None)
        .await
        .unwrap();
    for url in [
        format!(
            "{compare_url}?{}&{}",
            query(&audit, ""),
            query(&foreign, "to_")
        ),
        format!(
            "{compare_url}?{}&{}",
            query(&audit, ""),
            query(&tamper(other_link), "to_")
        ),
        format!("{compare_url}?{}", query(&audit, "")),
    ] {
        let status = open(&host, &url, false).await.0;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::UNAUTHORIZED,
            "{url}: {status}"
        );
    }

    // Evaluations of two verticals do not compare: 422, saying why.
    let freight = host
        .catalogue
        .release("freight")
        .expect("freight is built in");
    let freight_pool =
        serde_json::to_string(&shortlist_plugin_freight_samples::pool(50, 1)).unwrap();
    shortlist_host::cli::admin::import_pool(
        &host.store,
        &freight.vertical,
        &host.org_a,
        "carriers:freight",
        &freight_pool,
    )
    .await
    .unwrap();
    let lane = submit(
        &host,
        &host.key_a,
        "carriers:freight",
        shortlist_plugin_freight_samples::profile(None).unwrap(),
    )
    .await;
    let response = host
        .client
        .get(format!(
            "{}/traces/{id}/compare/{}",
            host.url,
            lane["eval_id"].as_str().unwrap()
        ))
        .header("X-API-Key", &host.key_a)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_comparable");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("only evaluations of one vertical compare"),
        "{body}"
    );

    // Expired: 410, with the date.
    let expired = host
        .links
        .mint(&host.url, id, &host.org_a, Some(Duration::ZERO))
        .await
        .unwrap();
    let (status, _, body) = open(&host, &expired, false).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"]["code"],
        "link_expired"
    );
    let (_, _, page) = open(&host, &expired, true).await;
    assert!(page.contains("This audit link has expired"), "{page}");

    // A key without a link still reads, and a revocation ends every link at once.
    let (status, _) = (
        host.client
            .get(format!("{}/traces/{id}", host.url))
            .header("X-API-Key", &host.key_a)
            .send()
            .await
            .unwrap()
            .status(),
        (),
    );
    assert_eq!(status, StatusCode::OK);
    host.links.rotate(true).await.unwrap();
    assert_eq!(open(&host, &audit, false).await.0, StatusCode::NOT_FOUND);
    let fresh = host
        .links
        .mint(&host.url, id, &host.org_a, None)
        .await
        .unwrap();
    assert_eq!(open(&host, &fresh, false).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_opens_the_link_in_a_browser_and_follows_the_arithmetic() {
    let host = TestHost::start().await;
    let result = submit(
        &host,
        &host.key_a,
        "carriers:all",
        serde_json::from_str(SEED_PROFILE).unwrap(),
    )
    .await;
    let audit = result["audit"].as_str().unwrap().to_owned();
    let trace: Value = host
        .client
        .get(&audit)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let top = &result["candidates"][0];
    let top_name = top["name"].as_str().unwrap();
    let top_fit = trace["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == top_name)
        .unwrap()["result"]["fit"]
        .as_f64()
        .unwrap();

    let browser = Browser::start().await.expect("headless Chromium starts");
    browser.goto(&audit).await.unwrap();
    // The top of the shortlist is the result's first candidate.
    let first = browser.find("#shortlist tbody tr.row").await.unwrap();
    assert_eq!(
        browser
            .text_of("#shortlist tbody tr.row td.name")
            .await
            .unwrap(),
        top_name
    );
    assert_eq!(
        browser.text_of("#release").await.unwrap(),
        trace["release"].as_str().unwrap()
    );
    // Each module's limits, as the trace reports them.
    let fuel = trace["modules"][0]["limits"]["fuel"].as_u64().unwrap();
    let limits = browser.text_of("#modules td.limits").await.unwrap();
    let digits = fuel.to_string();
    let grouped: Vec<&str> = (0..digits.len())
        .rev()
        .step_by(3)
        .map(|end| &digits[end.saturating_sub(2)..=end])
        .collect();
    let grouped = grouped.into_iter().rev().collect::<Vec<_>>().join(",");
    assert!(limits.contains(&format!("{grouped} fuel")), "{limits}");
    browser
        .screenshot(&screenshot("viewer-shortlist"))
        .await
        .unwrap();

    // Its drill-down works the fit out in numbers, to the fit the trace records.
    browser.click(&first).await.unwrap();
    let fit = browser.text_of("#fit-math .fit-result").await.unwrap();
    assert!(fit.starts_with("fit = "), "{fit}");
    assert!(
        fit.ends_with(&format!("= {top_fit}")),
        "{fit} against the trace's {top_fit}"
    );
    // The first rule met is the candidate's tier.
    let chosen = browser.text_of("#tier-rules li.rule-met").await.unwrap();
    assert!(
        chosen.starts_with(top["tier"].as_str().unwrap()),
        "{chosen}"
    );
    assert!(chosen.ends_with("→ this tier"), "{chosen}");
    assert!(
        !chosen.contains(','),
        "the rule reads as a sentence: {chosen}"
    );
    let confidence = browser.text_of("#confidence-math").await.unwrap();
    assert!(
        confidence.ends_with(top["confidence"].as_str().unwrap()),
        "{confidence}"
    );
    browser
        .screenshot(&screenshot("viewer-drilldown"))
        .await
        .unwrap();

    // Searching finds a filtered-out candidate too, with the filter's reason.
    let filtered = trace["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["result"].is_null())
        .expect("the seed profile filters some carriers");
    let name = filtered["name"].as_str().unwrap();
    browser
        .script(&format!(
            "const s = document.getElementById('search'); s.value = {}; s.dispatchEvent(new Event('input'));",
            serde_json::to_string(name).unwrap()
        ))
        .await
        .unwrap();
    let link = browser
        .find("#filtered-matches a.filtered-name")
        .await
        .unwrap();
    browser.click(&link).await.unwrap();
    // The viewer reads that candidate alone, then opens it.
    let verdicts = browser
        .text_of(&format!(
            "#drilldown[data-name={}] #verdicts",
            serde_json::to_string(name).unwrap()
        ))
        .await
        .unwrap();
    assert!(verdicts.contains("rejected"), "{verdicts}");
    let groups = browser.text_of("#filtered").await.unwrap();
    assert!(
        groups.starts_with(&format!("Filtered out: {}", result["filtered"])),
        "{groups}"
    );

    // Compared with the same profile in another state: what changed, for whom.
    let mut moved: Value = serde_json::from_str(SEED_PROFILE).unwrap();
    moved["state"] = json!("TX");
    let after = submit(&host, &host.key_a, "carriers:all", moved).await;
    let after_link = after["audit"].as_str().unwrap();
    let comparison: Value = host
        .client
        .get(format!(
            "{}/traces/{}/compare/{}",
            host.url,
            result["eval_id"].as_str().unwrap(),
            after["eval_id"].as_str().unwrap()
        ))
        .header("X-API-Key", &host.key_a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(comparison["same_profile"], false);
    let first_change = comparison["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c.as_object()
                .unwrap()
                .keys()
                .any(|k| k != "name" && k != "rank")
        })
        .expect("another state changes some carriers' outcome");
    browser.goto(&audit).await.unwrap();
    browser.find("#compare-link").await.unwrap();
    browser
        .script(&format!(
            "document.getElementById('compare-link').value = {};",
            serde_json::to_string(after_link).unwrap()
        ))
        .await
        .unwrap();
    let go = browser.find("#compare-go").await.unwrap();
    browser.click(&go).await.unwrap();
    let counts = browser.text_of("#compare-counts").await.unwrap();
    let c = &comparison["counts"];
    assert!(
        counts.starts_with(&format!(
            "{} candidates: {} newly filtered, {} newly eligible, {} tier changes",
            c["candidates"], c["newly_filtered"], c["newly_eligible"], c["tier_changed"]
        )),
        "{counts}"
    );
    assert_eq!(
        browser.text_of("#changes tr.change td.name").await.unwrap(),
        first_change["name"].as_str().unwrap()
    );
    assert!(
        browser
            .text_of("#compare-notes")
            .await
            .unwrap()
            .starts_with("The profiles differ.")
    );
    browser
        .screenshot(&screenshot("viewer-comparison"))
        .await
        .unwrap();

    // A failed job's trace names the failing module and why.
    serve_hostile(&host).await;
    let failed = submit(
        &host,
        &host.key_a,
        "hostile:all",
        json!({ "entity": "x", "attack": "panic" }),
    )
    .await;
    assert_eq!(failed["status"], "failed");
    browser
        .goto(failed["audit"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        browser.text_of("#failure .error-module").await.unwrap(),
        "hostile"
    );
    assert_eq!(
        browser.text_of("#failure .error-code").await.unwrap(),
        "plugin_trapped"
    );
    let reason = browser.text_of("#failure .error-message").await.unwrap();
    assert!(
        reason.contains("hostile module panicked on purpose"),
        "{reason}"
    );
    browser
        .screenshot(&screenshot("viewer-failed"))
        .await
        .unwrap();

    // An expired and a tampered link each get the page that says so.
    let id = result["eval_id"].as_str().unwrap();
    let expired = host
        .links
        .mint(&host.url, id, &host.org_a, Some(Duration::ZERO))
        .await
        .unwrap();
    browser.goto(&expired).await.unwrap();
    let page = browser.text_of("#link-error").await.unwrap();
    assert!(page.contains("This audit link has expired"), "{page}");
    browser
        .screenshot(&screenshot("viewer-expired"))
        .await
        .unwrap();
    browser.goto(&tamper(&audit)).await.unwrap();
    let page = browser.text_of("#link-error").await.unwrap();
    assert!(page.contains("does not open a trace"), "{page}");
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_fields_are_masked_in_the_stored_trace_and_it_still_replays() {
    let host = TestHost::start().await;
    let mut profile: Value = serde_json::from_str(SEED_PROFILE).unwrap();
    profile["loss_history"] = json!({ "claims": 2, "amount": 184_517, "years": 5 });
    profile["expected_premium"] = json!(48_213);
    let result = submit(&host, &host.key_a, "carriers:all", profile).await;
    assert_eq!(result["status"], "completed");
    let id = result["eval_id"].as_str().unwrap();
    let response = host
        .client
        .get(result["audit"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    let trace: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(trace["profile"]["loss_history"], "[redacted]");
    assert_eq!(trace["profile"]["expected_premium"], "[redacted]");
    assert_eq!(
        trace["profile"]["revenue"], 12_000_000,
        "unmarked fields stay"
    );
    // The marked fields this profile had (it gave no payroll).
    assert_eq!(
        trace["redacted"]["profile"],
        json!(["loss_history", "expected_premium"])
    );
    for secret in ["184517", "184,517", "48213", "48,213"] {
        assert!(!text.contains(secret), "{secret} leaked into the trace");
    }
    // The stored bytes are the masked ones, and a replay reproduces them.
    let replay = shortlist_host::replay::replay(&host.store, &host.catalogue, id)
        .await
        .unwrap();
    assert!(replay.identical(), "{:?} {:?}", replay.result, replay.trace);
    let stored = shortlist_host::traces::stored::decode(
        &host.store.trace_any_org(id).await.unwrap().unwrap(),
    )
    .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("184517"));
}
