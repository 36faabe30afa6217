//! The `service` dimension: how fast the carrier quotes and how well it handles claims.
//!
//! Each input has its own level, and the two are averaged, rounding toward the worse:
//!
//! | | L1 | L2 | L3 | L4 |
//! |---|---|---|---|---|
//! | quote turnaround | up to 4 h | up to 24 h | up to 72 h | longer |
//! | claims rating (of 5) | 4.0 and up | 3.5 and up | 3.0 and up | below 3.0 |
//!
//! With one input missing the other decides (`Partial`); with both, L3 (`None`).

use shortlist_insurance_model::format::{Tenths, Turnaround};
use shortlist_insurance_model::{ArchivedCarrier, Rated, level};
use shortlist_sdk::{Evidence, Level};

/// Rates the carrier's service.
pub(crate) fn rate(carrier: &ArchivedCarrier) -> Rated {
    let hours = carrier.quote_turnaround_hours().map(u32::from);
    let claims = carrier.claims_rating();
    let speed = hours.map(|h| match h {
        0..=4 => 1u8,
        5..=24 => 2,
        25..=72 => 3,
        _ => 4,
    });
    let care = claims.map(|c| {
        if c >= 4.0 {
            1u8
        } else if c >= 3.5 {
            2
        } else if c >= 3.0 {
            3
        } else {
            4
        }
    });
    match (hours.zip(speed), claims.zip(care)) {
        (Some((hours, speed)), Some((claims, care))) => Rated::new(
            level((speed + care).div_ceil(2)),
            format!("{} (claims {}/5)", Turnaround(hours), Tenths(claims)),
            Evidence::Full,
        ),
        (Some((hours, speed)), None) => Rated::new(
            level(speed),
            Turnaround(hours).to_string(),
            Evidence::Partial,
        ),
        (None, Some((claims, care))) => Rated::new(
            level(care),
            format!("claims {}/5", Tenths(claims)),
            Evidence::Partial,
        ),
        (None, None) => Rated::new(Level::L3, "no service data", Evidence::None),
    }
}
