//! The freight vertical over a 2,000-carrier pool: its Python module (`shipper-policy`,
//! built with componentize-py) side by side with its Rust modules, every one sandboxed
//! under the served limits and called as the pipeline calls it.
//!
//! For each module:
//! - `<module>/evaluate`: one `evaluate` call over what the pipeline gives it (every
//!   candidate for a filter, the filters' survivors for a scorer), on a fresh instance;
//! - `<module>/empty_evaluate`: the same call with no candidate (the fixed cost of a call:
//!   instantiate, copy the profile and prepared pool in, parse them);
//! - `<module>/prepare_pool`: preparing the pool, done once per (module, pool version).
//!
//! A module's cost per candidate is `(evaluate - empty_evaluate) / candidates`; its cost
//! per job is `evaluate`. `sandboxed_evaluation` is the whole job with all four modules.
//!
//! Run: `cargo bench -p shortlist-tests --bench languages`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use shortlist_host::eval::{self, Pool, PreparedPool};
use shortlist_host::runtime::{Module, Outcome, RuntimeConfig};
use shortlist_host::vertical::Vertical;
use shortlist_tests::job;

/// Candidates in the pool.
const POOL_SIZE: usize = 2000;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pool = Arc::new(
        Pool::from_values(
            "carriers:freight",
            shortlist_plugin_freight_samples::pool(POOL_SIZE, 1),
        )
        .unwrap(),
    );
    // The default lane with every rule of the Python module switched on, so that it does
    // its whole work on every candidate.
    let mut profile = shortlist_plugin_freight_samples::profile(None).unwrap();
    let policy = json!({
        "do_not_use": ["summit-flatbed", "USDOT 2488105"],
        "min_auto_liability": 1_000_000,
        "min_authority_days": 180,
        "pickup_date": "2026-01-15"
    });
    for (key, value) in policy.as_object().unwrap() {
        profile[key] = value.clone();
    }
    let profile_text = profile.to_string();
    let sandbox = eval::sandbox_for("languages_bench", shortlist_tests::TEST_CLOCK);
    let runtime = shortlist_tests::runtime(RuntimeConfig::default());
    let vertical = rt.block_on(Vertical::builtin(&runtime, "freight")).unwrap();
    let prepared = rt
        .block_on(PreparedPool::prepare(&vertical, pool.clone()))
        .unwrap();

    let evaluate = |module: &Module, indices: &[u32]| -> Outcome {
        rt.block_on(module.evaluate(
            &sandbox,
            &profile_text,
            prepared.blob(module).unwrap(),
            indices,
        ))
        .unwrap()
        .value
    };

    // What the pipeline gives each module: every candidate to the filters, their
    // survivors to the scorers.
    let all: Vec<u32> = (0..POOL_SIZE as u32).collect();
    let mut rejected = vec![false; POOL_SIZE];
    for filter in vertical.filters() {
        let Outcome::Rejected(r) = evaluate(filter, &all) else {
            panic!("a filter scored")
        };
        for &i in &r.candidates {
            rejected[i as usize] = true;
        }
    }
    let survivors: Vec<u32> = all
        .iter()
        .copied()
        .filter(|&i| !rejected[i as usize])
        .collect();
    eprintln!(
        "freight_2000: {} candidates, {} survive the filters",
        all.len(),
        survivors.len()
    );

    let mut group = c.benchmark_group("freight_2000");
    for module in vertical.modules() {
        let name = &module.info().name;
        let indices = if eval::is_filter(module) {
            &all
        } else {
            &survivors
        };
        group.bench_function(format!("{name}/evaluate"), |b| {
            b.iter(|| black_box(evaluate(module, indices)))
        });
        group.bench_function(format!("{name}/empty_evaluate"), |b| {
            b.iter(|| black_box(evaluate(module, &[])))
        });
        group.bench_function(format!("{name}/prepare_pool"), |b| {
            b.iter(|| black_box(rt.block_on(module.prepare_pool(pool.json())).unwrap()))
        });
    }
    let job = job("languages_bench", profile.clone());
    group.bench_function("sandboxed_evaluation", |b| {
        b.iter(|| {
            let evaluation = rt.block_on(eval::evaluate(&vertical, &prepared, &job));
            assert_eq!(evaluation.result.status.as_str(), "completed");
            black_box(evaluation.result.candidates.len())
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
