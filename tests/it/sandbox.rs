//! Hostile modules: each fails its own job with its exact named error, and the
//! next job on the same host succeeds. A snooping module sees nothing of the host.

use std::time::Duration;

use serde_json::json;
use shortlist_host::eval::{self, Evaluation};
use shortlist_host::runtime::{Limits, Metering, RuntimeConfig};
use shortlist_host::vertical::Vertical;
use shortlist_tests::{hostile_vertical, job, named_pool, prepare, runtime};

fn config(limits: Limits) -> RuntimeConfig {
    RuntimeConfig {
        job_limits: limits,
        instance_slots: 16,
        ..RuntimeConfig::default()
    }
}

async fn attack(vertical: &Vertical, pool_size: usize, attack: &str) -> Evaluation {
    let prepared = prepare(vertical, named_pool(pool_size)).await;
    eval::evaluate(
        vertical,
        &prepared,
        &job(&format!("eval_{attack}"), json!({ "attack": attack })),
    )
    .await
}

/// Asserts the evaluation failed with `code`, naming the hostile module, then
/// that a well-behaved job on the same vertical completes.
async fn assert_fails_then_recovers(vertical: &Vertical, evaluation: Evaluation, code: &str) {
    assert_eq!(evaluation.result.status.as_str(), "failed");
    let error = evaluation
        .result
        .error
        .as_ref()
        .expect("a failed result carries its error");
    assert_eq!(error.code.as_str(), code, "{}", error.message);
    assert!(
        error.message.contains("module hostile"),
        "{}",
        error.message
    );
    let trace_error = evaluation
        .trace
        .error
        .as_ref()
        .expect("the trace records the failure");
    assert_eq!(trace_error.module.as_deref(), Some("hostile"));

    let next = attack(vertical, 3, "none").await;
    assert_eq!(
        next.result.status.as_str(),
        "completed",
        "{:?}",
        next.result.error
    );
    assert_eq!(next.result.pool_size, 3);
    assert_eq!(next.result.candidates.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_infinite_loop_times_out() {
    let limits = Limits {
        deadline: Duration::from_millis(300),
        fuel: u64::MAX,
        ..Limits::default()
    };
    let runtime = runtime(config(limits));
    let vertical = hostile_vertical(&runtime).await;
    let evaluation = attack(&vertical, 3, "loop").await;
    assert_fails_then_recovers(&vertical, evaluation, "plugin_timeout").await;
}

/// A looping module yields its thread: on a single-threaded runtime, a task beside it
/// keeps running until the deadline stops the loop.
///
/// The fuel budget is out of reach, so the deadline alone can end the loop, however fast
/// the machine burns fuel. Were the guest never to yield, the ticker would never get a
/// turn and the loop would never end: the runtime runs on a thread of its own, watched
/// from here, so that such a failure fails the test rather than hanging it.
#[test]
fn a_looping_module_does_not_hold_its_thread() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime builds");
        let outcome = rt.block_on(loop_beside_a_ticker());
        let _ = done.send(outcome);
    });
    let (evaluation, ticks, vertical) = finished
        .recv_timeout(Duration::from_secs(120))
        .expect("the looping module gave its thread back to the deadline");
    assert!(ticks >= 5, "the ticker ran {ticks} times in 300 ms");
    let rt = tokio::runtime::Runtime::new().expect("runtime builds");
    rt.block_on(assert_fails_then_recovers(
        &vertical,
        evaluation,
        "plugin_timeout",
    ));
}

/// Runs the looping module under a 300 ms deadline beside a task ticking every 5 ms;
/// returns the evaluation and how often the ticker ran.
async fn loop_beside_a_ticker() -> (Evaluation, u32, Vertical) {
    let limits = Limits {
        deadline: Duration::from_millis(300),
        fuel: u64::MAX,
        ..Limits::default()
    };
    let runtime = runtime(config(limits));
    let vertical = hostile_vertical(&runtime).await;
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let ticker = tokio::spawn({
        let ticks = ticks.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_millis(5)).await;
                ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    let evaluation = attack(&vertical, 3, "loop").await;
    ticker.abort();
    let ticks = ticks.load(std::sync::atomic::Ordering::Relaxed);
    (evaluation, ticks, vertical)
}

/// How long a test waits for an hour-long sleep that its deadline must end: far beyond the
/// deadline, far short of the hour. Only a wait that escaped the deadline reaches it.
const SLEEP_BOUND: Duration = Duration::from_secs(20);

/// Runs `call` as a task of its own and waits at most [`SLEEP_BOUND`] for it. Waiting on the
/// task's handle, not on the call itself, keeps this bound from polling the call: only the
/// call's own wake-ups (its timer) can end it.
async fn bounded<T: Send + 'static>(
    what: &str,
    call: impl Future<Output = T> + Send + 'static,
) -> T {
    tokio::time::timeout(SLEEP_BOUND, tokio::spawn(call))
        .await
        .unwrap_or_else(|_| panic!("{what}: the sleep outlasted its deadline"))
        .expect("the call does not panic")
}

