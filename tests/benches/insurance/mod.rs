//! The insurance vertical over a 2,000-carrier pool, ready to run natively and sandboxed:
//! what the `engine` and `ratio` benches measure side by side.
#![allow(dead_code)] // each bench uses part of it

use std::sync::Arc;

use shortlist_host::eval::{self, Pool, PreparedPool};
use shortlist_host::runtime::{Metering, Module, Outcome, RuntimeConfig, Sandbox};
use shortlist_host::vertical::Vertical;
use shortlist_plugin_carrier_quality::CarrierQuality;
use shortlist_plugin_eligibility::Eligibility;
use shortlist_plugin_market_fit::MarketFit;
use shortlist_sdk::{Rejections, Scores};

/// Candidates in the pool.
pub const POOL_SIZE: usize = 2000;

/// The pool, the `acme-manufacturing` profile, and the three plugin crates' pools prepared
/// natively (exactly as each module prepares its own in the sandbox).
pub struct Insurance {
    pub pool: Arc<Pool>,
    pub profile: serde_json::Value,
    pub profile_text: String,
    pub sandbox: Sandbox,
    pub all: Vec<u32>,
    native_eligibility: Vec<u8>,
    native_market: Vec<u8>,
    native_quality: Vec<u8>,
}

/// The vertical's modules loaded on a runtime of one [`Metering`], with the pool prepared by them.
pub struct Sandboxed {
    pub vertical: Vertical,
    pub prepared: PreparedPool,
}

impl Insurance {
    pub fn new() -> Self {
        let candidates = shortlist_plugin_insurance_samples::pool(POOL_SIZE, 1);
        let pool = Arc::new(Pool::from_values("carriers:all", candidates).unwrap());
        let profile = shortlist_plugin_insurance_samples::profile(None).unwrap();
        Self {
            native_eligibility: shortlist_sdk::prepare_pool::<Eligibility>(pool.json()).unwrap(),
            native_market: shortlist_sdk::prepare_pool::<MarketFit>(pool.json()).unwrap(),
            native_quality: shortlist_sdk::prepare_pool::<CarrierQuality>(pool.json()).unwrap(),
            pool,
            profile_text: profile.to_string(),
            profile,
            sandbox: eval::sandbox_for("eval_bench", shortlist_tests::TEST_CLOCK),
            all: (0..POOL_SIZE as u32).collect(),
        }
    }

    /// The vertical on a runtime with `metering`, its pool prepared.
    pub fn sandboxed(&self, rt: &tokio::runtime::Runtime, metering: Metering) -> Sandboxed {
        let runtime = shortlist_tests::runtime(RuntimeConfig {
            metering,
            ..RuntimeConfig::default()
        });
        let vertical = rt
            .block_on(Vertical::builtin(&runtime, "insurance"))
            .unwrap();
        let prepared = rt
            .block_on(PreparedPool::prepare(&vertical, self.pool.clone()))
            .unwrap();
        Sandboxed { vertical, prepared }
    }

    /// The filter's rejections among `indices`, natively.
    pub fn native_filter(&self, indices: &[u32]) -> Rejections {
        shortlist_sdk::filter::<Eligibility>(&self.profile_text, &self.native_eligibility, indices)
            .unwrap()
    }

    /// Both scorers' ratings of `indices`, natively.
    pub fn native_scorers(&self, indices: &[u32]) -> (Scores, Scores) {
        let market =
            shortlist_sdk::score::<MarketFit>(&self.profile_text, &self.native_market, indices)
                .unwrap();
        let quality = shortlist_sdk::score::<CarrierQuality>(
            &self.profile_text,
            &self.native_quality,
            indices,
        )
        .unwrap();
        (market, quality)
    }

    /// The three module calls of a job, natively; returns how many ratings came back.
    pub fn native(&self) -> usize {
        let rejected = self.native_filter(&self.all);
        let (market, quality) = self.native_scorers(&survivors(&rejected.candidates));
        market.len() + quality.len()
    }

    /// One module's `evaluate` over the candidates at `indices`, on a fresh instance, as
    /// the pipeline calls it.
    pub async fn evaluate(
        &self,
        sandboxed: &Sandboxed,
        module: &Module,
        indices: &[u32],
    ) -> Outcome {
        module
            .evaluate(
                &self.sandbox,
                &self.profile_text,
                sandboxed.prepared.blob(module).unwrap(),
                indices,
            )
            .await
            .unwrap()
            .value
    }

    /// The three module calls of a job, as the pipeline makes them, each on a fresh
    /// instance; returns how many ratings came back.
    pub async fn sandboxed_modules(&self, sandboxed: &Sandboxed) -> usize {
        let filter = &sandboxed.vertical.filters()[0];
        let Outcome::Rejected(rejected) = self.evaluate(sandboxed, filter, &self.all).await else {
            panic!("filter scored")
        };
        let keep = survivors(&rejected.candidates);
        let mut scored = 0;
        for scorer in sandboxed.vertical.scorers() {
            if let Outcome::Scored(s) = self.evaluate(sandboxed, scorer, &keep).await {
                scored += s.len();
            }
        }
        scored
    }
}

impl Insurance {
    /// The whole evaluation of the `acme-manufacturing` profile, as a worker runs it: the
    /// three module calls, then aggregation, ranking, the result and the trace; returns
    /// how many ratings the trace holds.
    pub async fn sandboxed_evaluation(&self, sandboxed: &Sandboxed, job: &eval::Job) -> usize {
        let evaluation = eval::evaluate(&sandboxed.vertical, &sandboxed.prepared, job).await;
        assert_eq!(evaluation.result.status, eval::EvalStatus::Completed);
        evaluation
            .trace
            .candidates
            .iter()
            .map(|c| c.scores.len())
            .sum()
    }

    /// The job [`Insurance::sandboxed_evaluation`] runs.
    pub fn job(&self) -> eval::Job {
        shortlist_tests::job("eval_bench", self.profile.clone())
    }
}

/// The candidates of the pool that the filter did not reject, in pool order.
pub fn survivors(rejected: &[u32]) -> Vec<u32> {
    let mut keep = vec![true; POOL_SIZE];
    for &r in rejected {
        keep[r as usize] = false;
    }
    (0..POOL_SIZE as u32)
        .filter(|&i| keep[i as usize])
        .collect()
}
