//! Eligibility: rejects carriers that cannot write the submission at all.
//!
//! A carrier is rejected when it does not write the state or the line, declines
//! the business's NAICS class, writes no business of this revenue, or its
//! underwriting guidelines exclude the business's experience mod, age or loss
//! history. Softer mismatches (a referred class, a revenue in the referral band)
//! are left to the `market-fit` scorer. The first failed check gives the reason.

use shortlist_insurance_model::format::Money;
use shortlist_insurance_model::{
    self as model, ArchivedCarrier, ClassFit, Code, Line, Profile, RevenueFit,
};
use shortlist_sdk::{FieldProblem, Filter, Metadata, Module};

/// The eligibility filter of the insurance vertical.
pub struct Eligibility;

/// The profile fields this module reads; it validates all but `entity`, which the host checks.
const FIELDS: &[&str] = &[
    "entity",
    "state",
    "line",
    "revenue",
    "naics",
    "experience_mod",
    "years_in_business",
    "loss_history",
];

impl Module for Eligibility {
    type Profile = Profile;
    type Candidate = model::Carrier;

    fn metadata() -> Metadata {
        let metadata = Metadata::new("eligibility", env!("CARGO_PKG_VERSION"), model::VERTICAL).describe(
            "Rejects carriers that do not write the state or line, decline the class, or whose revenue, \
             experience mod, years-in-business or loss guidelines exclude the business.",
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
        let state = match &profile.state {
            Code::Known(state) => *state,
            Code::Unknown(text) => return Err(format!("unknown state {text:?}")),
        };
        let line = match &profile.line {
            Code::Known(line) => *line,
            Code::Unknown(text) => return Err(format!("unknown line {text:?}")),
        };
        if !carrier.writes_state(state) {
            return Err(format!("does not write {}", state.code()));
        }
        if !carrier.writes(line) {
            return Err(format!("does not write {}", line.display()));
        }
        if let Some(naics) = profile.naics.as_ref().and_then(Code::known)
            && carrier.class_fit(naics) == ClassFit::Decline
        {
            return Err(format!("NAICS {naics} declined"));
        }
        if let Some(band) = carrier.revenue.as_ref() {
            match carrier.revenue_fit(profile.revenue) {
                Some(RevenueFit::Below) => {
                    return Err(format!(
                        "revenue {} below {} minimum",
                        Money(profile.revenue),
                        Money(band.min() as f64)
                    ));
                }
                Some(RevenueFit::Above) => {
                    return Err(format!(
                        "revenue {} above {} maximum",
                        Money(profile.revenue),
                        Money(band.max() as f64)
                    ));
                }
                _ => {}
            }
        }
        // Experience-mod ceilings are workers' comp guidelines; other lines rate losses differently.
        if line == Line::WorkersCompensation
            && let (Some(experience_mod), Some(max)) =
                (profile.experience_mod, carrier.max_experience_mod())
            && hundredths(experience_mod) > hundredths(max)
        {
            return Err(format!(
                "experience mod {experience_mod:.2} above {max:.2} maximum"
            ));
        }
        if let (Some(years), Some(min)) =
            (profile.years_in_business, carrier.min_years_in_business())
            && years < u32::from(min)
        {
            return Err(format!(
                "{years} {} in business, {min} required",
                plural(years, "year", "years")
            ));
        }
        if let (Some(history), Some(max)) = (profile.loss_history.as_ref(), carrier.max_claims())
            && history.claims > u32::from(max)
        {
            return Err(format!(
                "{} {} above {max} maximum",
                history.claims,
                plural(history.claims, "claim", "claims")
            ));
        }
        Ok(())
    }
}

/// Compares factors at the precision they are quoted in: a 1.15 ceiling stored as an `f32`
/// is 1.14999998, which must not reject a 1.15 mod.
fn hundredths(factor: f64) -> i64 {
    (factor * 100.0).round() as i64
}

fn plural(count: u32, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

shortlist_sdk::export_filter!(Eligibility);

#[cfg(test)]
mod tests;
