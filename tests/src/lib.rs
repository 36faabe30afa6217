//! Shared helpers of the end-to-end tests and benchmarks: fixture modules, sample data, runtimes.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use shortlist_host::eval::{self, Job, Pool, PreparedPool};
use shortlist_host::runtime::{Runtime, RuntimeConfig};
use shortlist_host::vertical::{Manifest, Vertical};

mod fixtures {
    include!(concat!(env!("OUT_DIR"), "/fixture_modules.rs"));
}

/// The clock every test job sees: 2026-01-01T00:00:00Z.
pub const TEST_CLOCK: Duration = Duration::from_secs(1_767_225_600);

/// The bytes of a fixture module, by crate name (e.g. `shortlist-fixture-hostile`).
pub fn fixture(name: &str) -> &'static [u8] {
    let file = format!("{}.wasm", name.replace('-', "_"));
    fixtures::FIXTURE_MODULES
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, bytes)| *bytes)
        .unwrap_or_else(|| panic!("no fixture {file}"))
}

/// A runtime with a shared compiled-module cache under the target directory.
pub fn runtime(config: RuntimeConfig) -> Runtime {
    let cache = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-module-cache");
    Runtime::new(RuntimeConfig { cache_dir: Some(cache), ..config }).expect("runtime starts")
}

/// A one-module vertical from the hostile fixture.
pub async fn hostile_vertical(runtime: &Runtime) -> Vertical {
    let module = runtime.load("hostile", fixture("shortlist-fixture-hostile")).await.expect("fixture loads");
    let manifest = Manifest::parse(
        "hostile",
        r#"
        vertical = "hostile"
        description = "Test modules that misbehave."
        dimensions = []
        modules = ["hostile"]
        [points]
        L1 = 100
        L2 = 70
        L3 = 35
        L4 = 0
        [[tiers]]
        name = "ANY"
        min_fit = 0
        [confidence]
        high = 0.9
        medium = 0.5
        [reasoning]
        lead = 1
        "#,
    )
    .expect("manifest parses");
    Vertical::new(manifest, vec![module]).expect("vertical is consistent")
}

/// A pool of `size` candidates named `first`, `c1`, `c2`, ...
pub fn named_pool(size: usize) -> Arc<Pool> {
    let values: Vec<Value> = (0..size)
        .map(|i| serde_json::json!({ "name": if i == 0 { "first".to_owned() } else { format!("c{i}") } }))
        .collect();
    Arc::new(Pool::from_values("test:pool", values).expect("pool is valid"))
}

/// A job for `profile` with an id and the test clock.
pub fn job(eval_id: &str, profile: Value) -> Job {
    Job {
        eval_id: eval_id.to_owned(),
        sandbox: eval::sandbox_for(eval_id, TEST_CLOCK),
        profile,
        audit_url: format!("http://127.0.0.1:8080/traces/{eval_id}"),
        timings: false,
    }
}

/// Prepares a pool for a vertical, panicking on failure.
pub async fn prepare(vertical: &Vertical, pool: Arc<Pool>) -> PreparedPool {
    PreparedPool::prepare(vertical, pool).await.expect("pool prepares")
}
