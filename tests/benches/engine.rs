//! The insurance vertical over a 2,000-carrier pool, side by side:
//! - `native`: the plugin crates compiled for the host and called directly
//!   (the same SDK entry points over the same prepared pool);
//! - `sandboxed_modules`: the same three modules as wasm components, each call on
//!   a fresh instance under every limit (instantiate, copy in, evaluate, lift out);
//! - `sandboxed_modules_deadline_only`, `sandboxed_modules_unmetered`: the same calls
//!   with epoch checks instead of fuel (a deadline but no instruction budget), and without
//!   any metering: what the limits' instrumentation costs;
//! - `sandboxed_evaluation`: the whole pipeline, plus aggregation, ranking and trace.
//!
//! Run: `cargo bench -p shortlist-tests --bench engine`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use shortlist_host::eval::{self, Pool, PreparedPool};
use shortlist_host::runtime::{Metering, Outcome, RuntimeConfig, Sandbox};
use shortlist_host::vertical::Vertical;
use shortlist_plugin_carrier_quality::CarrierQuality;
use shortlist_plugin_eligibility::Eligibility;
use shortlist_plugin_market_fit::MarketFit;
use shortlist_tests::{job, runtime};

const POOL_SIZE: usize = 2000;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let runtime = runtime(RuntimeConfig::default());
    let vertical = rt
        .block_on(Vertical::builtin(&runtime, "insurance"))
        .unwrap();
    let candidates = shortlist_host::sample::pool("insurance", POOL_SIZE, 1).unwrap();
    let pool = Arc::new(Pool::from_values("carriers:all", candidates).unwrap());
    let prepared = rt
        .block_on(PreparedPool::prepare(&vertical, pool.clone()))
        .unwrap();
    let profile = shortlist_host::sample::profile("insurance", None).unwrap();
    let profile_text = profile.to_string();
    let all: Vec<u32> = (0..POOL_SIZE as u32).collect();

    // Native: the same crates, prepared natively once, exactly as the sandbox does.
    let native_eligibility = shortlist_sdk::prepare_pool::<Eligibility>(pool.json()).unwrap();
    let native_market = shortlist_sdk::prepare_pool::<MarketFit>(pool.json()).unwrap();
    let native_quality = shortlist_sdk::prepare_pool::<CarrierQuality>(pool.json()).unwrap();
    let mut group = c.benchmark_group("insurance_2000");
    group.bench_function("native", |b| {
        b.iter(|| {
            let rejected =
                shortlist_sdk::filter::<Eligibility>(&profile_text, &native_eligibility, &all)
                    .unwrap();
            let keep = survivors(&rejected.candidates);
            let a =
                shortlist_sdk::score::<MarketFit>(&profile_text, &native_market, &keep).unwrap();
            let q = shortlist_sdk::score::<CarrierQuality>(&profile_text, &native_quality, &keep)
                .unwrap();
            black_box((a.len(), q.len()))
        });
    });

    let sandbox = eval::sandbox_for("eval_bench", shortlist_tests::TEST_CLOCK);
    group.bench_function("sandboxed_modules", |b| {
        b.iter(|| {
            black_box(rt.block_on(run_modules(&vertical, &prepared, &sandbox, &profile_text)))
        })
    });
    // What the instrumentation for the limits costs: the same calls on runtimes whose
    // compiled code checks only the deadline, or nothing (never used to serve).
    for (name, metering) in [
        ("sandboxed_modules_deadline_only", Metering::DeadlineOnly),
        ("sandboxed_modules_unmetered", Metering::Unmetered),
    ] {
        let metered = shortlist_tests::runtime(RuntimeConfig {
            metering,
            ..RuntimeConfig::default()
        });
        let vertical = rt
            .block_on(Vertical::builtin(&metered, "insurance"))
            .unwrap();
        let prepared = rt
            .block_on(PreparedPool::prepare(&vertical, pool.clone()))
            .unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(rt.block_on(run_modules(&vertical, &prepared, &sandbox, &profile_text)))
            })
        });
    }

    let job = job("eval_bench", profile.clone());
    group.bench_function("sandboxed_evaluation", |b| {
        b.iter(|| {
            let evaluation = rt.block_on(eval::evaluate(&vertical, &prepared, &job));
            assert_eq!(evaluation.result.status, "completed");
            black_box(evaluation.result.candidates.len())
        });
    });
    group.finish();

    // Where the sandboxed time goes: each module alone, and the fixed cost of a call
    // (a fresh instance and a trivial export: `validate-profile`).
    let mut parts = c.benchmark_group("insurance_2000_parts");
    // The filter over some candidates, natively and sandboxed.
    let native_filter = |indices: &[u32]| {
        shortlist_sdk::filter::<Eligibility>(&profile_text, &native_eligibility, indices).unwrap()
    };
    let filter = &vertical.filters()[0];
    let sandboxed_filter = |indices: &[u32]| {
        rt.block_on(filter.evaluate(
            &sandbox,
            &profile_text,
            prepared.blob(filter).unwrap(),
            indices,
        ))
        .unwrap()
    };
    let keep = survivors(&native_filter(&all).candidates);
    parts.bench_function("native_filter", |b| {
        b.iter(|| black_box(native_filter(&all)))
    });
    parts.bench_function("native_scorers", |b| {
        b.iter(|| {
            let a =
                shortlist_sdk::score::<MarketFit>(&profile_text, &native_market, &keep).unwrap();
            let q = shortlist_sdk::score::<CarrierQuality>(&profile_text, &native_quality, &keep)
                .unwrap();
            black_box((a, q))
        })
    });
    parts.bench_function("sandboxed_filter", |b| b.iter(|| sandboxed_filter(&all)));
    parts.bench_function("sandboxed_scorers", |b| {
        b.iter(|| {
            for scorer in vertical.scorers() {
                let call = rt.block_on(scorer.evaluate(
                    &sandbox,
                    &profile_text,
                    prepared.blob(scorer).unwrap(),
                    &keep,
                ));
                black_box(call.unwrap());
            }
        })
    });
    // The fixed cost of an `evaluate` call: the profile parsed and the pool read (copied in
    // and validated, in the sandbox), with no candidate asked for.
    parts.bench_function("native_empty_evaluate", |b| {
        b.iter(|| black_box(native_filter(&[])))
    });
    parts.bench_function("sandboxed_empty_evaluate", |b| {
        b.iter(|| sandboxed_filter(&[]))
    });
    parts.bench_function("sandboxed_call_overhead", |b| {
        b.iter(|| {
            black_box(
                rt.block_on(filter.validate_profile(&sandbox, &profile_text))
                    .unwrap(),
            )
        })
    });
    parts.finish();
}

