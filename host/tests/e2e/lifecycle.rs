//! Rule modules as a lifecycle, through the binary as authors, operators and auditors use
//! it: publish (refused in full when broken), export, activate, roll back, watch, what-if,
//! replay, the admin API, and activations under load on SQLite and PostgreSQL replicas.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{Env, Replica, free_addr, settled, submit, wait_healthy};

/// Candidates in the pools of these tests: enough for every tier, quick to evaluate.
const POOL_SIZE: usize = 200;

/// The operator token of the admin API in these tests.
const ADMIN_TOKEN: &str = "test-operator-token";

/// A vertical's releases, as `vertical list --json` prints them.
fn releases(env: &Env, vertical: &str) -> Vec<Value> {
    serde_json::from_str(&env.run(&["vertical", "list", vertical, "--json"]))
        .expect("JSON releases")
}

fn active_release(env: &Env, vertical: &str) -> Option<String> {
    releases(env, vertical)
        .into_iter()
        .find(|r| r["active"] == true)
        .map(|r| r["release"].as_str().unwrap().to_owned())
}

/// Each release's rule module hashes, by module name (the sample data component, which
/// no job runs, left out).
fn module_hashes(env: &Env) -> BTreeMap<String, BTreeMap<String, String>> {
    releases(env, "insurance")
        .into_iter()
        .map(|r| {
            let modules = r["modules"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["kind"] != "samples")
                .map(|m| {
                    (
                        m["name"].as_str().unwrap().to_owned(),
                        m["sha256"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (r["release"].as_str().unwrap().to_owned(), modules)
        })
        .collect()
}

/// Exports a release into `dir` (under the test directory) and returns its path.
fn export(env: &Env, release: &str, dir: &str) -> PathBuf {
    env.run(&["vertical", "export", release, dir]);
    env.dir.join(dir)
}

/// Rewrites a line of a manifest; panics when the line is not there.
fn edit_manifest(dir: &Path, from: &str, to: &str) {
    let path = dir.join("vertical.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Re-stamps a component file in place: the same module, another hash.
fn restamp(path: &Path, stamp: &str) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, shortlist_tests::restamp(&bytes, stamp)).unwrap();
}

/// Rewrites every `shortlist:plugin` interface name of a component to another version, as
/// if it had been built against that version of the contract.
fn rebuild_against(path: &Path, version: &str) {
    let bytes = std::fs::read(path).unwrap();
    let (from, to) = ("@0.2.0".as_bytes(), format!("@{version}"));
    assert_eq!(
        from.len(),
        to.len(),
        "same-length versions keep the binary valid"
    );
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let at_name = bytes[..i].ends_with(b"shortlist:plugin/module")
            || bytes[..i].ends_with(b"shortlist:plugin/types")
            || bytes[..i].ends_with(b"shortlist:plugin/log");
        if at_name && bytes[i..].starts_with(from) {
            out.extend_from_slice(to.as_bytes());
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    std::fs::write(path, out).unwrap();
}

fn wasm_named(dir: &Path, module: &str) -> PathBuf {
    dir.join(format!("{module}.wasm"))
}

/// Polls `/readyz` until `until` holds of it (at most 10 s); returns the last answer.
async fn readyz(client: &reqwest::Client, addr: &str, until: impl Fn(&Value) -> bool) -> Value {
    let mut ready = Value::Null;
    for _ in 0..200 {
        ready = match client.get(format!("http://{addr}/readyz")).send().await {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        if until(&ready) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ready
}

/// Waits until `addr` serves `release` (its `/readyz`), at most 10 s.
async fn wait_serving(client: &reqwest::Client, addr: &str, release: &str) {
    let vertical = release.split('@').next().unwrap();
    let ready = readyz(client, addr, |r| r["releases"][vertical] == release).await;
    assert_eq!(
        ready["releases"][vertical], release,
        "{addr} does not serve {release} after 10 s"
    );
}

/// Fit and tier of a candidate's levels under a manifest, computed here from the manifest
/// text, independently of the host's aggregation.
fn expected_tier(manifest: &toml::Table, scores: &serde_json::Map<String, Value>) -> String {
    let weights = manifest["weights"].as_table().unwrap();
    let points = manifest["points"].as_table().unwrap();
    let number = |v: &toml::Value| {
        v.as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .unwrap()
    };
    let (mut sum, mut total) = (0.0, 0.0);
    for (dimension, weight) in weights {
        let level = scores[dimension].as_str().unwrap();
        sum += number(weight) * number(&points[level]);
        total += number(weight);
    }
    let fit = sum / total;
    for tier in manifest["tiers"].as_array().unwrap() {
        let tier = tier.as_table().unwrap();
        let worst_ok = tier
            .get("worst")
            .and_then(toml::Value::as_table)
            .is_none_or(|worst| {
                worst
                    .iter()
                    .all(|(d, cap)| scores[d].as_str().unwrap() <= cap.as_str().unwrap())
            });
        if fit >= number(&tier["min_fit"]) && worst_ok {
            return tier["name"].as_str().unwrap().to_owned();
        }
    }
    panic!("no tier accepts fit {fit}");
}

fn manifest_table(dir: &Path) -> toml::Table {
    std::fs::read_to_string(dir.join("vertical.toml"))
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weight_change_is_published_shadowed_activated_rolled_back_and_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::sqlite(dir.path());
    let key = env.broker_with_pool(POOL_SIZE);
    assert_eq!(
        active_release(&env, "insurance").as_deref(),
        Some("insurance@1")
    );

    // Export round-trips: the files hash as the registry says, and publishing them again
    // is the same release.
    let v1 = export(&env, "insurance", "v1");
    for (name, sha256) in &module_hashes(&env)["insurance@1"] {
        let bytes = std::fs::read(wasm_named(&v1, name)).unwrap();
        assert_eq!(&hex::encode(Sha256::digest(&bytes)), sha256, "{name}");
    }
    assert_eq!(
        env.run(&["vertical", "publish", "v1"]).trim(),
        "insurance@1"
    );

    // insurance@2: service weighs six times more.
    let v2 = export(&env, "insurance@1", "v2");
    edit_manifest(&v2, "service = 0.10", "service = 0.60");
    let published = env.run(&["vertical", "publish", "v2", "--note", "service weighs more"]);
    assert_eq!(published.trim(), "insurance@2");
    assert_eq!(
        active_release(&env, "insurance").as_deref(),
        Some("insurance@1")
    );

    let addr = free_addr();
    let client = reqwest::Client::new();
    let _server = Replica(env.serve(&addr));
    wait_healthy(&client, &addr).await;
    let first = submit(&client, &addr, &key).await;
    let result = settled(&client, &addr, &key, &first, Duration::from_secs(30)).await;
    assert_eq!(result["status"], "completed", "{result}");
    assert_eq!(result["release"], "insurance@1");
    // An operator mints a fresh audit link: it opens the trace with no key.
    let link = env
        .command()
        .args(["audit-link", &first, "--ttl", "1h"])
        .env("SHORTLIST_PUBLIC_URL", format!("http://{addr}"))
        .output()
        .unwrap();
    let link = String::from_utf8(link.stdout).unwrap();
    assert!(
        link.starts_with(&format!("http://{addr}/traces/{first}?exp=")),
        "{link}"
    );
    let trace: Value = client
        .get(link.trim())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(trace["release"], "insurance@1");

    // What-if: exactly the candidates whose tier the new weights change, computed here.
    let out = env.output(&["whatif", &first, "--release", "insurance@2", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (before, after) = (manifest_table(&v1), manifest_table(&v2));
    let mut expected = BTreeMap::new();
    for candidate in result["candidates"].as_array().unwrap() {
        let scores = candidate["scores"].as_object().unwrap();
        assert_eq!(
            expected_tier(&before, scores),
            candidate["tier"],
            "the aggregation agrees"
        );
        let new_tier = expected_tier(&after, scores);
        if new_tier != candidate["tier"] {
            expected.insert(candidate["name"].as_str().unwrap().to_owned(), new_tier);
        }
    }
    assert!(!expected.is_empty(), "the weight change moves some tiers");
    let reported: BTreeMap<String, String> = diff["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("tier").is_some())
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["tier"][1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(reported, expected);
    assert_eq!(diff["counts"]["tier_changed"], expected.len());
    assert_eq!(diff["counts"]["newly_filtered"], 0);
    assert_eq!(
        diff["counts"]["outputs_changed"], 0,
        "weights change no module output"
    );
    let text = env.run(&["whatif", &first, "--release", "insurance@2"]);
    assert!(text.contains("insurance@1 -> insurance@2"), "{text}");
    let shadow = env.run(&["whatif", "--release", "insurance@2", "--last", "10"]);
    assert!(shadow.contains("1 re-run, 1 would change"), "{shadow}");
    // A release of another vertical rates other things: refused, naming both.
    let out = env.output(&["whatif", &first, "--release", "freight@1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && stderr.contains("of the insurance vertical and freight@1 of freight"),
        "{stderr}"
    );

    // Activate: the running service swaps and the next job runs on insurance@2.
    let activated = env.run(&["vertical", "activate", "insurance@2"]);
    assert!(activated.contains("was insurance@1"), "{activated}");
    wait_serving(&client, &addr, "insurance@2").await;
    let second = submit(&client, &addr, &key).await;
    let result = settled(&client, &addr, &key, &second, Duration::from_secs(30)).await;
    assert_eq!(result["release"], "insurance@2", "{result}");

    // Both jobs replay byte for byte on the release each ran on.
    for id in [&first, &second] {
        let replay = env.run(&["replay", id]);
        assert!(replay.contains("replays byte-identically"), "{replay}");
    }

    // Roll back to insurance@1; once more has nothing earlier to go to.
    let back = env.run(&["vertical", "rollback", "insurance"]);
    assert!(back.contains("insurance@1 is active again"), "{back}");
    wait_serving(&client, &addr, "insurance@1").await;
    let again = env.output(&["vertical", "rollback", "insurance"]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("nothing to roll back to"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let history = env.run(&["vertical", "history", "insurance"]);
    assert_eq!(history.lines().count(), 3, "{history}");
    assert!(
        history.lines().last().unwrap().contains("rollback"),
        "{history}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_bundle_is_refused_with_every_problem_named_and_no_release_made() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::sqlite(dir.path());
    env.broker_with_pool(POOL_SIZE);
    let releases_before = releases(&env, "insurance").len();

    // Two modules built against a contract this host does not serve: both named.
    let old = export(&env, "insurance@1", "old-contract");
    rebuild_against(&wasm_named(&old, "eligibility"), "0.1.0");
    rebuild_against(&wasm_named(&old, "carrier-quality"), "0.1.0");
    let out = env.output(&["vertical", "publish", "old-contract"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("eligibility.wasm") && stderr.contains("carrier-quality.wasm"),
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("built against shortlist:plugin@0.1.0")
            .count(),
        2,
        "{stderr}"
    );

    // A dimension no scorer scores, and a weight for it.
    let missing = export(&env, "insurance@1", "missing-dimension");
    edit_manifest(
        &missing,
        "\"placement\", \"service\"]",
        "\"placement\", \"service\", \"capacity\"]",
    );
    edit_manifest(
        &missing,
        "service = 0.10",
        "service = 0.10\ncapacity = 0.10",
    );
    let out = env.output(&["vertical", "publish", "missing-dimension"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no scorer scores dimension capacity: list a scorer that declares it"),
        "{stderr}"
    );

    // A manifest typo: the message names what is wrong and suggests the fix.
    let typo = export(&env, "insurance@1", "typo");
    edit_manifest(&typo, "\"market-fit\"", "\"market-fitt\"");
    let out = env.output(&["vertical", "publish", "typo"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "module market-fitt is listed in `modules` but no module describes itself as \
             market-fitt; did you mean `market-fit`?"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("is provided but not listed in `modules`"),
        "{stderr}"
    );

    // A module that traps on one of the samples: the smoke run names the sample.
    let hostile = env.dir.join("hostile");
    std::fs::create_dir_all(hostile.join("samples/profiles")).unwrap();
    shortlist_tests::write_hostile_dir(&hostile).unwrap();
    std::fs::write(
        hostile.join("samples/pool.json"),
        r#"[{"name": "first"}, {"name": "second"}]"#,
    )
    .unwrap();
    let out = env.output(&["vertical", "publish", "hostile"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("holds no profile"), "{stderr}");
    std::fs::write(
        hostile.join("samples/profiles/calm.json"),
        r#"{"entity": "a", "attack": "none"}"#,
    )
    .unwrap();
    std::fs::write(
        hostile.join("samples/profiles/panicky.json"),
        r#"{"entity": "b", "attack": "panic"}"#,
    )
    .unwrap();
    std::fs::write(
        hostile.join("samples/profiles/spinning.json"),
        r#"{"entity": "c", "attack": "nap"}"#,
    )
    .unwrap();
    let out = env
        .command()
        .args(["vertical", "publish", "hostile"])
        .env("SHORTLIST_CALL_TIMEOUT_MS", "500")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("sample profile panicky: plugin_trapped"),
        "{stderr}"
    );
    assert!(
        stderr.contains("sample profile spinning: plugin_timeout"),
        "{stderr}"
    );
    assert!(!stderr.contains("sample profile calm"), "{stderr}");

    assert_eq!(
        releases(&env, "insurance").len(),
        releases_before,
        "no release was made"
    );
    assert_eq!(
        active_release(&env, "insurance").as_deref(),
        Some("insurance@1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_publishes_and_activates_each_change_of_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::sqlite(dir.path());
    env.broker_with_pool(POOL_SIZE);
    let work = export(&env, "insurance@1", "work");
    let _watch = Replica(
        env.command()
            .args(["vertical", "watch", "work", "--interval-ms", "100"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let wait_active = |release: &'static str| {
        let env = &env;
        async move {
            for _ in 0..300 {
                if active_release(env, "insurance").as_deref() == Some(release) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("{release} did not become active within 30 s");
        }
    };
    // Unchanged content is insurance@1 already: nothing new.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(releases(&env, "insurance").len(), 1);
    edit_manifest(&work, "service = 0.10", "service = 0.30");
    wait_active("insurance@2").await;
    edit_manifest(&work, "service = 0.30", "service = 0.50");
    wait_active("insurance@3").await;
    let watched: Vec<Value> = releases(&env, "insurance")
        .into_iter()
        .filter(|r| r["published_by"] == "watch")
        .collect();
    assert_eq!(watched.len(), 2);
}

fn admin(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
) -> reqwest::RequestBuilder {
    client.request(method, url).bearer_auth(ADMIN_TOKEN)
}

/// The hostile bundle as the admin API takes it, with samples that behave.
fn hostile_upload(activate: bool) -> Value {
    let wasm = base64::engine::general_purpose::STANDARD
        .encode(shortlist_tests::fixture("shortlist-fixture-hostile"));
    json!({
        "manifest": shortlist_tests::HOSTILE_MANIFEST,
        "modules": [{ "file": "hostile.wasm", "wasm": wasm }],
        "samples": { "pool": [{ "name": "first" }], "profiles": { "calm": { "entity": "a", "attack": "none" } } },
        "note": "the hostile fixture",
        "activate": activate,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_runs_the_lifecycle_and_a_sleeping_module_fails_only_its_own_job() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::sqlite(dir.path());
    let key = env.broker_with_pool(POOL_SIZE);
    let client = reqwest::Client::new();

    // Without a token configured there is no admin API.
    let addr = free_addr();
    let server = Replica(env.serve(&addr));
    wait_healthy(&client, &addr).await;
    let off = admin(
        &client,
        reqwest::Method::GET,
        format!("http://{addr}/admin/v1/releases"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(off.status(), 404);
    drop(server);

    let addr = free_addr();
    let _server = Replica(env.serve_with(
        &addr,
        &[
            ("SHORTLIST_ADMIN_TOKEN", ADMIN_TOKEN),
            ("SHORTLIST_CALL_TIMEOUT_MS", "1000"),
        ],
    ));
    wait_healthy(&client, &addr).await;
    let url = |path: &str| format!("http://{addr}{path}");
    for token in [None, Some("wrong"), Some("sl_live_not_an_operator")] {
        let mut request = client.get(url("/admin/v1/releases"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{token:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    // An organisation's API key is not an operator token.
    let with_key = client
        .get(url("/admin/v1/releases"))
        .header("X-API-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(with_key.status(), 401);

    let listed: Value = admin(
        &client,
        reqwest::Method::GET,
        url("/admin/v1/releases?vertical=insurance"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(listed["releases"][0]["release"], "insurance@1");

    // Publish over HTTP, as an author's CI would; the same content again is unchanged.
    let response = admin(&client, reqwest::Method::POST, url("/admin/v1/releases"))
        .json(&hostile_upload(true))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let published: Value = response.json().await.unwrap();
    assert_eq!(
        (published["release"].as_str(), published["active"].as_bool()),
        (Some("hostile@1"), Some(true))
    );
    let again = admin(&client, reqwest::Method::POST, url("/admin/v1/releases"))
        .json(&hostile_upload(true))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["new"], false);

    // A manifest that does not parse: 400.
    let mut broken = hostile_upload(false);
    broken["manifest"] = shortlist_tests::HOSTILE_MANIFEST
        .replace("dimensions = []", "dimensions = [\"speed\"]")
        .into();
    let malformed = admin(&client, reqwest::Method::POST, url("/admin/v1/releases"))
        .json(&broken)
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    // One that parses but no module scores its dimension: 422 with every problem in details.
    broken["manifest"] = format!(
        "{}\n[weights]\nspeed = 1.0\n",
        shortlist_tests::HOSTILE_MANIFEST.replace("dimensions = []", "dimensions = [\"speed\"]")
    )
    .into();
    let refused = admin(&client, reqwest::Method::POST, url("/admin/v1/releases"))
        .json(&broken)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["error"]["code"], "release_refused");
    assert!(
        refused["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("speed"),
        "{refused}"
    );

    // Export over HTTP: the module's bytes hash to its name.
    let shown: Value = admin(
        &client,
        reqwest::Method::GET,
        url("/admin/v1/releases/hostile@1"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(shown["manifest"], shortlist_tests::HOSTILE_MANIFEST);
    let sha256 = shown["modules"][0]["sha256"].as_str().unwrap();
    let bytes = admin(
        &client,
        reqwest::Method::GET,
        url(&format!("/admin/v1/releases/hostile@1/modules/{sha256}")),
    )
    .send()
    .await
    .unwrap()
    .bytes()
    .await
    .unwrap();
    assert_eq!(hex::encode(Sha256::digest(&bytes)), sha256);
    let rollback = admin(
        &client,
        reqwest::Method::POST,
        url("/admin/v1/verticals/hostile/rollback"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(rollback.status(), 409);
    let unknown = admin(
        &client,
        reqwest::Method::POST,
        url("/admin/v1/releases/hostile@9/activate"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(unknown.status(), 404);

    // The hostile vertical serves: a module sleeping an hour fails its own job at its
    // 1 s deadline, and the worker is free for the next job at once.
    wait_serving(&client, &addr, "hostile@1").await;
    std::fs::write(
        env.dir.join("hostile-pool.json"),
        r#"[{"name": "first"}, {"name": "second"}]"#,
    )
    .unwrap();
    env.run(&[
        "pool",
        "import",
        "--org",
        "broker",
        "--pool",
        "hostile:all",
        "--vertical",
        "hostile",
        "hostile-pool.json",
    ]);
    let submit_attack = |attack: &'static str| {
        let (client, key) = (client.clone(), key.clone());
        let url = url("/api/v1/jobs");
        async move {
            client
                .post(url)
                .header("X-API-Key", key)
                .json(&json!({ "profile": { "entity": "acme", "attack": attack }, "pool": "hostile:all" }))
                .send()
                .await
                .unwrap()
        }
    };
    let sleepy = submit_attack("sleep").await.json::<Value>().await.unwrap()["eval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let calm = submit_attack("none").await.json::<Value>().await.unwrap()["eval_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let result = settled(&client, &addr, &key, &sleepy, Duration::from_secs(30)).await;
    assert_eq!(result["status"], "failed", "{result}");
    assert_eq!(result["error"]["code"], "plugin_timeout", "{result}");
    let result = settled(&client, &addr, &key, &calm, Duration::from_secs(30)).await;
    assert_eq!(result["status"], "completed", "{result}");
    // In validate-profile, on the request path: the submission is refused at the deadline.
    let refused = tokio::time::timeout(Duration::from_secs(30), submit_attack("sleep-in-validate"))
        .await
        .expect("the validation ends at its deadline");
    assert_eq!(refused.status(), 503);

    // Replay over HTTP, as an auditor's tooling would.
    let replay: Value = admin(
        &client,
        reqwest::Method::POST,
        url(&format!("/admin/v1/jobs/{calm}/replay")),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(replay["identical"], true, "{replay}");
    assert_eq!(replay["release"], "hostile@1");
}

/// 200 jobs across `replicas` replicas while two releases are activated in turn 20 times:
/// none fails, each job's recorded release is the one its trace names, with that release's
/// module hashes and weights, and a sample replays byte for byte.
async fn activations_under_load(env: &Env<'_>, replicas: usize) {
    let key = env.broker_with_pool(POOL_SIZE);
    // insurance@2: another weight, and carrier-quality re-stamped, so that the two releases
    // differ in their module hashes too.
    let v2 = export(env, "insurance@1", "v2");
    edit_manifest(&v2, "service = 0.10", "service = 0.40");
    restamp(&wasm_named(&v2, "carrier-quality"), "v2");
    assert_eq!(
        env.run(&["vertical", "publish", "v2"]).trim(),
        "insurance@2"
    );
    let hashes = module_hashes(env);
    assert_ne!(
        hashes["insurance@1"]["carrier-quality"],
        hashes["insurance@2"]["carrier-quality"]
    );

    let client = reqwest::Client::new();
    let addrs: Vec<String> = (0..replicas).map(|_| free_addr()).collect();
    let _servers: Vec<Replica> = addrs
        .iter()
        .map(|addr| Replica(env.serve_with(addr, &[("SHORTLIST_WORKERS", "2")])))
        .collect();
    for addr in &addrs {
        wait_healthy(&client, addr).await;
    }
    let mut ids: Vec<(String, usize)> = Vec::new();
    for i in 0..200 {
        if i % 10 == 0 {
            let release = if (i / 10) % 2 == 0 {
                "insurance@2"
            } else {
                "insurance@1"
            };
            env.run(&["vertical", "activate", release]);
            for addr in &addrs {
                wait_serving(&client, addr, release).await;
            }
            // The first two windows each see a job through, so that both releases serve
            // some however the machine is loaded; the later ones do not wait.
            if let Some((id, replica)) = ids.last().filter(|_| (1..=2).contains(&(i / 10))) {
                settled(
                    &client,
                    &addrs[*replica],
                    &key,
                    id,
                    Duration::from_secs(120),
                )
                .await;
            }
        }
        ids.push((
            submit(&client, &addrs[i % replicas], &key).await,
            i % replicas,
        ));
    }
    let mut by_release: BTreeMap<String, usize> = BTreeMap::new();
    for (id, replica) in &ids {
        let addr = &addrs[*replica];
        let result = settled(&client, addr, &key, id, Duration::from_secs(120)).await;
        assert_eq!(result["status"], "completed", "{id}: {result}");
        let release = result["release"]
            .as_str()
            .expect("a finished job names its release")
            .to_owned();
        let trace: Value = client
            .get(format!("http://{addr}/traces/{id}"))
            .header("X-API-Key", &key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(trace["release"], release.as_str(), "{id}");
        let ran: BTreeMap<String, String> = trace["modules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["name"].as_str().unwrap().to_owned(),
                    m["sha256"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(ran, hashes[&release], "{id} ran {release}'s modules");
        let service = if release == "insurance@2" { 0.4 } else { 0.1 };
        assert_eq!(
            trace["aggregation"]["weights"]["service"], service,
            "{id} ran {release}'s manifest"
        );
        *by_release.entry(release).or_default() += 1;
    }
    assert_eq!(
        by_release.len(),
        2,
        "both releases served jobs: {by_release:?}"
    );
    for (id, _) in ids.iter().step_by(10) {
        let replay = env.run(&["replay", id]);
        assert!(replay.contains("replays byte-identically"), "{replay}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activations_under_load_on_sqlite_fail_no_job() {
    let dir = tempfile::tempdir().unwrap();
    activations_under_load(&Env::sqlite(dir.path()), 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activations_under_load_on_two_postgres_replicas_fail_no_job() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::postgres(dir.path(), "e2e_activations_under_load").await;
    activations_under_load(&env, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_that_fails_to_load_leaves_the_one_before_serving_and_is_reported() {
    use sqlx::Connection;

    let dir = tempfile::tempdir().unwrap();
    let env = Env::sqlite(dir.path());
    let key = env.broker_with_pool(POOL_SIZE);
    let v2 = export(&env, "insurance@1", "v2");
    restamp(&wasm_named(&v2, "carrier-quality"), "damaged");
    assert_eq!(
        env.run(&["vertical", "publish", "v2"]).trim(),
        "insurance@2"
    );
    let damaged = module_hashes(&env)["insurance@2"]["carrier-quality"].clone();

    let addr = free_addr();
    let client = reqwest::Client::new();
    let _server = Replica(env.serve(&addr));
    wait_healthy(&client, &addr).await;

    // The stored module no longer hashes to its name, as if the database were altered.
    let mut db = sqlx::SqliteConnection::connect(&env.database_url)
        .await
        .unwrap();
    sqlx::query("update modules set bytes = x'00' where sha256 = $1")
        .bind(&damaged)
        .execute(&mut db)
        .await
        .unwrap();
    db.close().await.unwrap();
    env.run(&["vertical", "activate", "insurance@2"]);

    let ready = readyz(&client, &addr, |r| {
        r["release_problems"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    })
    .await;
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["releases"]["insurance"], "insurance@1", "{ready}");
    let problem = &ready["release_problems"][0];
    assert_eq!(problem["release"], "insurance@2", "{ready}");
    assert!(
        problem["message"].as_str().unwrap().contains("damaged"),
        "{ready}"
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
        metrics.contains("shortlist_release_load_failures_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("shortlist_release_active{vertical=\"insurance\"} 1"),
        "{metrics}"
    );

    // Jobs go on, on the release that loads.
    let id = submit(&client, &addr, &key).await;
    let result = settled(&client, &addr, &key, &id, Duration::from_secs(30)).await;
    assert_eq!(
        (result["status"].as_str(), result["release"].as_str()),
        (Some("completed"), Some("insurance@1"))
    );

    // Rolled back to what serves: nothing left to report.
    env.run(&["vertical", "rollback", "insurance"]);
    let ready = readyz(&client, &addr, |r| {
        r["release_problems"].as_array().is_some_and(Vec::is_empty)
    })
    .await;
    assert_eq!(
        ready["release_problems"],
        json!([]),
        "the problem outlived the rollback"
    );
}
