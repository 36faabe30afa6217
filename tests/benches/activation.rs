//! How fast an activation reaches every replica, and what the first job on a newly
//! activated release costs.
//!
//! Run: `cargo bench -p shortlist-tests --bench activation`
//!
//! Replicas: two catalogues in this process, each following the registry exactly as
//! `serve` does (`catalogue::follow`), each with its own runtime and its own connection
//! pool: on PostgreSQL they hear `NOTIFY`, on SQLite they poll the catalogue version. An
//! activation is timed from the moment its transaction has committed to the moment both
//! replicas serve it (checked every 0.5 ms).

#![allow(clippy::print_stdout)] // this bench binary reports its tables on stdout

use std::sync::Arc;
use std::time::{Duration, Instant};

use shortlist_host::catalogue::{self, Catalogue};
use shortlist_host::eval;
use shortlist_host::registry::{self, ReleaseId};
use shortlist_host::runtime::RuntimeConfig;
use shortlist_host::store::Store;
use shortlist_host::vertical::{Bundle, ModuleFile};
use shortlist_tests::{POSTGRES_URL, job, runtime};
use tokio_util::sync::CancellationToken;

/// Activations timed per backend (alternating between two releases).
const ACTIVATIONS: usize = 100;
/// Jobs timed in each first-evaluation case.
const RUNS: usize = 15;
/// Candidates in the pool of the first-evaluation cases.
const POOL_SIZE: usize = 2000;

const ORG: &str = "org_bench";
const POOL: &str = "carriers:all";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// The built-in insurance bundle with one line of its manifest replaced and, when `stamp`
/// is given, its `carrier-quality` module re-stamped (a custom section appended: the same
/// code, another hash), so that the release changes its module set too.
fn variant(from: &str, to: &str, stamp: Option<&str>) -> Bundle {
    let builtin = Bundle::builtin("insurance").unwrap();
    let manifest = builtin.manifest_text().replacen(from, to, 1);
    let modules = builtin
        .modules()
        .iter()
        .map(|m| match stamp {
            Some(stamp) if m.file.contains("carrier_quality") => {
                ModuleFile::new(m.file.clone(), shortlist_tests::restamp(&m.bytes, stamp))
            }
            _ => m.clone(),
        })
        .collect();
    Bundle::new("bench variant", manifest, modules).unwrap()
}

async fn connect(url: &str, schema: Option<&str>) -> Store {
    Store::connect_with_schema(url, schema).await.unwrap()
}

/// Times activations alternating between two releases, until both replicas serve each.
async fn activation_latency(name: &str, stores: [Store; 3]) {
    let [admin, a, b] = stores;
    let rt = runtime(RuntimeConfig::default());
    registry::publish_builtins(&admin, &rt).await.unwrap();
    let other = variant("service = 0.10", "service = 0.40", Some("activation"));
    let other = registry::publish(&admin, &rt, &other, "bench", "bench")
        .await
        .unwrap()
        .id();
    let shutdown = CancellationToken::new();
    let mut replicas = Vec::new();
    for store in [a, b] {
        let catalogue = Arc::new(Catalogue::new(runtime(RuntimeConfig::default())));
        catalogue.sync(&store).await.unwrap();
        tokio::spawn(catalogue::follow(
            catalogue.clone(),
            store,
            Arc::new(tokio::sync::Notify::new()),
            shutdown.clone(),
        ));
        replicas.push(catalogue);
    }
    let first = ReleaseId::new("insurance", 1);
    let mut latencies = Vec::with_capacity(ACTIVATIONS);
    for i in 0..ACTIVATIONS {
        let target = if i % 2 == 0 { &other } else { &first };
        registry::activate(&admin, target, "bench").await.unwrap();
        let committed = Instant::now();
        while !replicas
            .iter()
            .all(|c| c.release("insurance").is_some_and(|r| r.id == *target))
        {
            assert!(
                committed.elapsed() < Duration::from_secs(10),
                "no swap in 10 s"
            );
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        latencies.push(committed.elapsed());
        // Activations are minutes apart in life; here pauses spread over the poll interval,
        // so that activations land at every phase of it rather than at one.
        let pause = 10 + (i as u64 * 97) % catalogue::POLL.as_millis() as u64;
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
    shutdown.cancel();
    latencies.sort();
    println!(
        "| {name} | {ACTIVATIONS} | {} | {} | {} | {} |",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.9)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies[latencies.len() - 1])
    );
}

/// Medians of the (load, evaluate) times `RUNS` runs of `f` measure.
async fn medians<F, Fut>(mut f: F) -> (Duration, Duration)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = (Duration, Duration)>,
{
    let (mut loads, mut evaluations) = (Vec::with_capacity(RUNS), Vec::with_capacity(RUNS));
    for i in 0..RUNS {
        let (load, evaluation) = f(i).await;
        loads.push(load);
        evaluations.push(evaluation);
    }
    loads.sort();
    evaluations.sort();
    (percentile(&loads, 0.5), percentile(&evaluations, 0.5))
}

