//! The `reliability` dimension: does the carrier show up, deliver on time and take the loads
//! it is offered?
//!
//! Each input has its own rank, and the level is their mean, rounded to the nearest
//! (a tie goes to the worse):
//!
//! | | L1 | L2 | L3 | L4 |
//! |---|---|---|---|---|
//! | on-time pickup | 97% and up | 93% and up | 88% and up | below 88% |
//! | on-time delivery | 97% and up | 93% and up | 88% and up | below 88% |
//! | tender acceptance | 90% and up | 80% and up | 65% and up | below 65% |
//!
//! With some inputs missing the others decide (`Partial`); with none, L3 (`None`).

use std::fmt;

use shortlist_freight_model::format::Percent;
use shortlist_freight_model::{ArchivedCarrier, Rated, level, tenths};
use shortlist_sdk::{Evidence, Level};

/// On-time thresholds for L1, L2 and L3, in tenths of a percent.
const ON_TIME: [u64; 3] = [970, 930, 880];
/// Tender acceptance thresholds for L1, L2 and L3, in tenths of a percent.
const TENDERS: [u64; 3] = [900, 800, 650];

/// Rates the carrier's reliability.
pub(crate) fn rate(carrier: &ArchivedCarrier) -> Rated {
    let note = Note {
        pickup: carrier.on_time_pickup_pct(),
        delivery: carrier.on_time_delivery_pct(),
        tenders: carrier.tender_acceptance_pct(),
    };
    let ranks = [
        note.pickup.map(|p| rank(p, ON_TIME)),
        note.delivery.map(|d| rank(d, ON_TIME)),
        note.tenders.map(|t| rank(t, TENDERS)),
    ];
    let (sum, count) = ranks
        .iter()
        .flatten()
        .fold((0u8, 0u8), |(sum, count), r| (sum + r, count + 1));
    if count == 0 {
        return Rated::new(Level::L3, "no performance history", Evidence::None);
    }
    // The nearest whole rank to sum / count, a half rounding up (to the worse).
    let mean = (2 * sum + count) / (2 * count);
    let evidence = if usize::from(count) == ranks.len() {
        Evidence::Full
    } else {
        Evidence::Partial
    };
    Rated::new(level(mean), note.to_string(), evidence)
}

/// The rank (1 to 4) of a percentage against the L1, L2 and L3 thresholds.
fn rank(percent: f64, thresholds: [u64; 3]) -> u8 {
    let value = tenths(percent);
    let below = thresholds.iter().filter(|t| value < **t).count();
    1 + below as u8
}

/// The note: `on time 97% pickup / 95% delivery and accepts 92% of tenders`.
struct Note {
    pickup: Option<f64>,
    delivery: Option<f64>,
    tenders: Option<f64>,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on_time = match (self.pickup, self.delivery) {
            (Some(pickup), Some(delivery)) => {
                write!(
                    f,
                    "on time {} pickup / {} delivery",
                    Percent(pickup),
                    Percent(delivery)
                )?;
                true
            }
            (Some(pickup), None) => {
                write!(f, "on time {} pickup", Percent(pickup))?;
                true
            }
            (None, Some(delivery)) => {
                write!(f, "on time {} delivery", Percent(delivery))?;
                true
            }
            (None, None) => false,
        };
        if let Some(tenders) = self.tenders {
            if on_time {
                f.write_str(" and ")?;
            }
            write!(f, "accepts {} of tenders", Percent(tenders))?;
        }
        Ok(())
    }
}
