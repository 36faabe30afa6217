//! A vertical's sample data comes from its sample data component, run in the sandbox: the
//! host asks in chunks and gets the very candidates the crate generates natively.

use shortlist_host::runtime::RuntimeConfig;
use shortlist_host::sample;
use shortlist_host::vertical::Vertical;
use shortlist_tests::{hostile_vertical, runtime};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandboxed_generator_gives_the_native_candidates_across_chunks() {
    let runtime = runtime(RuntimeConfig::default());
    let vertical = Vertical::builtin(&runtime, "insurance").await.unwrap();
    let size = sample::CHUNK as usize * 2 + 17;
    let sandboxed = sample::pool(&vertical, size, 3).await.unwrap();
    assert_eq!(sandboxed, shortlist_plugin_insurance_samples::pool(size, 3));
    assert!(sample::pool(&vertical, 0, 3).await.unwrap().is_empty());

    let profiles = sample::profiles(&vertical).await.unwrap();
    let names: Vec<&str> = profiles.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, shortlist_plugin_insurance_samples::profile_names());
    assert_eq!(
        sample::profile(&vertical, None).await.unwrap(),
        shortlist_plugin_insurance_samples::profile(None).unwrap()
    );
    let unknown = sample::profile(&vertical, Some("nope")).await.unwrap_err();
    assert!(
        unknown.to_string().starts_with(
            r#"no sample profile "nope"; available: acme-manufacturing, harbor-bistro"#
        ),
        "{unknown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vertical_without_a_generator_says_so() {
    let runtime = runtime(RuntimeConfig::default());
    let vertical = hostile_vertical(&runtime).await;
    let error = sample::pool(&vertical, 10, 1).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "vertical hostile has no sample data: add a crate built with shortlist-sample-sdk to its modules"
    );
    assert!(matches!(
        sample::profile(&vertical, None).await,
        Err(sample::Error::NoSamples(_))
    ));
}