/// A deadline far shorter than [`SLEEP_BOUND`], with fuel out of reach: a module waiting
/// in a host call burns none, so the deadline alone can end the wait.
fn sleep_limits() -> Limits {
    Limits {
        deadline: Duration::from_millis(500),
        fuel: u64::MAX,
        ..Limits::default()
    }
}

/// A module sleeping an hour in `evaluate` (a wait in a WASI host call, where no fuel is
/// burnt and no epoch is checked) fails at its deadline, under either kind of metering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_sleeping_in_a_host_call_times_out() {
    for metering in [Metering::Full, Metering::DeadlineOnly] {
        let runtime = runtime(RuntimeConfig {
            metering,
            ..config(sleep_limits())
        });
        let vertical = hostile_vertical(&runtime).await;
        let evaluation = bounded(&format!("{metering:?}"), {
            let vertical = vertical.clone();
            async move { attack(&vertical, 3, "sleep").await }
        })
        .await;
        assert_fails_then_recovers(&vertical, evaluation, "plugin_timeout").await;
    }
}

/// The sandbox's monotonic clock never moves, so even a millisecond's sleep never ends:
/// what a module sees cannot depend on how long the host takes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_clock_never_reaches_a_later_instant() {
    let runtime = runtime(config(sleep_limits()));
    let vertical = hostile_vertical(&runtime).await;
    let evaluation = bounded("nap", {
        let vertical = vertical.clone();
        async move { attack(&vertical, 3, "nap").await }
    })
    .await;
    assert_fails_then_recovers(&vertical, evaluation, "plugin_timeout").await;
}

