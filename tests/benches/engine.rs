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
//! On a noisy machine, the `ratio` bench compares the same variants more reliably.
//!
//! Run: `cargo bench -p shortlist-tests --bench engine`

mod insurance;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use shortlist_host::eval;
use shortlist_host::runtime::Metering;
use shortlist_tests::job;

use insurance::{Insurance, survivors};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let insurance = Insurance::new();
    let sandboxed = insurance.sandboxed(&rt, Metering::Full);

    let mut group = c.benchmark_group("insurance_2000");
    group.bench_function("native", |b| b.iter(|| black_box(insurance.native())));
    group.bench_function("sandboxed_modules", |b| {
        b.iter(|| black_box(rt.block_on(insurance.sandboxed_modules(&sandboxed))))
    });
    // What the instrumentation for the limits costs: the same calls on runtimes whose
    // compiled code checks only the deadline, or nothing (never used to serve).
    for (name, metering) in [
        ("sandboxed_modules_deadline_only", Metering::DeadlineOnly),
        ("sandboxed_modules_unmetered", Metering::Unmetered),
    ] {
        let metered = insurance.sandboxed(&rt, metering);
        group.bench_function(name, |b| {
            b.iter(|| black_box(rt.block_on(insurance.sandboxed_modules(&metered))))
        });
    }

    let job = job("eval_bench", insurance.profile.clone());
    group.bench_function("sandboxed_evaluation", |b| {
        b.iter(|| {
            let evaluation = rt.block_on(eval::evaluate(
                &sandboxed.vertical,
                &sandboxed.prepared,
                &job,
            ));
            assert_eq!(evaluation.result.status.as_str(), "completed");
            black_box(evaluation.result.candidates.len())
        });
    });
    group.finish();

    // Where the sandboxed time goes: each module alone, and the fixed cost of a call
    // (a fresh instance and a trivial export: `validate-profile`).
    let mut parts = c.benchmark_group("insurance_2000_parts");
    let filter = &sandboxed.vertical.filters()[0];
    let sandboxed_filter =
        |indices: &[u32]| rt.block_on(insurance.evaluate(&sandboxed, filter, indices));
    let all = &insurance.all;
    let keep = survivors(&insurance.native_filter(all).candidates);
    parts.bench_function("native_filter", |b| {
        b.iter(|| black_box(insurance.native_filter(all)))
    });
    parts.bench_function("native_scorers", |b| {
        b.iter(|| black_box(insurance.native_scorers(&keep)))
    });
    parts.bench_function("sandboxed_filter", |b| b.iter(|| sandboxed_filter(all)));
    parts.bench_function("sandboxed_scorers", |b| {
        b.iter(|| {
            for scorer in sandboxed.vertical.scorers() {
                black_box(rt.block_on(insurance.evaluate(&sandboxed, scorer, &keep)));
            }
        })
    });
    // The fixed cost of an `evaluate` call: the profile parsed and the pool read (copied in
    // and validated, in the sandbox), with no candidate asked for.
    parts.bench_function("native_empty_evaluate", |b| {
        b.iter(|| black_box(insurance.native_filter(&[])))
    });
    parts.bench_function("sandboxed_empty_evaluate", |b| {
        b.iter(|| sandboxed_filter(&[]))
    });
    parts.bench_function("sandboxed_call_overhead", |b| {
        b.iter(|| {
            black_box(
                rt.block_on(filter.validate_profile(&insurance.sandbox, &insurance.profile_text))
                    .unwrap(),
            )
        })
    });
    parts.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(8));
    targets = bench
}
criterion_main!(benches);