/// What a job costs right after its release was swapped in, against the steady state.
async fn first_evaluation(store: Store) {
    let rt = runtime(RuntimeConfig::default());
    registry::publish_builtins(&store, &rt).await.unwrap();
    store.create_org(ORG, "bench", 1).await.unwrap();
    let pool = shortlist_plugin_insurance_samples::pool(POOL_SIZE, 1);
    let pool = eval::Pool::from_values(POOL, pool).unwrap();
    store
        .insert_pool_version(
            ORG,
            POOL,
            "insurance",
            pool.json(),
            POOL_SIZE as i64,
            pool.version(),
            1,
        )
        .await
        .unwrap();
    let profile = shortlist_plugin_insurance_samples::profile(None).unwrap();
    let job = job("eval_bench", profile);

    // Where loading a release goes: reading it (manifest, module bytes, hash checks) from
    // the database, then compiling (a cache hit here) and linking each module and calling
    // its `describe`.
    let first = ReleaseId::new("insurance", 1);
    let (read, compile) = medians(|_| {
        let (store, first) = (store.clone(), first.clone());
        let rt = runtime(RuntimeConfig::default());
        async move {
            let started = Instant::now();
            let bundle = registry::bundle(&store, &first).await.unwrap();
            let read = started.elapsed();
            bundle.load(&rt).await.unwrap();
            (read, started.elapsed() - read)
        }
    })
    .await;
    println!(
        "| loading a release (3 modules, 0.95 MB) | read from the database + hash checks: {} | compile from the cache + link + describe: {} | {} |",
        ms(read),
        ms(compile),
        ms(read + compile)
    );

    let evaluate = |catalogue: Arc<Catalogue>, store: Store, job: eval::Job| async move {
        let release = catalogue.release("insurance").unwrap();
        let prepared = catalogue
            .prepared(&store, ORG, POOL, 1, &release.vertical)
            .await
            .unwrap();
        let done = eval::evaluate(&release.vertical, &prepared, &job).await;
        assert_eq!(done.result.status.as_str(), "completed");
    };
    let warm = Arc::new(Catalogue::new(runtime(RuntimeConfig::default())));
    warm.sync(&store).await.unwrap();
    evaluate(warm.clone(), store.clone(), job.clone()).await;
    let (_, steady) = medians(|_| {
        let (warm, store, job) = (warm.clone(), store.clone(), job.clone());
        async move {
            let started = Instant::now();
            evaluate(warm, store, job).await;
            (Duration::ZERO, started.elapsed())
        }
    })
    .await;

    // Each run: a new release becomes active and the serving replica's next job runs on it.
    let mut swaps = Vec::new();
    for (case, module_change) in [("weights only", false), ("one module changed", true)] {
        let time = medians(|i| {
            let (store, job, warm) = (store.clone(), job.clone(), warm.clone());
            let stamp = format!("{case}-{i}");
            let rt = runtime(RuntimeConfig::default());
            async move {
                let weight = format!("service = 0.{:02}", 11 + i);
                let bundle = variant(
                    "service = 0.10",
                    &weight,
                    module_change.then_some(stamp.as_str()),
                );
                let id = registry::publish(&store, &rt, &bundle, "bench", "bench")
                    .await
                    .unwrap()
                    .id();
                registry::activate(&store, &id, "bench").await.unwrap();
                // Timed from here: the replica loads the release it was told of (as `follow`
                // does), then runs a job on it.
                let started = Instant::now();
                warm.sync(&store).await.unwrap();
                let loaded = started.elapsed();
                evaluate(warm, store.clone(), job).await;
                (loaded, started.elapsed() - loaded)
            }
        })
        .await;
        swaps.push((case, time));
    }
    println!(
        "| steady state: release loaded, pool prepared | - | {} | {} |",
        ms(steady),
        ms(steady)
    );
    for (case, (load, evaluation)) in swaps {
        println!(
            "| first job after a swap, {case} | {} | {} | {} |",
            ms(load),
            ms(evaluation),
            ms(load + evaluation)
        );
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benchmarks; there is nothing to list.
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!("| backend | activations | p50 | p90 | p99 | max |");
        println!("|---|---:|---:|---:|---:|---:|");
        let schema = Some("bench_activation");
        shortlist_tests::reset_schema("bench_activation").await;
        let pg = [
            connect(POSTGRES_URL, schema).await,
            connect(POSTGRES_URL, schema).await,
            connect(POSTGRES_URL, schema).await,
        ];
        activation_latency("PostgreSQL, 2 replicas (LISTEN/NOTIFY)", pg).await;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let sqlite = [
            connect(&url, None).await,
            connect(&url, None).await,
            connect(&url, None).await,
        ];
        activation_latency("SQLite, 2 replicas (polling)", sqlite).await;

        println!();
        println!("| {POOL_SIZE}-candidate job, median of {RUNS} | load the release | prepare the pool (if needed) + evaluate | total |");
        println!("|---|---:|---:|---:|");
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("first.db").display());
        first_evaluation(connect(&url, None).await).await;
    });
}
