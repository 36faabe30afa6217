//! Sandboxed against native, interleaved: the `engine` bench's four module-call variants
//! (native, sandboxed under every limit, deadline only, unmetered) and the whole sandboxed
//! evaluation (the module calls, then aggregation, ranking, the result and the trace), run
//! in turns, a few iterations each, for a few hundred rounds. What the host spends after
//! the modules return is the paired difference of the last two.
//!
//! Criterion measures one variant after another, so on a shared machine whose speed
//! drifts from one minute to the next, two variants measured minutes apart can differ by
//! more than what separates them. Here every round measures all four within a few tens
//! of milliseconds, and the ratio of each round's sandboxed time to the same round's
//! native time (the paired ratio) is immune to the drift. Rounds rotate which variant
//! goes first.
//!
//! Run: `cargo bench -p shortlist-tests --bench ratio [-- --rounds N]` (300 by default).

#![allow(clippy::print_stdout)] // this bench binary reports its table on stdout

mod insurance;

use std::hint::black_box;
use std::time::{Duration, Instant};

use shortlist_host::runtime::Metering;

use insurance::Insurance;

/// Iterations of each variant per round.
const BATCH: u32 = 5;
/// Rounds run first and thrown away: caches, the allocator and the instance slots warm up.
const WARM_UP_ROUNDS: usize = 20;
const DEFAULT_ROUNDS: usize = 300;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benchmarks; there is nothing to list.
    }
    let rounds = match args.iter().position(|a| a == "--rounds") {
        Some(i) => args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .expect("--rounds takes a number"),
        // Run as a test (no `--bench`): a few rounds, to show that it works.
        None if !args.iter().any(|a| a == "--bench") => 3,
        None => DEFAULT_ROUNDS,
    };

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let insurance = Insurance::new();
    let full = insurance.sandboxed(&rt, Metering::Full);
    let deadline_only = insurance.sandboxed(&rt, Metering::DeadlineOnly);
    let unmetered = insurance.sandboxed(&rt, Metering::Unmetered);
    let sandboxed = |which| rt.block_on(insurance.sandboxed_modules(which));
    let job = insurance.job();
    let mut variants = [
        Variant::new("native", || insurance.native()),
        Variant::new("sandboxed_modules", || sandboxed(&full)),
        Variant::new("sandboxed_modules_deadline_only", || {
            sandboxed(&deadline_only)
        }),
        Variant::new("sandboxed_modules_unmetered", || sandboxed(&unmetered)),
        Variant::new("sandboxed_evaluation", || {
            rt.block_on(insurance.sandboxed_evaluation(&full, &job))
        }),
    ];
    let expected = (variants[0].run)();
    for v in &variants {
        assert_eq!(
            (v.run)(),
            expected,
            "{} rates differently from native",
            v.name
        );
    }

    for round in 0..WARM_UP_ROUNDS + rounds {
        for k in 0..variants.len() {
            let v = &mut variants[(round + k) % variants.len()];
            let started = Instant::now();
            for _ in 0..BATCH {
                black_box((v.run)());
            }
            if round >= WARM_UP_ROUNDS {
                v.times.push(started.elapsed() / BATCH);
            }
        }
    }

    let native = variants[0].times.clone();
    println!("{rounds} rounds of {BATCH} iterations each; time per iteration; ratios to native\n");
    println!("| variant | min | median | min / native min | paired ratio: median [p10, p90] |");
    println!("|---|---:|---:|---:|---:|");
    for Variant { name, times, .. } in &variants {
        let mut paired: Vec<f64> = times
            .iter()
            .zip(&native)
            .map(|(t, n)| t.as_secs_f64() / n.as_secs_f64())
            .collect();
        paired.sort_by(f64::total_cmp);
        let mut sorted = times.clone();
        sorted.sort();
        println!(
            "| `{name}` | {} | {} | {:.2}x | {:.2}x [{:.2}, {:.2}] |",
            ms(sorted[0]),
            ms(sorted[sorted.len() / 2]),
            sorted[0].as_secs_f64() / min(&native).as_secs_f64(),
            quantile(&paired, 0.5),
            quantile(&paired, 0.1),
            quantile(&paired, 0.9),
        );
    }
    // The host's work after the modules return: each round's whole evaluation less the
    // same round's module calls under the same limits.
    let mut after: Vec<f64> = variants[4]
        .times
        .iter()
        .zip(&variants[1].times)
        .map(|(evaluation, modules)| evaluation.as_secs_f64() - modules.as_secs_f64())
        .collect();
    after.sort_by(f64::total_cmp);
    println!(
        "\nhost after the modules return (sandboxed_evaluation - sandboxed_modules, paired): \
         median {:.3} ms [p10 {:.3}, p90 {:.3}]",
        quantile(&after, 0.5) * 1e3,
        quantile(&after, 0.1) * 1e3,
        quantile(&after, 0.9) * 1e3,
    );
}

/// One way of making a job's three module calls, and how long each round's took.
struct Variant<'a> {
    name: &'static str,
    run: Box<dyn Fn() -> usize + 'a>,
    /// Time per iteration, one entry per measured round.
    times: Vec<Duration>,
}

impl<'a> Variant<'a> {
    fn new(name: &'static str, run: impl Fn() -> usize + 'a) -> Self {
        Self {
            name,
            run: Box::new(run),
            times: Vec::new(),
        }
    }
}

fn min(times: &[Duration]) -> Duration {
    times.iter().copied().min().unwrap_or_default()
}

/// The `q` quantile of sorted values (nearest rank).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(t: Duration) -> String {
    format!("{:.3} ms", t.as_secs_f64() * 1e3)
}
