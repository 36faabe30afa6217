//! The insurance vertical's data model, shared by its rule modules.
//!
//! A [`Profile`] is a broker's submission (the business and the coverage it
//! wants); a [`Carrier`] is one candidate of a pool (where and what it writes,
//! its price floors, strength and service). Rules read the archived carrier
//! ([`ArchivedCarrier`]) through the helpers here, so that the filter and the
//! scorers agree on what "writes CA" or "within the band" means, and word it
//! the same way ([`format`](mod@format)).
#![warn(missing_docs)]

mod carrier;
mod codes;
pub mod format;
mod profile;

pub use carrier::{
    AmBest, ArchivedAmBest, ArchivedCarrier, ArchivedClassRule, ArchivedLineTerms,
    ArchivedRevenueBand, Carrier, ClassAppetite, ClassFit, ClassRule, LineTerms, RevenueBand,
    RevenueFit,
};
pub use codes::{
    AppetiteSource, Code, Line, Naics, QuoteMethod, Rating, State, UnknownCode, size_from_roman,
    size_to_roman,
};
pub use profile::{Limits, LossHistory, PROFILE_FIELDS, Premium, Profile, declare};
pub use shortlist_sdk::date::{ArchivedDate, Date};

/// The vertical these types belong to, as module metadata names it.
pub const VERTICAL: &str = "insurance";

/// One dimension's rating, as a scorer's rule returns it: level, short note, evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rated {
    /// L1 (best) to L4.
    pub level: shortlist_sdk::Level,
    /// Why, in a few words usable in a reasoning sentence, e.g. `AM Best A+ (XV)`.
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
