//! What a bundle must pass before it becomes a release: every module loads under the
//! contract this host serves, the modules match the manifest, and a smoke evaluation over
//! the vertical's sample data runs with no module error. Every problem is collected, so a
//! refused publish names them all.

use std::sync::Arc;
use std::time::Duration;

use crate::eval::{self, Job, Pool, PreparedPool};
use crate::runtime::{Loaded, Runtime};
use crate::vertical::{Bundle, Samples, Vertical};

/// Candidates of a generated sample pool that the smoke run evaluates.
pub const SMOKE_POOL_SIZE: usize = 200;

/// The wall clock of smoke evaluations (2026-01-01T00:00:00Z).
const SMOKE_CLOCK: Duration = Duration::from_secs(1_767_225_600);

/// The vertical a bundle makes, or every reason it cannot be released.
pub(super) async fn check(runtime: &Runtime, bundle: &Bundle) -> Result<Vertical, Vec<String>> {
    let mut problems = Vec::new();
    let mut modules = Vec::new();
    let mut generators = Vec::new();
    for file in bundle.modules() {
        match bundle.load_component(runtime, file).await {
            Ok(Loaded::Module(module)) => modules.push(module),
            Ok(Loaded::Samples(source)) => generators.push(source),
            Err(e) => problems.push(format!("{}: {e}", file.file)),
        }
    }
    if modules.is_empty() && problems.is_empty() {
        problems.push("the bundle holds no .wasm module".to_owned());
    }
    if generators.len() > 1 {
        problems.push(crate::vertical::two_samples(&generators));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut vertical = match Vertical::new(bundle.manifest().clone(), modules) {
        Ok(vertical) => vertical,
        Err(crate::vertical::Error::Mismatch { problems, .. }) => return Err(problems),
        Err(e) => return Err(vec![e.to_string()]),
    };
    if let Some(source) = generators.pop() {
        vertical = vertical.with_samples(source);
    }
    let samples = match samples_for(bundle, &vertical).await {
        Ok(samples) => samples,
        Err(problem) => return Err(vec![problem]),
    };
    let problems = smoke(&vertical, &samples).await;
    if problems.is_empty() {
        Ok(vertical)
    } else {
        Err(problems)
    }
}

/// The bundle's sample files, or what its sample data component generates.
async fn samples_for(bundle: &Bundle, vertical: &Vertical) -> Result<Samples, String> {
    if let Some(samples) = bundle.samples() {
        return Ok(samples.clone());
    }
    if vertical.samples().is_none() {
        return Err(format!(
            "there is no sample data to smoke-test vertical {} with: add a sample data \
             component (shortlist-sample-sdk) to the bundle, or samples/pool.json (an \
             array of candidates) and samples/profiles/*.json (one profile each) beside \
             vertical.toml",
            bundle.manifest().vertical
        ));
    }
    let generated = |e: crate::sample::Error| format!("the sample data component: {e}");
    let pool = crate::sample::pool(vertical, SMOKE_POOL_SIZE, 1)
        .await
        .map_err(generated)?;
    let profiles = crate::sample::profiles(vertical).await.map_err(generated)?;
    Ok(Samples { pool, profiles })
}

/// Runs every sample profile against the sample pool; returns what went wrong.
async fn smoke(vertical: &Vertical, samples: &Samples) -> Vec<String> {
    if samples.profiles.is_empty() {
        return vec!["the sample data holds no profile (samples/profiles/*.json)".to_owned()];
    }
    let pool = match Pool::from_values("samples", samples.pool.clone()) {
        Ok(pool) => Arc::new(pool),
        Err(e) => return vec![format!("the sample pool: {e}")],
    };
    let prepared = match PreparedPool::prepare(vertical, pool).await {
        Ok(prepared) => prepared,
        Err(e) => return vec![format!("smoke run, preparing the sample pool: {e}")],
    };
    let mut problems = Vec::new();
    for (name, profile) in &samples.profiles {
        let eval_id = format!("eval_smoke_{name}");
        let sandbox = eval::sandbox_for(&eval_id, SMOKE_CLOCK);
        match eval::validate(vertical, profile, &sandbox).await {
            Err(e) => {
                problems.push(format!("smoke run, sample profile {name}: {e}"));
                continue;
            }
            Ok(found) if !found.is_empty() => {
                let found: Vec<String> = found
                    .iter()
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect();
                problems.push(format!(
                    "smoke run, sample profile {name} is invalid under this release: {}",
                    found.join(", ")
                ));
                continue;
            }
            Ok(_) => {}
        }
        let job = Job::unpublished(eval_id, profile.clone(), sandbox);
        let evaluation = eval::evaluate(vertical, &prepared, &job).await;
        if let Some(error) = &evaluation.result.error {
            problems.push(format!(
                "smoke run, sample profile {name}: {}: {}",
                error.code, error.message
            ));
        }
    }
    problems
}