/// The candidates of the pool that the filter did not reject, in pool order.
fn survivors(rejected: &[u32]) -> Vec<u32> {
    let mut keep = vec![true; POOL_SIZE];
    for &r in rejected {
        keep[r as usize] = false;
    }
    (0..POOL_SIZE as u32)
        .filter(|&i| keep[i as usize])
        .collect()
}

/// The three module calls of a job, as the pipeline makes them; returns how many ratings came back.
async fn run_modules(
    vertical: &Vertical,
    prepared: &PreparedPool,
    sandbox: &Sandbox,
    profile: &str,
) -> usize {
    let all: Vec<u32> = (0..POOL_SIZE as u32).collect();
    let filter = &vertical.filters()[0];
    let call = filter
        .evaluate(sandbox, profile, prepared.blob(filter).unwrap(), &all)
        .await
        .unwrap();
    let Outcome::Rejected(rejected) = call.value else {
        panic!("filter scored")
    };
    let keep = survivors(&rejected.candidates);
    let mut scored = 0;
    for scorer in vertical.scorers() {
        let call = scorer
            .evaluate(sandbox, profile, prepared.blob(scorer).unwrap(), &keep)
            .await
            .unwrap();
        if let Outcome::Scored(s) = call.value {
            scored += s.len();
        }
    }
    scored
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(8));
    targets = bench
}
criterion_main!(benches);
