//! Market fit: how well a carrier's appetite, coverage and placement fit the submission.
//!
//! - `appetite`: state and line written, revenue within the auto-quote band, NAICS class
//!   eligible, and how trustworthy and current the appetite data is (`src/appetite.rs`).
//! - `coverage`: limits offered against those requested, and the companion lines that
//!   round out the account (`src/coverage.rs`).
//! - `placement`: admitted or E&S, binding authority, and how the carrier quotes (`src/placement.rs`).

mod appetite;
mod coverage;
mod placement;

use shortlist_insurance_model::{self as model, ArchivedCarrier, Profile};
use shortlist_sdk::{FieldProblem, Metadata, Module, Ratings, Scorer};

/// The market-fit scorer of the insurance vertical.
pub struct MarketFit;

/// The `appetite` dimension.
const APPETITE: &str = "appetite";
/// The `coverage` dimension.
const COVERAGE: &str = "coverage";
/// The `placement` dimension.
const PLACEMENT: &str = "placement";

/// The profile fields this module reads; `entity` is declared because the shared `Profile`
/// requires it, so that a missing one is reported by name.
const FIELDS: &[&str] = &[
    "entity",
    "state",
    "line",
    "revenue",
    "naics",
    "limits",
    "effective_date",
];

/// The fields this module validates; eligibility validates the others.
const OWN_FIELDS: &[&str] = &["limits", "effective_date"];

impl Module for MarketFit {
    type Profile = Profile;
    type Candidate = model::Carrier;

    fn metadata() -> Metadata {
        let metadata = Metadata::new("market-fit", env!("CARGO_PKG_VERSION"), model::VERTICAL)
            .describe(
                "Scores how well a carrier's appetite, coverage and placement fit the submission.",
            );
        model::declare(metadata, FIELDS)
    }

    fn check_profile(profile: &Profile) -> Vec<FieldProblem> {
        profile.problems(OWN_FIELDS)
    }
}

impl Scorer for MarketFit {
    const DIMENSIONS: &'static [&'static str] = &[APPETITE, COVERAGE, PLACEMENT];

    fn score(profile: &Profile, carrier: &ArchivedCarrier, ratings: &mut Ratings<'_>) {
        appetite::rate(profile, carrier).record(APPETITE, ratings);
        coverage::rate(profile, carrier).record(COVERAGE, ratings);
        placement::rate(carrier).record(PLACEMENT, ratings);
    }
}

shortlist_sdk::export_scorer!(MarketFit);

#[cfg(test)]
mod tests;
