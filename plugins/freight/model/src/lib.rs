//! The freight vertical's data model, shared by its rule modules.
//!
//! A [`Profile`] is a shipper's request (a load or a recurring lane, the equipment it
//! needs, its volume and price target); a [`Carrier`] is one candidate of a pool (its
//! FMCSA authority and safety record, where it runs, what it pulls, its insurance, price
//! and service history). Rules read the archived carrier ([`ArchivedCarrier`]) through
//! the helpers here, so that the filter and the scorers agree on what "serves CA" or
//! "runs the lane" means, and word it the same way ([`format`](mod@format)).
#![warn(missing_docs)]

mod carrier;
mod codes;
pub mod format;
mod profile;

pub use carrier::{ArchivedCarrier, ArchivedLane, Carrier, Lane};
pub use codes::{AuthorityStatus, Code, Equipment, SafetyRating, State, UnknownCode};
pub use profile::{
    DEFAULT_MIN_CARGO_INSURANCE, MAX_GROSS_LBS, MAX_RATE_PER_MILE, PROFILE_FIELDS, Profile, declare,
};
pub use shortlist_sdk::date::{ArchivedDate, Date};

/// The vertical these types belong to, as module metadata names it.
pub const VERTICAL: &str = "freight";

/// One dimension's rating, as a scorer's rule returns it: level, short note, evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rated {
    /// L1 (best) to L4.
    pub level: shortlist_sdk::Level,
    /// Why, in a few words usable in a reasoning sentence, e.g. `runs the TX-CA lane`.
    pub note: String,
    /// How much data backed the level.
    pub evidence: shortlist_sdk::Evidence,
}

impl Rated {
    /// A rating.
    pub fn new(
        level: shortlist_sdk::Level,
        note: impl Into<String>,
        evidence: shortlist_sdk::Evidence,
    ) -> Self {
        Self {
            level,
            note: note.into(),
            evidence,
        }
    }

    /// Records this rating as `dimension` of the candidate being scored.
    pub fn record(self, dimension: &str, ratings: &mut shortlist_sdk::Ratings<'_>) {
        ratings.rate(dimension, self.level, self.note, self.evidence);
    }
}

/// The level for a rank from 1 (best) to 4; ranks outside are clamped.
pub fn level(rank: u8) -> shortlist_sdk::Level {
    use shortlist_sdk::Level;
    match rank {
        0 | 1 => Level::L1,
        2 => Level::L2,
        3 => Level::L3,
        _ => Level::L4,
    }
}

/// An amount in whole cents (or any value in hundredths), for exact threshold comparisons.
pub fn cents(value: f64) -> i64 {
    (value * 100.0).round() as i64
}

/// A non-negative value in whole tenths, for exact threshold comparisons and display.
pub fn tenths(value: f64) -> u64 {
    (value.max(0.0) * 10.0).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use shortlist_sdk::Level;

    #[test]
    fn levels_from_ranks() {
        assert_eq!(level(0), Level::L1);
        assert_eq!(level(3), Level::L3);
        assert_eq!(level(9), Level::L4);
    }

    #[test]
    fn exact_units() {
        assert_eq!(cents(2.45), 245);
        assert_eq!(cents(f64::from(2.91f32)), 291);
        assert_eq!(tenths(97.04), 970);
        assert_eq!(tenths(-1.0), 0);
    }
}
