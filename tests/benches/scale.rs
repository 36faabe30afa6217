//! How a whole sandboxed evaluation grows with the pool: time per job, prepared
//! bytes per candidate, and peak memory, from 2,000 to 100,000 candidates.
//!
//! Run: `cargo bench -p shortlist-tests --bench scale`

#![allow(clippy::print_stdout)] // this bench binary reports its table on stdout

use std::sync::Arc;
use std::time::{Duration, Instant};

use shortlist_host::eval::{self, Pool, PreparedPool};
use shortlist_host::runtime::RuntimeConfig;
use shortlist_host::vertical::Vertical;
use shortlist_tests::{job, runtime};

const SIZES: [usize; 4] = [2_000, 10_000, 50_000, 100_000];
const RUNS: usize = 15;

/// Peak resident memory of this process so far, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benchmarks; there is nothing to list.
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let runtime = runtime(RuntimeConfig::default());
    let vertical = rt
        .block_on(Vertical::builtin(&runtime, "insurance"))
        .unwrap();
    let profile = shortlist_host::sample::profile("insurance", None).unwrap();
    let job = job("eval_scale", profile);

    println!(
        "| candidates | prepare (once) | evaluation p50 | per candidate | prepared bytes/candidate | peak RSS |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for size in SIZES {
        let candidates = shortlist_host::sample::pool("insurance", size, 1).unwrap();
        let pool = Arc::new(Pool::from_values("carriers:all", candidates).unwrap());
        let started = Instant::now();
        let prepared = rt.block_on(PreparedPool::prepare(&vertical, pool)).unwrap();
        let prepare = started.elapsed();
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                let evaluation = rt.block_on(eval::evaluate(&vertical, &prepared, &job));
                assert_eq!(
                    evaluation.result.status, "completed",
                    "{:?}",
                    evaluation.result.error
                );
                started.elapsed()
            })
            .collect();
        times.sort();
        let p50 = times[RUNS / 2];
        println!(
            "| {size} | {:.0} ms | {:.2} ms | {:.2} us | {:.0} | {:.0} MiB |",
            prepare.as_secs_f64() * 1e3,
            p50.as_secs_f64() * 1e3,
            p50.as_secs_f64() * 1e6 / size as f64,
            prepared.prepared_bytes() as f64 / size as f64,
            peak_rss_mib(),
        );
    }
}
