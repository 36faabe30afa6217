//! The `financial` dimension: can the carrier pay claims? From its AM Best rating and size.
//!
//! - L1: A+ or A++, size X ($500M+ policyholder surplus) or larger;
//! - L2: A+ or A++ and smaller, or A / A- with size VII ($50M+) or larger
//!   (A- VII is the usual contractual minimum);
//! - L3: A / A- below size VII, or B++ / B+;
//! - L4: B or worse, or not rated (NR).
//!
//! An unknown size is assumed adequate but not large (`Partial`); no rating on
//! file rates L3 with evidence `None`.

use shortlist_insurance_model::{ArchivedCarrier, Rated, Rating, size_to_roman};
use shortlist_sdk::{Evidence, Level};

/// Size category X: $500M to $750M of policyholder surplus.
const LARGE: u8 = 10;
/// Size category VII: $50M to $100M of policyholder surplus.
const ADEQUATE: u8 = 7;

/// Rates the carrier's financial strength.
pub(crate) fn rate(carrier: &ArchivedCarrier) -> Rated {
    let Some((rating, size)) = carrier.am_best() else {
        return Rated::new(Level::L3, "no AM Best rating on file", Evidence::None);
    };
    if rating == Rating::Nr {
        return Rated::new(Level::L4, "not rated by AM Best", Evidence::Full);
    }
    let level = if rating.at_least(Rating::APlus) {
        if size.is_some_and(|s| s >= LARGE) {
            Level::L1
        } else {
            Level::L2
        }
    } else if rating.at_least(Rating::AMinus) {
        if size.is_none_or(|s| s >= ADEQUATE) {
            Level::L2
        } else {
            Level::L3
        }
    } else if rating.at_least(Rating::BPlus) {
        Level::L3
    } else {
        Level::L4
    };
    match size {
        Some(size) => Rated::new(
            level,
            format!("AM Best {rating} ({})", size_to_roman(size)),
            Evidence::Full,
        ),
        None => Rated::new(level, format!("AM Best {rating}"), Evidence::Partial),
    }
}
