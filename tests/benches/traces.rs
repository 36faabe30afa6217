//! What a stored trace costs an auditor and the service, at 2,000, 10,000 and 100,000
//! candidates (insurance sample pool, seed profile, masked as stored):
//!
//! - its size: the trace's JSON, that JSON compressed (how traces were stored before
//!   columns), and the paged columns compressed (how they are stored now);
//! - the service's time to store it (encode), to read it back whole (what `GET
//!   /traces/{id}` and a replay do), to read one candidate (`?candidate=NAME`), the
//!   overview (`?part=overview`) and the shortlist's first page (`?part=shortlist`);
//! - the viewer's first view: a service with the pool, a job, and its audit link opened
//!   in headless Chromium; the time from navigation until the first view was on screen
//!   (the viewer stamps it), at 2,000 and 100,000 candidates, with the server's time for
//!   the whole trace and for the two parts the viewer reads.
//!
//! Run: `cargo bench -p shortlist-tests --bench traces` (the browser part needs Debian's
//! `chromium` and `chromium-driver`; without them it says so and skips it).

#![allow(clippy::print_stdout)] // this bench binary reports its tables on stdout

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shortlist_host::eval::{self, Pool};
use shortlist_host::runtime::RuntimeConfig;
use shortlist_host::store::TraceRow;
use shortlist_host::traces::{stored, view};
use shortlist_host::vertical::Vertical;
use shortlist_tests::browser::Browser;
use shortlist_tests::{HostOptions, TestHost, job, prepare, runtime};

const SIZES: [usize; 3] = [2_000, 10_000, 100_000];
const VIEWER_SIZES: [usize; 2] = [2_000, 100_000];
const RUNS: usize = 7;
const VIEWER_RUNS: usize = 5;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn timed<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut samples = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        last = Some(f());
        samples.push(start.elapsed());
    }
    (median(samples), last.expect("at least one run"))
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn kb(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / 1000.0)
}

async fn storage(sizes: &[usize]) {
    let runtime = runtime(RuntimeConfig::default());
    let vertical = Vertical::builtin(&runtime, "insurance").await.unwrap();
    println!(
        "| candidates | trace JSON, KB | JSON + zstd, KB | paged columns + zstd, KB | store as JSON + zstd, ms | store as columns, ms | read whole, ms | read one candidate, ms | read the overview, ms | read a shortlist page, ms |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &size in sizes {
        let pool = Arc::new(
            Pool::from_values(
                "carriers:all",
                shortlist_plugin_insurance_samples::pool(size, 1),
            )
            .unwrap(),
        );
        let prepared = prepare(&vertical, pool).await;
        let profile = shortlist_plugin_insurance_samples::profile(None).unwrap();
        let mut evaluation =
            eval::evaluate(&vertical, &prepared, &job("eval_bench", profile)).await;
        evaluation.redact(&vertical, &prepared);
        let json = stored::to_json(&evaluation.trace);
        // Each run stores a copy made beforehand, and is done with it (as the worker is):
        // dropping the trace counts in both.
        let copies = || -> Vec<_> { (0..RUNS).map(|_| evaluation.trace.clone()).collect() };
        // Storing as JSON, as before columns: the trace's JSON, compressed.
        let mut json_copies = copies();
        let (json_encode, json_zstd) = timed(|| {
            let trace = json_copies.pop().expect("a copy per run");
            stored::encode_json(&stored::to_json(&trace)).bytes.len()
        });
        // Storing as columns: the trace's texts move in.
        let mut copies = copies();
        let (encode, encoded) =
            timed(|| stored::encode(copies.pop().expect("a copy per run"), &[]));
        assert_eq!(encoded.encoding, stored::PAGES_ENCODING);
        let row = TraceRow {
            eval_id: "eval_bench".into(),
            org_id: "org".into(),
            encoding: encoded.encoding.into(),
            bytes: encoded.bytes.clone(),
            raw_bytes: encoded.raw_bytes,
            timings: None,
            created_at: 0,
        };
        let (whole, decoded) = timed(|| stored::decode(&row).unwrap());
        assert_eq!(decoded, json, "the columns read back as the JSON");
        let middle = evaluation.trace.candidates[size / 2].name.clone();
        let (one, _) = timed(|| stored::candidate(&row, &middle).unwrap().unwrap());
        let (overview, _) = timed(|| stored::open(&row).unwrap().overview(None).unwrap());
        let (page, _) = timed(|| {
            stored::open(&row)
                .unwrap()
                .shortlist(&view::Query::default())
                .unwrap()
        });
        println!(
            "| {size} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            kb(json.len()),
            kb(json_zstd),
            kb(encoded.bytes.len()),
            ms(json_encode),
            ms(encode),
            ms(whole),
            ms(one),
            ms(overview),
            ms(page)
        );
    }
}

