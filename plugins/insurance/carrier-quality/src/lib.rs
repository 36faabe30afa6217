//! Carrier quality: the carrier's financial strength, price floor and service.
//!
//! - `financial`: AM Best rating and size category (`src/financial.rs`).
//! - `pricing`: the line's minimum premium against the expected premium (`src/pricing.rs`).
//! - `service`: quote turnaround and claims service rating (`src/service.rs`).

mod financial;
mod pricing;
mod service;

use shortlist_insurance_model::{self as model, ArchivedCarrier, Profile};
use shortlist_sdk::{FieldProblem, Metadata, Module, Ratings, Scorer};

/// The carrier-quality scorer of the insurance vertical.
pub struct CarrierQuality;

/// The `financial` dimension.
const FINANCIAL: &str = "financial";
/// The `pricing` dimension.
const PRICING: &str = "pricing";
/// The `service` dimension.
const SERVICE: &str = "service";

/// The profile fields this module reads. It does not use `entity` and `state`, but declares them
/// because the shared `Profile` requires them: a missing one is then reported by name.
const FIELDS: &[&str] = &[
    "entity",
    "state",
    "line",
    "revenue",
    "naics",
    "employees",
    "payroll",
    "vehicles",
    "experience_mod",
    "loss_history",
    "expected_premium",
];

/// The fields this module validates; eligibility validates the others.
const OWN_FIELDS: &[&str] = &["payroll", "expected_premium"];

impl Module for CarrierQuality {
    type Profile = Profile;
    type Candidate = model::Carrier;

    fn metadata() -> Metadata {
        let metadata = Metadata::new("carrier-quality", env!("CARGO_PKG_VERSION"), model::VERTICAL)
            .describe("Scores a carrier's financial strength, its minimum premium against the expected premium, and its service.");
        model::declare(metadata, FIELDS)
    }

    fn check_profile(profile: &Profile) -> Vec<FieldProblem> {
        profile.problems(OWN_FIELDS)
    }
}

impl Scorer for CarrierQuality {
    const DIMENSIONS: &'static [&'static str] = &[FINANCIAL, PRICING, SERVICE];

    fn score(profile: &Profile, carrier: &ArchivedCarrier, ratings: &mut Ratings<'_>) {
        financial::rate(carrier).record(FINANCIAL, ratings);
        pricing::rate(profile, carrier).record(PRICING, ratings);
        service::rate(carrier).record(SERVICE, ratings);
    }
}

shortlist_sdk::export_scorer!(CarrierQuality);

#[cfg(test)]
mod tests;
