//! The `safety` dimension: how safely the carrier operates, from its FMCSA record.
//!
//! Every factor caps the level, and the worst cap wins:
//!
//! | factor | L1 | L2 | L3 | L4 |
//! |---|---|---|---|---|
//! | safety rating | Satisfactory | unrated | Conditional | Unsatisfactory |
//! | out-of-service rate, the worse of vehicle and driver, against the national average | half of it or less | up to it | up to 1.5 times it | above |
//! | authority age at the pickup date | | | under 180 days | |
//!
//! The national averages are about 21% (vehicle) and 5.5% (driver) of inspections.
//! Most carriers have never had a compliance review, so `unrated` is not a mark against
//! one, but only a Satisfactory rating reaches L1.
//!
//! Evidence is `Partial` when the rating or either out-of-service rate is missing (a
//! missing one is taken as average), or when fewer than 5 inspections back the rates
//! (they then rate no better than average). The authority age is judged only when the
//! profile gives a pickup date and the carrier its authority date. With no rating and no
//! rates the dimension rates L3 (`None`).

use std::fmt;

use shortlist_freight_model::format::Percent;
use shortlist_freight_model::{ArchivedCarrier, Code, Profile, Rated, SafetyRating, level, tenths};
use shortlist_sdk::{Evidence, Level};

/// National average vehicle out-of-service rate, in tenths of a percent (21%).
const NATIONAL_VEHICLE_OOS: u64 = 210;
/// National average driver out-of-service rate, in tenths of a percent (5.5%).
const NATIONAL_DRIVER_OOS: u64 = 55;
/// Fewer inspections than this make the out-of-service rates noise.
const MIN_INSPECTIONS: u32 = 5;
/// Authority younger than this at pickup is a new entrant's (many brokers want 90 to 180 days).
const NEW_AUTHORITY_DAYS: i32 = 180;

/// Rates the carrier's safety.
pub(crate) fn rate(profile: &Profile, carrier: &ArchivedCarrier) -> Rated {
    let rating = carrier.safety_rating();
    let vehicle = carrier.vehicle_oos_pct();
    let driver = carrier.driver_oos_pct();
    if rating.is_none() && vehicle.is_none() && driver.is_none() {
        return Rated::new(Level::L3, "no safety data", Evidence::None);
    }
    let mut partial = rating.is_none() || vehicle.is_none() || driver.is_none();
    let rating_rank = match rating {
        Some(SafetyRating::Satisfactory) => 1,
        Some(SafetyRating::Unrated) | None => 2,
        Some(SafetyRating::Conditional) => 3,
        Some(SafetyRating::Unsatisfactory) => 4,
    };
    let oos = [
        (vehicle, NATIONAL_VEHICLE_OOS),
        (driver, NATIONAL_DRIVER_OOS),
    ]
    .into_iter()
    .filter_map(|(rate, average)| rate.map(|r| oos_rank(tenths(r), average)))
    .max()
    .unwrap_or(2);
    let inspections = carrier
        .inspections()
        .filter(|n| *n < MIN_INSPECTIONS && (vehicle.is_some() || driver.is_some()));
    let oos = if inspections.is_some() {
        partial = true;
        oos.max(2)
    } else {
        oos
    };
    let authority_days = match (profile.pickup_date.as_ref(), carrier.authority_since()) {
        (Some(Code::Known(pickup)), Some(since)) => {
            Some(pickup.days_since(since)).filter(|days| *days < NEW_AUTHORITY_DAYS)
        }
        _ => None,
    };
    let age_rank = if authority_days.is_some() { 3 } else { 1 };
    let note = Note {
        rating,
        vehicle,
        driver,
        inspections,
        authority_days,
    };
    let evidence = if partial {
        Evidence::Partial
    } else {
        Evidence::Full
    };
    Rated::new(
        level(rating_rank.max(oos).max(age_rank)),
        note.to_string(),
        evidence,
    )
}

/// The rank (1 to 4) of an out-of-service rate against its national average, both in tenths.
fn oos_rank(rate: u64, average: u64) -> u8 {
    if rate * 2 <= average {
        1
    } else if rate <= average {
        2
    } else if rate * 2 <= average * 3 {
        3
    } else {
        4
    }
}

/// The note: `Satisfactory rating with OOS 12% vehicle / 2.1% driver`, then what held
/// the level down (`over 3 inspections`, `but authority 45 days old`).
struct Note {
    rating: Option<SafetyRating>,
    vehicle: Option<f64>,
    driver: Option<f64>,
    inspections: Option<u32>,
    authority_days: Option<i32>,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rating {
            Some(SafetyRating::Unrated) => f.write_str("unrated")?,
            Some(rating) => write!(f, "{} rating", rating.display())?,
            None => f.write_str("no rating on file")?,
        }
        match (self.vehicle, self.driver) {
            (Some(vehicle), Some(driver)) => write!(
                f,
                " with OOS {} vehicle / {} driver",
                Percent(vehicle),
                Percent(driver)
            )?,
            (Some(vehicle), None) => write!(f, " with OOS {} vehicle", Percent(vehicle))?,
            (None, Some(driver)) => write!(f, " with OOS {} driver", Percent(driver))?,
            (None, None) => f.write_str(" with no inspection data")?,
        }
        if let Some(count) = self.inspections {
            let unit = if count == 1 {
                "inspection"
            } else {
                "inspections"
            };
            write!(f, " over {count} {unit}")?;
        }
        if let Some(days) = self.authority_days {
            write!(f, " but authority {} days old", days.max(0))?;
        }
        Ok(())
    }
}
