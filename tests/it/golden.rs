//! The seed's `acme-manufacturing` profile against the 2,000-carrier sample pool:
//! the result's shape, hand-checked verdicts and levels, and byte-identical reruns.

use std::sync::Arc;

use serde_json::Value;
use shortlist_host::eval::{self, Evaluation, Pool};
use shortlist_host::runtime::RuntimeConfig;
use shortlist_host::vertical::Vertical;
use shortlist_tests::{job, prepare, runtime};

async fn acme(vertical: &Vertical) -> Evaluation {
    let candidates = shortlist_plugin_insurance_samples::pool(2000, 1);
    let pool = Arc::new(Pool::from_values("carriers:all", candidates).unwrap());
    let prepared = prepare(vertical, pool).await;
    let profile = shortlist_plugin_insurance_samples::profile(None).unwrap();
    eval::evaluate(vertical, &prepared, &job("eval_7xKp2mNc", profile)).await
}

fn candidate<'a>(result: &'a Value, name: &str) -> Option<&'a Value> {
    result["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
}

fn traced<'a>(trace: &'a Value, name: &str) -> &'a Value {
    trace["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} is in the pool"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acme_against_the_sample_pool() {
    let runtime = runtime(RuntimeConfig::default());
    let vertical = Vertical::builtin(&runtime, "insurance").await.unwrap();
    let evaluation = acme(&vertical).await;
    let result = serde_json::to_value(&evaluation.result).unwrap();
    let trace = serde_json::to_value(&evaluation.trace).unwrap();

    // The seed's shape.
    assert_eq!(
        result["status"], "completed",
        "{:?}",
        evaluation.result.error
    );
    assert_eq!(result["eval_id"], "eval_7xKp2mNc");
    assert_eq!(result["pool_size"], 2000);
    let filtered = result["filtered"].as_u64().unwrap();
    let candidates = result["candidates"].as_array().unwrap();
    assert!(filtered > 0 && !candidates.is_empty());
    assert_eq!(candidates.len() as u64 + filtered, 2000);
    assert_eq!(
        result["audit"],
        "http://127.0.0.1:8080/traces/eval_7xKp2mNc"
    );
    let dimensions = [
        "appetite",
        "coverage",
        "financial",
        "pricing",
        "placement",
        "service",
    ];
    // Field and dimension order as the seed prints them (checked on the serialized text).
    let text = serde_json::to_string(&evaluation.result.candidates[0]).unwrap();
    let order = |keys: &[&str]| {
        keys.iter()
            .map(|k| text.find(&format!("\"{k}\":")).unwrap())
            .collect::<Vec<_>>()
    };
    assert!(
        order(&["tier", "name", "confidence", "scores", "reasoning"]).is_sorted(),
        "{text}"
    );
    assert!(
        order(&dimensions).is_sorted(),
        "scores follow the vertical's dimension order: {text}"
    );
    for c in candidates {
        let mut keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["confidence", "name", "reasoning", "scores", "tier"]);
        assert_eq!(c["scores"].as_object().unwrap().len(), 6);
        assert!(
            ["STRONG_FIT", "GOOD_FIT", "WEAK_FIT", "POOR_FIT"]
                .contains(&c["tier"].as_str().unwrap())
        );
        assert!(["HIGH", "MEDIUM", "LOW"].contains(&c["confidence"].as_str().unwrap()));
    }
    // Ranked by tier first.
    let tiers: Vec<usize> = candidates
        .iter()
        .map(|c| {
            ["STRONG_FIT", "GOOD_FIT", "WEAK_FIT", "POOR_FIT"]
                .iter()
                .position(|t| c["tier"] == *t)
                .unwrap()
        })
        .collect();
    assert!(
        tiers.windows(2).all(|w| w[0] <= w[1]),
        "tiers are not ranked"
    );

    // Hand-checked: Hartford writes CA professional liability in a band covering $12M, A+ XV.
    let hartford = candidate(&result, "Hartford Financial").expect("Hartford passes the filter");
    assert_eq!(hartford["tier"], "STRONG_FIT", "{hartford}");
    assert_eq!(hartford["scores"]["appetite"], "L1", "{hartford}");
    assert_eq!(hartford["scores"]["financial"], "L1", "{hartford}");
    assert!(!hartford["reasoning"].as_str().unwrap().is_empty());

    // Carriers that do not write CA are filtered, with that reason in the trace.
    for name in ["Erie Insurance", "Auto-Owners Insurance"] {
        if let Some(c) = candidate(&result, name) {
            panic!("{name} does not write CA but was shortlisted: {c}");
        }
    }
    let erie = traced(&trace, "Erie Insurance");
    assert_eq!(erie["verdicts"][0]["module"], "eligibility");
    assert_eq!(erie["verdicts"][0]["eligible"], false);
    assert_eq!(erie["verdicts"][0]["reason"], "does not write CA");
    assert!(erie.get("scores").is_none() && erie.get("result").is_none());

    // Carriers that do not write professional liability are filtered too.
    let liberty = traced(&trace, "Liberty Mutual");
    assert_eq!(
        liberty["verdicts"][0]["reason"],
        "does not write prof. liability"
    );

    // The trace names every module by hash and the rules applied.
    let modules = trace["modules"].as_array().unwrap();
    let names: Vec<&str> = modules
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["eligibility", "market-fit", "carrier-quality"]);
    assert!(
        modules
            .iter()
            .all(|m| m["sha256"].as_str().unwrap().len() == 64
                && m["fuel_used"].as_u64().unwrap() > 0)
    );
    assert!(
        modules.iter().all(|m| m.get("wall_time_us").is_none()),
        "no timings unless asked"
    );
    assert_eq!(trace["aggregation"]["weights"]["appetite"], 0.25);
    let ranked = traced(&trace, "Hartford Financial");
    assert_eq!(ranked["scores"].as_array().unwrap().len(), 6);
    assert_eq!(ranked["result"]["tier"], "STRONG_FIT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_give_byte_identical_results_and_traces() {
    let runtime = runtime(RuntimeConfig::default());
    let vertical = Vertical::builtin(&runtime, "insurance").await.unwrap();
    let first = acme(&vertical).await;
    let second = acme(&vertical).await;
    assert_eq!(
        serde_json::to_vec(&first.result).unwrap(),
        serde_json::to_vec(&second.result).unwrap()
    );
    assert_eq!(
        serde_json::to_vec(&first.trace).unwrap(),
        serde_json::to_vec(&second.trace).unwrap()
    );
}
