//! The `price` dimension: the carrier's rate per mile against what the shipper expects.
//!
//! The reference is the shipper's target rate, or else the lane's market rate on the
//! carrier's record. The rate as a share of the reference decides:
//!
//! | level | rate against the reference |
//! |---|---|
//! | L1 | 97% or less (at least 3% under) |
//! | L2 | up to 105% |
//! | L3 | up to 115% |
//! | L4 | above 115% |
//!
//! Rates are compared in whole cents. A carrier that quotes no rate rates L3 (`None`); a
//! rate with no target and no market rate to compare it with rates L3 (`Partial`).

use shortlist_freight_model::format::PerMile;
use shortlist_freight_model::{ArchivedCarrier, Profile, Rated, cents};
use shortlist_sdk::{Evidence, Level};

/// Rates the carrier's price.
pub(crate) fn rate(profile: &Profile, carrier: &ArchivedCarrier) -> Rated {
    let Some(rate) = carrier.rate_per_mile() else {
        return Rated::new(Level::L3, "no rate quoted", Evidence::None);
    };
    let (reference, which) = match (profile.target_rate(), carrier.market_rate_per_mile()) {
        (Some(target), _) => (target, "target"),
        (None, Some(market)) => (market, "market"),
        (None, None) => {
            return Rated::new(
                Level::L3,
                format!("{} with no market rate", PerMile(rate)),
                Evidence::Partial,
            );
        }
    };
    let (quoted, expected) = (cents(rate), cents(reference));
    let level = if quoted * 100 <= expected * 97 {
        Level::L1
    } else if quoted * 100 <= expected * 105 {
        Level::L2
    } else if quoted * 100 <= expected * 115 {
        Level::L3
    } else {
        Level::L4
    };
    Rated::new(
        level,
        format!("{} vs {} {which}", PerMile(rate), PerMile(reference)),
        Evidence::Full,
    )
}