async fn viewer() {
    let browser = match Browser::start().await {
        Ok(browser) => browser,
        Err(e) => {
            println!("\nThe viewer part needs headless Chromium: {e:#}");
            return;
        }
    };
    println!(
        "\n| candidates | whole trace served, ms | overview + first page served, ms | first view on screen, ms (median of {VIEWER_RUNS}) | whole trace over the wire, MB | the viewer's two parts, KB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for size in VIEWER_SIZES {
        let host = TestHost::start_with(HostOptions {
            pool_size: size,
            ..HostOptions::default()
        })
        .await;
        let response: Value = host
            .client
            .post(format!("{}/api/v1/jobs", host.url))
            .header("X-API-Key", &host.key_a)
            .json(&json!({
                "profile": shortlist_plugin_insurance_samples::profile(None).unwrap(),
                "pool": "carriers:all",
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // A 100,000-candidate pool is prepared by its first job: allow for it.
        let result = host
            .wait_for_within(
                &host.key_a,
                response["eval_id"].as_str().unwrap(),
                Duration::from_secs(120),
            )
            .await;
        assert_eq!(result["status"], "completed", "{result}");
        let audit = result["audit"].as_str().unwrap();
        let get = |url: String| {
            let client = host.client.clone();
            async move {
                let start = Instant::now();
                let body = client.get(url).send().await.unwrap().bytes().await.unwrap();
                (start.elapsed(), body.len())
            }
        };
        let (mut served, mut parts_served) = (Vec::new(), Vec::new());
        let (mut wire, mut parts_wire) = (0, 0);
        for _ in 0..VIEWER_RUNS {
            let (time, bytes) = get(audit.to_owned()).await;
            served.push(time);
            wire = bytes;
            let (overview, overview_bytes) = get(format!("{audit}&part=overview")).await;
            let (page, page_bytes) = get(format!("{audit}&part=shortlist&limit=50")).await;
            parts_served.push(overview + page);
            parts_wire = overview_bytes + page_bytes;
        }
        let mut rendered = Vec::new();
        for _ in 0..VIEWER_RUNS {
            browser.goto(audit).await.unwrap();
            browser.find("body[data-rendered]").await.unwrap();
            let stamp = browser
                .script("return document.body.dataset.rendered;")
                .await
                .unwrap();
            let stamp: f64 = stamp
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(f64::NAN);
            rendered.push(Duration::from_secs_f64(stamp / 1000.0));
        }
        println!(
            "| {size} | {} | {} | {} | {:.1} | {:.1} |",
            ms(median(served)),
            ms(median(parts_served)),
            ms(median(rendered)),
            wire as f64 / 1e6,
            parts_wire as f64 / 1e3
        );
    }
    browser.quit().await;
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benchmarks; there is nothing to list.
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // Run as a test (`cargo test --benches`, no `--bench`): the smallest size only.
    let measuring = args.iter().any(|a| a == "--bench");
    runtime.block_on(async {
        storage(if measuring { &SIZES } else { &SIZES[..1] }).await;
        if measuring && !args.iter().any(|a| a == "--no-browser") {
            viewer().await;
        }
    });
}
