//! The `capacity` dimension: can the carrier cover the lane's volume?
//!
//! Demand is the profile's loads a month spread over the year's weeks (12 loads a month
//! is 2.8 a week), or a single load when it gives no volume. The trucks a week the
//! carrier can commit are compared with it:
//!
//! | level | trucks a week against loads a week |
//! |---|---|
//! | L1 | twice the demand or more (room for surges and rejections) |
//! | L2 | the demand or more |
//! | L3 | half the demand or more (it could share the lane with another carrier) |
//! | L4 | less than half |
//!
//! A carrier that states no weekly trucks is estimated from its fleet, at a tenth of its
//! power units a week, and rates no better than L2 on that estimate (`Partial`). With
//! neither figure it rates L3 (`None`).

use std::fmt;

use shortlist_freight_model::format::Tenths;
use shortlist_freight_model::{ArchivedCarrier, Profile, Rated, tenths};
use shortlist_sdk::{Evidence, Level};

/// The share of a fleet assumed free for a new shipper's lane in a week.
const FLEET_SHARE: f64 = 0.1;

/// Rates the carrier's capacity for the profile's volume.
pub(crate) fn rate(profile: &Profile, carrier: &ArchivedCarrier) -> Rated {
    let demand = Demand(profile.loads_per_month.map(|_| profile.loads_per_week()));
    let weekly = demand.0.unwrap_or(1.0);
    if let Some(trucks) = carrier.trucks_per_week() {
        let level = level(f64::from(trucks) / weekly);
        let unit = if trucks == 1 { "truck" } else { "trucks" };
        return Rated::new(
            level,
            format!("{trucks} {unit}/week for {demand}"),
            Evidence::Full,
        );
    }
    if let Some(units) = carrier.power_units() {
        let estimate = f64::from(units) * FLEET_SHARE;
        let level = level(estimate / weekly).max(Level::L2);
        return Rated::new(
            level,
            format!(
                "~{} trucks/week from a fleet of {units} for {demand}",
                Tenths(estimate)
            ),
            Evidence::Partial,
        );
    }
    Rated::new(Level::L3, "no capacity data", Evidence::None)
}

/// The level of a ratio of trucks to loads; a hair of tolerance keeps exact multiples
/// (e.g. 5.6 trucks for 2.8 loads) on the better side of a boundary.
fn level(ratio: f64) -> Level {
    const EPSILON: f64 = 1e-9;
    if ratio >= 2.0 - EPSILON {
        Level::L1
    } else if ratio >= 1.0 - EPSILON {
        Level::L2
    } else if ratio >= 0.5 - EPSILON {
        Level::L3
    } else {
        Level::L4
    }
}

/// The profile's weekly volume as a note reads it: `2.8 loads/week`, or `a single load`.
struct Demand(Option<f64>);

impl fmt::Display for Demand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(weekly) if tenths(weekly) == 10 => f.write_str("1 load/week"),
            Some(weekly) => write!(f, "{} loads/week", Tenths(weekly)),
            None => f.write_str("a single load"),
        }
    }
}
