//! Carrier performance: how safe, how cheap and how reliable the carrier is.
//!
//! - `safety`: FMCSA safety rating, out-of-service rates against the national averages,
//!   and how new the operating authority is at pickup (`src/safety.rs`).
//! - `price`: the carrier's rate per mile against the shipper's target or the lane's
//!   market rate (`src/price.rs`).
//! - `reliability`: on-time pickup and delivery and tender acceptance (`src/reliability.rs`).

mod price;
mod reliability;
mod safety;

use shortlist_freight_model::{self as model, ArchivedCarrier, Profile};
use shortlist_sdk::{FieldProblem, Metadata, Module, Ratings, Scorer};

/// The carrier-performance scorer of the freight vertical.
pub struct CarrierPerformance;

/// The `safety` dimension.
const SAFETY: &str = "safety";
/// The `price` dimension.
const PRICE: &str = "price";
/// The `reliability` dimension.
const RELIABILITY: &str = "reliability";

/// The profile fields this module reads. It does not use the lane or the equipment, but
/// declares them because the shared `Profile` requires them: a missing one is then
/// reported by name.
const FIELDS: &[&str] = &[
    "entity",
    "origin",
    "destination",
    "equipment",
    "pickup_date",
    "target_rate_per_mile",
];

/// The fields this module validates; eligibility validates the others.
const OWN_FIELDS: &[&str] = &["pickup_date", "target_rate_per_mile"];

impl Module for CarrierPerformance {
    type Profile = Profile;
    type Candidate = model::Carrier;

    fn metadata() -> Metadata {
        let metadata = Metadata::new(
            "carrier-performance",
            env!("CARGO_PKG_VERSION"),
            model::VERTICAL,
        )
        .describe(
            "Scores a carrier's safety record, its rate against the target or market rate, and \
             its on-time and tender acceptance history.",
        );
        model::declare(metadata, FIELDS)
    }

    fn check_profile(profile: &Profile) -> Vec<FieldProblem> {
        profile.problems(OWN_FIELDS)
    }
}

impl Scorer for CarrierPerformance {
    const DIMENSIONS: &'static [&'static str] = &[SAFETY, PRICE, RELIABILITY];

    fn score(profile: &Profile, carrier: &ArchivedCarrier, ratings: &mut Ratings<'_>) {
        safety::rate(profile, carrier).record(SAFETY, ratings);
        price::rate(profile, carrier).record(PRICE, ratings);
        reliability::rate(carrier).record(RELIABILITY, ratings);
    }
}

shortlist_sdk::export_scorer!(CarrierPerformance);

#[cfg(test)]
mod tests;
