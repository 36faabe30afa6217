//! Eligibility: rejects carriers that cannot legally or physically haul the load.
//!
//! Checks run in this order, and the first that fails gives the reason:
//!
//! 1. operating authority on file and `active` (not `inactive` or `revoked`);
//! 2. serves the origin state, then the destination state;
//! 3. operates the equipment the load needs;
//! 4. for a hazmat load, holds a hazmat endorsement (`hazmat: true`; unknown is not enough);
//! 5. cargo insurance on file at or above the profile's minimum, or $100K;
//! 6. a safety rating other than `unsatisfactory` (`conditional` and unrated carriers are
//!    kept, and the `carrier-performance` scorer rates them lower).
//!
//! Authority, service area, equipment and insurance are what a broker must verify before
//! tendering a load, so a carrier whose record lacks them is rejected, with a reason that
//! says the data is missing. Softer matters (whether it runs the lane, its capacity, how
//! safe, cheap and reliable it is) are left to the scorers.

use shortlist_freight_model::format::Money;
use shortlist_freight_model::{
    self as model, ArchivedCarrier, AuthorityStatus, Code, Profile, SafetyRating,
};
use shortlist_sdk::{FieldProblem, Filter, Metadata, Module};

/// The eligibility filter of the freight vertical.
pub struct Eligibility;

/// The profile fields this module reads; it validates all but `entity` and `hazmat`
/// (which the host and parsing check).
const FIELDS: &[&str] = &[
    "entity",
    "origin",
    "destination",
    "equipment",
    "hazmat",
    "weight_lbs",
    "min_cargo_insurance",
];

impl Module for Eligibility {
    type Profile = Profile;
    type Candidate = model::Carrier;

    fn metadata() -> Metadata {
        let metadata = Metadata::new("eligibility", env!("CARGO_PKG_VERSION"), model::VERTICAL)
            .describe(
                "Rejects carriers without active authority, that do not serve the origin or \
                 destination, lack the equipment or hazmat endorsement, carry too little cargo \
                 insurance, or have an Unsatisfactory safety rating.",
            );
        model::declare(metadata, FIELDS)
    }

    fn check_profile(profile: &Profile) -> Vec<FieldProblem> {
        profile.problems(FIELDS)
    }
}

impl Filter for Eligibility {
    fn check(profile: &Profile, carrier: &ArchivedCarrier) -> Result<(), String> {
        // `validate-profile` rejects unknown codes at submission; an evaluation that gets one
        // anyway rejects every candidate with a reason that says why.
        let origin = match &profile.origin {
            Code::Known(state) => *state,
            Code::Unknown(text) => return Err(format!("unknown origin {text:?}")),
        };
        let destination = match &profile.destination {
            Code::Known(state) => *state,
            Code::Unknown(text) => return Err(format!("unknown destination {text:?}")),
        };
        let equipment = match &profile.equipment {
            Code::Known(equipment) => *equipment,
            Code::Unknown(text) => return Err(format!("unknown equipment {text:?}")),
        };
        match carrier.authority_status() {
            Some(AuthorityStatus::Active) => {}
            Some(AuthorityStatus::Inactive) => return Err("operating authority inactive".into()),
            Some(AuthorityStatus::Revoked) => return Err("operating authority revoked".into()),
            None => return Err("no operating authority on file".into()),
        }
        if !carrier.has_service_area() {
            return Err("no service area on file".into());
        }
        if !carrier.serves(origin) {
            return Err(format!("does not serve {} (origin)", origin.code()));
        }
        if !carrier.serves(destination) {
            return Err(format!(
                "does not serve {} (destination)",
                destination.code()
            ));
        }
        if !carrier.has_equipment(equipment) {
            return Err(format!("no {} equipment", equipment.display()));
        }
        if profile.hazmat && carrier.hazmat() != Some(true) {
            return Err("no hazmat endorsement".into());
        }
        let minimum = profile.min_cargo_insurance();
        match carrier.cargo_insurance() {
            None => return Err("no cargo insurance on file".into()),
            Some(cover) if f64::from(cover) < minimum => {
                return Err(format!(
                    "cargo insurance {} below {} minimum",
                    Money(f64::from(cover)),
                    Money(minimum)
                ));
            }
            Some(_) => {}
        }
        if carrier.safety_rating() == Some(SafetyRating::Unsatisfactory) {
            return Err("Unsatisfactory safety rating".into());
        }
        Ok(())
    }
}

shortlist_sdk::export_filter!(Eligibility);

#[cfg(test)]
mod tests;
