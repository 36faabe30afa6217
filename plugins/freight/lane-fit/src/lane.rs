//! The `lane` dimension: does the carrier's network cover this lane well?
//!
//! | level | when |
//! |---|---|
//! | L1 | it runs the origin-destination lane regularly |
//! | L2 | it runs the lane the other way (the load is its backhaul), or is based in the origin or destination state |
//! | L3 | it serves both states, with no lane or base there |
//! | L4 | it does not serve the origin or the destination |
//!
//! Evidence is `Full` when a published lane decides, or when the carrier publishes its
//! lanes and its home state; `Partial` when either is missing (it might run the lane
//! without saying so). A carrier with no service area on file rates L4 with `None`.

use shortlist_freight_model::{ArchivedCarrier, Profile, Rated};
use shortlist_sdk::{Evidence, Level};

/// Rates the carrier's coverage of the profile's lane.
pub(crate) fn rate(profile: &Profile, carrier: &ArchivedCarrier) -> Rated {
    let (Some(origin), Some(destination)) = (profile.origin.known(), profile.destination.known())
    else {
        return Rated::new(Level::L4, "profile lane unknown", Evidence::None);
    };
    if !carrier.has_service_area() {
        return Rated::new(Level::L4, "no service area on file", Evidence::None);
    }
    for end in [origin, destination] {
        if !carrier.serves(end) {
            return Rated::new(
                Level::L4,
                format!("does not serve {}", end.code()),
                Evidence::Full,
            );
        }
    }
    let (from, to) = (origin.code(), destination.code());
    if carrier.runs_lane(origin, destination) == Some(true) {
        return Rated::new(
            Level::L1,
            format!("runs the {from}-{to} lane"),
            Evidence::Full,
        );
    }
    if carrier.runs_lane(destination, origin) == Some(true) {
        return Rated::new(
            Level::L2,
            format!("backhaul on its {to}-{from} lane"),
            Evidence::Full,
        );
    }
    let home = carrier.home_state();
    let evidence = if carrier.runs_lane(origin, destination).is_some() && home.is_some() {
        Evidence::Full
    } else {
        Evidence::Partial
    };
    match home {
        Some(home) if home == origin || home == destination => {
            Rated::new(Level::L2, format!("based in {}", home.code()), evidence)
        }
        _ if origin == destination => Rated::new(Level::L3, format!("serves {from}"), evidence),
        _ => Rated::new(Level::L3, format!("serves {from} and {to}"), evidence),
    }
}