/// A module sleeping in `validate-profile` (which runs when a job is submitted) fails at
/// its deadline too, naming itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_sleeping_in_validate_profile_times_out() {
    let runtime = runtime(config(sleep_limits()));
    let vertical = hostile_vertical(&runtime).await;
    let profile = json!({ "entity": "acme", "attack": "sleep-in-validate" });
    let sandbox = eval::sandbox_for("eval_sleepy", shortlist_tests::TEST_CLOCK);
    let outcome = bounded("validate-profile", {
        let vertical = vertical.clone();
        async move { eval::validate(&vertical, &profile, &sandbox).await }
    })
    .await;
    let error = outcome.expect_err("validation fails");
    assert_eq!(error.code().as_str(), "plugin_timeout", "{error}");
    assert_eq!(error.module(), Some("hostile"));
    let next = attack(&vertical, 3, "none").await;
    assert_eq!(
        next.result.status.as_str(),
        "completed",
        "{:?}",
        next.result.error
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_infinite_loop_exhausts_its_fuel() {
    let limits = Limits {
        deadline: Duration::from_secs(60),
        fuel: 50_000_000,
        ..Limits::default()
    };
    let runtime = runtime(config(limits));
    let vertical = hostile_vertical(&runtime).await;
    let evaluation = attack(&vertical, 3, "loop").await;
    assert_fails_then_recovers(&vertical, evaluation, "plugin_fuel_exhausted").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_fuel_metering_the_deadline_still_holds() {
    // A fuel budget this small would stop the loop first, were fuel metered.
    let limits = Limits {
        deadline: Duration::from_millis(300),
        fuel: 1_000,
        ..Limits::default()
    };
    let runtime = runtime(RuntimeConfig {
        metering: Metering::DeadlineOnly,
        ..config(limits)
    });
    let vertical = hostile_vertical(&runtime).await;
    let evaluation = attack(&vertical, 3, "loop").await;
    assert_fails_then_recovers(&vertical, evaluation, "plugin_timeout").await;
    assert_eq!(evaluation_fuel(&vertical).await, 0, "no fuel is counted");
}

/// Fuel a well-behaved job reports in its trace, summed over its modules.
async fn evaluation_fuel(vertical: &Vertical) -> u64 {
    let evaluation = attack(vertical, 3, "none").await;
    evaluation.trace.modules.iter().map(|m| m.fuel_used).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_gib_allocation_exceeds_the_memory_cap() {
    let limits = Limits {
        memory_bytes: 64 << 20,
        ..Limits::default()
    };
    let runtime = runtime(config(limits));
    let vertical = hostile_vertical(&runtime).await;
    let evaluation = attack(&vertical, 3, "alloc").await;
    assert_fails_then_recovers(&vertical, evaluation, "plugin_memory_exceeded").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_traps_with_its_message() {
    let runtime = runtime(config(Limits::default()));
    let vertical = hostile_vertical(&runtime).await;
    let evaluation = attack(&vertical, 3, "panic").await;
    let message = evaluation
        .result
        .error
        .as_ref()
        .map(|e| e.message.clone())
        .unwrap_or_default();
    assert!(
        message.contains("hostile module panicked on purpose"),
        "{message}"
    );
    assert_fails_then_recovers(&vertical, evaluation, "plugin_trapped").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_megabytes_of_output_is_refused() {
    let limits = Limits {
        output_bytes: 16 << 20,
        memory_bytes: 256 << 20,
        ..Limits::default()
    };
    let runtime = runtime(config(limits));
    let vertical = hostile_vertical(&runtime).await;
    // 800 rejections of 64 KiB each: 50 MiB.
    let evaluation = attack(&vertical, 800, "flood").await;
    assert_fails_then_recovers(&vertical, evaluation, "plugin_output_too_large").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snooping_module_sees_no_files_environment_network_or_real_clock() {
    let runtime = runtime(config(Limits::default()));
    let vertical = hostile_vertical(&runtime).await;
    let prepared = prepare(&vertical, named_pool(2)).await;
    let snoop = |id: &str| job(id, json!({ "attack": "snoop" }));

    let first = eval::evaluate(&vertical, &prepared, &snoop("eval_snoopA")).await;
    assert_eq!(
        first.result.status.as_str(),
        "completed",
        "{:?}",
        first.result.error
    );
    let logs: Vec<String> = first.trace.modules[0]
        .logs
        .iter()
        .map(|l| l.message.clone())
        .collect();
    let line = |prefix: &str| {
        logs.iter()
            .find(|l| l.starts_with(prefix))
            .cloned()
            .unwrap_or_else(|| panic!("no {prefix} in {logs:?}"))
    };

    assert!(line("fs: ").starts_with("fs: error"), "{logs:?}");
    assert!(line("fs-root: ").starts_with("fs-root: error"), "{logs:?}");
    assert_eq!(line("env: "), "env: 0 variables");
    assert!(line("net: ").starts_with("net: error"), "{logs:?}");
    assert!(line("dns: ").starts_with("dns: error"), "{logs:?}");
    assert_eq!(
        line("clock: "),
        format!("clock: {}", shortlist_tests::TEST_CLOCK.as_secs())
    );
    assert_eq!(line("monotonic-elapsed-ns: "), "monotonic-elapsed-ns: 0");

    // Randomness is fixed per job: the same job sees the same value, another job another.
    let again = eval::evaluate(&vertical, &prepared, &snoop("eval_snoopA")).await;
    let other = eval::evaluate(&vertical, &prepared, &snoop("eval_snoopB")).await;
    let random = |e: &Evaluation| {
        e.trace.modules[0]
            .logs
            .iter()
            .find(|l| l.message.starts_with("random: "))
            .map(|l| l.message.clone())
    };
    assert!(random(&first).is_some());
    assert_eq!(random(&first), random(&again));
    assert_ne!(random(&first), random(&other));
}

/// What a module says about its own failure reaches the client as a short named reason;
/// the trace keeps a bounded detail. Neither grows with the module's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_cannot_make_its_failure_large() {
    use shortlist_host::runtime::{MAX_DETAIL_BYTES, MAX_SUMMARY_DETAIL_BYTES};

    let runtime = runtime(config(Limits::default()));
    let vertical = hostile_vertical(&runtime).await;
    let prepared = prepare(&vertical, named_pool(3)).await;
    // A profile the module cannot read: the SDK's error quotes the 1 MB value whole.
    let loud = json!({ "attack": "none", "volume": "x".repeat(1 << 20) });
    let cases = [
        (json!({ "attack": "scream" }), "plugin_trapped", "AAAA"),
        (json!({ "attack": "exit" }), "plugin_trapped", "exit"),
        (loud.clone(), "plugin_error", "xxxx"),
    ];
    for (profile, code, said) in cases {
        let evaluation =
            eval::evaluate(&vertical, &prepared, &job("eval_loud", profile.clone())).await;
        let error = evaluation.result.error.as_ref().expect("the job failed");
        assert_eq!(error.code.as_str(), code, "{profile:.60}");
        assert!(
            error.message.starts_with("module hostile "),
            "{}",
            error.message
        );
        assert!(
            error.message.len() < MAX_SUMMARY_DETAIL_BYTES + 200,
            "{profile:.60}: a {} byte result message",
            error.message.len()
        );
        let result = serde_json::to_string(&evaluation.result).unwrap();
        assert!(
            result.len() < 2048,
            "{profile:.60}: a {} byte result",
            result.len()
        );
        let detail = &evaluation.trace.error.as_ref().expect("traced").message;
        assert!(detail.contains(said), "{detail:.200}");
        assert!(
            detail.len() < MAX_DETAIL_BYTES + 300,
            "{profile:.60}: {} bytes",
            detail.len()
        );
    }
    // The same profile at submission: the problem's message is cut too.
    let sandbox = eval::sandbox_for("eval_loud", shortlist_tests::TEST_CLOCK);
    let problems = eval::validate(&vertical, &loud, &sandbox).await.unwrap();
    assert!(!problems.is_empty());
    assert!(
        problems.iter().all(|p| p.message.len() < 600),
        "{:?}",
        problems.iter().map(|p| p.message.len()).collect::<Vec<_>>()
    );
}
