//! Lane fit: how well a carrier's network and capacity fit the shipper's lane.
//!
//! - `lane`: whether the carrier runs the lane regularly, runs it the other way (so the
//!   load is its backhaul), is based at one end, or merely serves both states (`src/lane.rs`).
//! - `capacity`: the trucks a week it can commit against the lane's weekly volume
//!   (`src/capacity.rs`).

mod capacity;
mod lane;

use shortlist_freight_model::{self as model, ArchivedCarrier, Profile};
use shortlist_sdk::{FieldProblem, Metadata, Module, Ratings, Scorer};

/// The lane-fit scorer of the freight vertical.
pub struct LaneFit;

/// The `lane` dimension.
const LANE: &str = "lane";
/// The `capacity` dimension.
const CAPACITY: &str = "capacity";

/// The profile fields this module reads. It does not use `entity` and `equipment`, but
/// declares them because the shared `Profile` requires them: a missing one is then
/// reported by name.
const FIELDS: &[&str] = &[
    "entity",
    "origin",
    "destination",
    "equipment",
    "loads_per_month",
];

/// The fields this module validates; eligibility validates the others.
const OWN_FIELDS: &[&str] = &["loads_per_month"];

impl Module for LaneFit {
    type Profile = Profile;
    type Candidate = model::Carrier;

    fn metadata() -> Metadata {
        let metadata = Metadata::new("lane-fit", env!("CARGO_PKG_VERSION"), model::VERTICAL)
            .describe(
                "Scores whether a carrier runs the shipper's lane and has the trucks for its volume.",
            );
        model::declare(metadata, FIELDS)
    }

    fn check_profile(profile: &Profile) -> Vec<FieldProblem> {
        profile.problems(OWN_FIELDS)
    }
}

impl Scorer for LaneFit {
    const DIMENSIONS: &'static [&'static str] = &[LANE, CAPACITY];

    fn score(profile: &Profile, carrier: &ArchivedCarrier, ratings: &mut Ratings<'_>) {
        lane::rate(profile, carrier).record(LANE, ratings);
        capacity::rate(profile, carrier).record(CAPACITY, ratings);
    }
}

shortlist_sdk::export_scorer!(LaneFit);

#[cfg(test)]
mod tests;
