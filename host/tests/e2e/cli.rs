//! The `shortlist` binary end to end: sample data in, the API's result shape out,
//! byte-identical output and trace on every run, and the API's error shape for bad input.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::module_cache;

fn shortlist(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shortlist"))
        .args(args)
        .current_dir(dir)
        .env("SHORTLIST_MODULE_CACHE", module_cache())
        .output()
        .expect("the binary runs")
}

fn write_samples(dir: &Path) {
    let pool = shortlist(
        &["sample", "pool", "--vertical", "insurance", "--size", "500"],
        dir,
    );
    assert!(
        pool.status.success(),
        "{}",
        String::from_utf8_lossy(&pool.stderr)
    );
    std::fs::write(dir.join("pool.json"), &pool.stdout).unwrap();
    let profile = shortlist(&["sample", "profile", "--vertical", "insurance"], dir);
    assert!(
        profile.status.success(),
        "{}",
        String::from_utf8_lossy(&profile.stderr)
    );
    std::fs::write(dir.join("profile.json"), &profile.stdout).unwrap();
}

#[test]
fn eval_prints_the_result_shape_and_is_byte_identical_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    write_samples(dir.path());
    let run = |trace: &str| {
        let out = shortlist(
            &[
                "eval",
                "--vertical",
                "insurance",
                "--profile",
                "profile.json",
                "--pool",
                "pool.json",
                "--trace",
                trace,
            ],
            dir.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (out.stdout, std::fs::read(dir.path().join(trace)).unwrap())
    };
    let (first, first_trace) = run("trace1.json");
    let (second, second_trace) = run("trace2.json");
    assert_eq!(first, second, "the result differs between runs");
    assert_eq!(first_trace, second_trace, "the trace differs between runs");

    let result: Value = serde_json::from_slice(&first).unwrap();
    let keys: Vec<&str> = result
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
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
    assert_eq!(result["status"], "completed");
    assert_eq!(result["pool_size"], 500);
    let id = result["eval_id"].as_str().unwrap();
    assert!(id.starts_with("eval_") && id.len() == 13, "{id}");
    assert_eq!(
        result["audit"],
        format!("http://127.0.0.1:8080/traces/{id}")
    );
    let candidate = &result["candidates"][0];
    for key in ["tier", "name", "confidence", "scores", "reasoning"] {
        assert!(
            candidate.get(key).is_some(),
            "candidate lacks {key}: {candidate}"
        );
    }
    let dimensions: Vec<&str> = candidate["scores"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(dimensions.len(), 6);

    // An explicit id is used as given.
    let out = shortlist(
        &[
            "eval",
            "--vertical",
            "insurance",
            "--profile",
            "profile.json",
            "--pool",
            "pool.json",
            "--eval-id",
            "eval_7xKp2mNc",
        ],
        dir.path(),
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["eval_id"], "eval_7xKp2mNc");
}

#[test]
fn an_invalid_profile_gets_the_api_error_shape_with_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    write_samples(dir.path());
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"state": "CA", "line": "professional_liability"}"#,
    )
    .unwrap();
    let out = shortlist(
        &[
            "eval",
            "--vertical",
            "insurance",
            "--profile",
            "bad.json",
            "--pool",
            "pool.json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["error"]["code"], "invalid_request");
    assert_eq!(
        error["error"]["message"],
        "Missing required field: profile.entity"
    );
    let fields: Vec<&str> = error["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"profile.entity"), "{fields:?}");
    assert!(fields.contains(&"profile.revenue"), "{fields:?}");
}

/// A module sleeping an hour in a host call, through `eval --modules`: the call ends at its
/// timeout as `plugin_timeout`, naming the module, and the process exits 1.
#[test]
fn eval_stops_a_module_sleeping_in_a_host_call_at_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let modules = dir.path().join("hostile");
    std::fs::create_dir(&modules).unwrap();
    shortlist_tests::write_hostile_dir(&modules).unwrap();
    std::fs::write(
        dir.path().join("profile.json"),
        r#"{"entity": "acme", "attack": "sleep"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pool.json"),
        r#"[{"name": "first"}, {"name": "second"}]"#,
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shortlist"))
        .args([
            "eval",
            "--vertical",
            "hostile",
            "--modules",
            "hostile",
            "--profile",
            "profile.json",
            "--pool",
            "pool.json",
            "--call-timeout-ms",
            "1000",
        ])
        .current_dir(dir.path())
        .env("SHORTLIST_MODULE_CACHE", module_cache())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Far beyond the timeout, far short of the hour: only a sleep that escaped it gets here.
    let bound = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > bound {
            child.kill().unwrap();
            panic!("the sleeping module outlasted its 1 s timeout by a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["status"], "failed");
    assert_eq!(result["error"]["code"], "plugin_timeout", "{result}");
    let message = result["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("module hostile"), "{result}");
}

/// The shipped verticals' directories, beside the host crate.
fn plugins() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins")
}

#[test]
fn every_shipped_vertical_passes_its_fixtures() {
    let mut verticals = 0;
    for entry in std::fs::read_dir(plugins()).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("tests").is_dir() {
            continue;
        }
        verticals += 1;
        let out = shortlist(&["test", dir.to_str().unwrap()], &dir);
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}: {report}", dir.display());
        assert!(report.contains(" passed, 0 failed"), "{report}");
    }
    assert!(verticals >= 1, "the shipped verticals carry fixtures");
}

/// A copy of the insurance vertical's manifest and one fixture file, with one expectation
/// made wrong.
fn vertical_with_a_wrong_expectation(dir: &Path) {
    let insurance = plugins().join("insurance");
    std::fs::copy(insurance.join("vertical.toml"), dir.join("vertical.toml")).unwrap();
    std::fs::create_dir(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("tests/wrong.toml"),
        r#"
description = "One right case and one wrong."
[profile]
entity = "acme-manufacturing"
state = "CA"
line = "professional_liability"
revenue = 12000000

[[candidates]]
id = "erie-insurance"
name = "Erie Insurance"
states = ["PA"]
lines = { professional_liability = {} }

[[case]]
name = "right"
[[case.expect]]
candidate = "Erie Insurance"
rejected_by = "eligibility"

[[case]]
name = "wrong"
filtered = 0
[[case.expect]]
candidate = "Erie Insurance"
eligible = true
"#,
    )
    .unwrap();
}

#[test]
fn a_wrong_expectation_fails_with_a_diff_of_expected_and_actual() {
    let dir = tempfile::tempdir().unwrap();
    vertical_with_a_wrong_expectation(dir.path());
    let out = shortlist(&["test", "."], dir.path());
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("  ok   right\n"), "{report}");
    assert!(
        report.contains(
            "  FAIL wrong\n       filtered\n         - expected: 0\n         + actual:   1\n       \"Erie Insurance\" eligible\n         - expected: true\n         + actual:   false\n"
        ),
        "{report}"
    );
    assert!(
        report.ends_with("2 cases: 1 passed, 1 failed\n"),
        "{report}"
    );

    let only_right = shortlist(&["test", ".", "--filter", "right", "--json"], dir.path());
    assert!(only_right.status.success());
    let report: Value = serde_json::from_slice(&only_right.stdout).unwrap();
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(0))
    );

    let none = shortlist(&["test", ".", "--filter", "nothing-matches"], dir.path());
    assert_eq!(none.status.code(), Some(1), "no case run is not a pass");

    std::fs::write(
        dir.path().join("tests/typo.toml"),
        "[[case]]\nnmae = \"x\"\n",
    )
    .unwrap();
    let typo = shortlist(&["test", "."], dir.path());
    assert_eq!(typo.status.code(), Some(2));
    let message = String::from_utf8_lossy(&typo.stderr);
    assert!(
        message.contains("typo.toml") && message.contains("unknown field `nmae`"),
        "{message}"
    );
}
