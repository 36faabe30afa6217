//! Generated carriers: the bulk of a sample pool, with a realistic spread.
//!
//! Each carrier is drawn from its own stream (seed, index). Roughly: a fleet size
//! (owner-operator, small, mid-size, large) sets its power units, how far it runs, how
//! likely it is to have a safety rating, its inspection count and its insurance; nine
//! in ten have active authority and a few are revoked; most are unrated or Satisfactory;
//! out-of-service rates spread around the national averages (about 21% vehicle and 5.5%
//! driver); quoted rates fall within 25% of the lane's market rate for the equipment;
//! and every optional field is sometimes missing (small carriers more often).

use super::{DRY_VAN, FLATBED, POWER_ONLY, REEFER, Record, STATES, STEP_DECK, TANKER};
use shortlist_sample_sdk::Rng;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fleet {
    OwnerOperator,
    Small,
    Mid,
    Large,
}

const PLACES: &[&str] = &[
    "Summit",
    "Keystone",
    "Pioneer",
    "Harbor",
    "Granite",
    "Meridian",
    "Prairie",
    "Cascade",
    "Beacon",
    "Frontier",
    "Heritage",
    "Northstar",
    "Redwood",
    "Sentinel",
    "Ironwood",
    "Atlas",
    "Bluewater",
    "Cornerstone",
    "Evergreen",
    "Highland",
    "Lakeshore",
    "Magnolia",
    "Patriot",
    "Riverbend",
    "Silverline",
    "Tidewater",
    "Canyon",
    "Copperline",
    "Eastgate",
    "Glacier",
    "Juniper",
    "Mesa",
    "Oakmont",
    "Palisade",
    "Sawtooth",
    "Stonebridge",
    "Timberline",
    "Westbrook",
    "Crossroads",
    "Interstate",
    "Big Sky",
    "Blue Ridge",
    "Delta",
    "Ozark",
    "Sierra",
];
const SURNAMES: &[&str] = &[
    "Garcia",
    "Johnson",
    "Nguyen",
    "Patel",
    "Miller",
    "Singh",
    "Rodriguez",
    "Williams",
    "Kowalski",
    "Hernandez",
    "Brown",
    "Okafor",
    "Davis",
    "Martinez",
    "Anderson",
    "Lopez",
    "Wilson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Petrov",
    "Kim",
    "Ramirez",
    "Walker",
    "Young",
    "Mendoza",
    "Hughes",
    "Castillo",
    "Reyes",
];
const KINDS: &[&str] = &[
    "Trucking",
    "Transport",
    "Freight",
    "Logistics",
    "Express",
    "Carriers",
    "Haulers",
    "Motor Lines",
    "Transportation",
    "Freight Lines",
];

/// Neighbouring states, in a ring: a regional carrier runs one to four consecutive regions.
/// No carrier here serves Hawaii, and only national fleets Alaska.
const REGIONS: &[&[&str]] = &[
    &["ME", "NH", "VT", "MA", "RI", "CT", "NY", "NJ", "PA"],
    &["DE", "MD", "DC", "VA", "WV", "NC"],
    &["SC", "GA", "FL", "AL", "TN", "KY", "MS"],
    &["OH", "MI", "IN", "IL", "WI"],
    &["MN", "IA", "MO", "ND", "SD", "NE", "KS"],
    &["TX", "OK", "LA", "AR", "NM"],
    &["AZ", "NV", "UT", "CO", "ID", "MT", "WY"],
    &["CA", "OR", "WA"],
];

/// Busy truckload corridors, state to state: carriers' regular lanes cluster on these.
const CORRIDORS: &[&str] = &[
    "TX-CA", "CA-TX", "CA-AZ", "AZ-CA", "CA-IL", "IL-CA", "IL-TX", "TX-IL", "GA-FL", "FL-GA",
    "TX-LA", "LA-TX", "TX-GA", "GA-TX", "MI-TX", "OH-MI", "MI-OH", "IL-OH", "OH-IL", "PA-NY",
    "NY-PA", "NJ-PA", "TN-GA", "GA-TN", "CA-WA", "WA-CA", "CA-OR", "NC-VA",
];

/// One generated carrier: candidate `index` of pools drawn with `seed`.
pub(super) fn carrier(seed: u64, index: usize) -> Record {
    let mut rng = Rng::for_item(seed, index as u64);
    let fleet = rng.weighted(&[
        (Fleet::OwnerOperator, 0.35),
        (Fleet::Small, 0.40),
        (Fleet::Mid, 0.18),
        (Fleet::Large, 0.07),
    ]);
    let owner_named = matches!(fleet, Fleet::OwnerOperator | Fleet::Small) && rng.chance(0.5);
    let first = rng.pick(if owner_named { SURNAMES } else { PLACES });
    let name = format!("{first} {} {index:04}", rng.pick(KINDS));

    let power_units = match fleet {
        Fleet::OwnerOperator => rng.between(1, 5),
        Fleet::Small => rng.between(6, 50),
        Fleet::Mid => rng.between(51, 500),
        Fleet::Large => rng.between(501, 5_000),
    };
    let (home, states) = network(&mut rng, fleet);
    let lanes = rng
        .chance(if fleet == Fleet::OwnerOperator {
            0.6
        } else {
            0.8
        })
        .then(|| lanes(&mut rng, fleet, home, &states));
    let equipment = equipment(&mut rng, fleet);
    let primary = equipment.first().copied().unwrap_or(DRY_VAN);
    let hazmat_odds = match (primary, fleet) {
        (TANKER, _) => 0.8,
        (_, Fleet::OwnerOperator) => 0.03,
        (_, Fleet::Small) => 0.08,
        (_, Fleet::Mid) => 0.2,
        (_, Fleet::Large) => 0.35,
    };
    let inspections = inspections(&mut rng, fleet);
    let missing = if fleet == Fleet::OwnerOperator {
        0.3
    } else {
        0.12
    };
    let market = (!rng.chance(0.15)).then(|| market_rate(&mut rng, primary));
    let rate = (!rng.chance(0.1)).then(|| {
        // The carrier's rate within 25% of the market, most of them near it.
        let reference = market.unwrap_or_else(|| market_rate(&mut rng, primary));
        cents(reference * (0.75 + 0.5 * (rng.unit() + rng.unit()) / 2.0))
    });
    let mut record = Record {
        name,
        dot_number: Some(rng.between(1_000_000, 4_200_000)),
        mc_number: (!rng.chance(0.03)).then(|| rng.between(100_000, 1_650_000)),
        authority: (!rng.chance(0.01))
            .then(|| rng.weighted(&[("active", 0.91), ("inactive", 0.06), ("revoked", 0.03)])),
        authority_since: (!rng.chance(0.1)).then(|| authority_since(&mut rng, fleet)),
        states,
        home_state: (!rng.chance(0.05)).then_some(home),
        lanes,
        equipment,
        power_units: (!rng.chance(0.05)).then_some(power_units),
        hazmat: (!rng.chance(0.1)).then(|| rng.chance(hazmat_odds)),
        cargo_insurance: (!rng.chance(0.03)).then(|| cargo_insurance(&mut rng, fleet)),
        safety_rating: (!rng.chance(0.04)).then(|| safety_rating(&mut rng, fleet)),
        oos: match inspections {
            Some(0) | None => (None, None),
            Some(_) => oos(&mut rng, fleet),
        },
        inspections,
        rates: (rate, market),
        service: (
            (!rng.chance(missing)).then(|| on_time(&mut rng)),
            (!rng.chance(missing)).then(|| on_time(&mut rng)),
            (!rng.chance(missing + 0.05)).then(|| {
                let share = rng.unit() * rng.unit();
                tenths(98.0 - 45.0 * share)
            }),
        ),
        trucks_per_week: (!rng.chance(0.25)).then(|| {
            // What the carrier would commit to one shipper, not its whole fleet.
            let (low, high) = match fleet {
                Fleet::OwnerOperator => (1, 2),
                Fleet::Small => (1, 6),
                Fleet::Mid => (2, 15),
                Fleet::Large => (5, 40),
            };
            rng.between(low, high).min(power_units)
        }),
        auto_liability: None,
    };
    // Drawn last, so that it leaves every other field of the pool as it was before the
    // field existed.
    record.auto_liability =
        (!rng.chance(0.08)).then(|| auto_liability(&mut rng, fleet, record.hazmat == Some(true)));
    record
}

/// The home state and the states served: a region or a few for small fleets, the lower
/// 48 (and DC, sometimes Alaska) for large ones.
fn network(rng: &mut Rng, fleet: Fleet) -> (&'static str, Vec<&'static str>) {
    let home_region = rng.below(REGIONS.len());
    let home = rng.pick(REGIONS[home_region]);
    let national = match fleet {
        Fleet::OwnerOperator => 0.1,
        Fleet::Small => 0.15,
        Fleet::Mid => 0.4,
        Fleet::Large => 0.85,
    };
    // A bit mask over `STATES`: string comparisons here dominated generating large pools.
    let mask = if rng.chance(national) {
        let mut mask = (1u64 << STATES.len()) - 1;
        mask &= !(1 << state_index("HI"));
        if !(fleet == Fleet::Large && rng.chance(0.3)) {
            mask &= !(1 << state_index("AK"));
        }
        mask
    } else {
        let count = match fleet {
            Fleet::OwnerOperator => rng.between(1, 2),
            Fleet::Small => rng.between(1, 3),
            _ => rng.between(2, 4),
        } as usize;
        // Regions on either side of home, as a ring.
        let before = rng.below(count);
        let first = home_region + REGIONS.len() - before;
        (first..first + count)
            .flat_map(|r| REGIONS[r % REGIONS.len()].iter())
            .fold(0u64, |mask, state| mask | 1 << state_index(state))
    };
    let states = STATES
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| *s)
        .collect();
    (home, states)
}

/// Lanes run regularly: many on busy corridors the carrier serves, the rest out of or back
/// to the home state.
fn lanes(rng: &mut Rng, fleet: Fleet, home: &'static str, states: &[&'static str]) -> Vec<String> {
    let served = |code: &str| states.contains(&code);
    let corridors: Vec<&str> = CORRIDORS
        .iter()
        .copied()
        .filter(|lane| {
            lane.split_once('-')
                .is_some_and(|(o, d)| served(o) && served(d))
        })
        .collect();
    let count = match fleet {
        Fleet::OwnerOperator => rng.between(1, 2),
        Fleet::Small => rng.between(1, 4),
        Fleet::Mid => rng.between(2, 6),
        Fleet::Large => rng.between(4, 10),
    };
    let mut lanes: Vec<String> = (0..count)
        .map(|_| {
            if !corridors.is_empty() && rng.chance(0.4) {
                return rng.pick(&corridors).to_owned();
            }
            let far = rng.pick(states);
            if rng.chance(0.45) {
                format!("{home}-{far}")
            } else if rng.chance(0.6) {
                format!("{far}-{home}")
            } else {
                format!("{}-{far}", rng.pick(states))
            }
        })
        .collect();
    lanes.sort_unstable();
    lanes.dedup();
    lanes
}

/// The equipment run: one main type, and for larger fleets sometimes a related second one.
fn equipment(rng: &mut Rng, fleet: Fleet) -> Vec<&'static str> {
    if rng.chance(0.01) {
        return Vec::new();
    }
    let primary = rng.weighted(&[
        (DRY_VAN, 0.5),
        (REEFER, 0.2),
        (FLATBED, 0.14),
        (STEP_DECK, 0.05),
        (TANKER, 0.06),
        (POWER_ONLY, 0.05),
    ]);
    let second_odds = match fleet {
        Fleet::OwnerOperator => 0.1,
        Fleet::Small => 0.25,
        Fleet::Mid => 0.4,
        Fleet::Large => 0.6,
    };
    let mut equipment = vec![primary];
    if rng.chance(second_odds) {
        let related = match primary {
            DRY_VAN => rng.pick(&[REEFER, POWER_ONLY]),
            REEFER | POWER_ONLY => DRY_VAN,
            FLATBED => STEP_DECK,
            STEP_DECK => FLATBED,
            _ => DRY_VAN,
        };
        equipment.push(related);
    }
    equipment
}

/// Inspections in the last 24 months: roughly one or two per truck a year.
fn inspections(rng: &mut Rng, fleet: Fleet) -> Option<u32> {
    if rng.chance(0.05) {
        return None;
    }
    Some(match fleet {
        Fleet::OwnerOperator => rng.between(0, 8),
        Fleet::Small => rng.between(4, 120),
        Fleet::Mid => rng.between(100, 1_500),
        Fleet::Large => rng.between(1_000, 15_000),
    })
}

/// Vehicle and driver out-of-service rates spread around the national averages; large
/// fleets with maintenance shops do a little better. Each is sometimes missing.
fn oos(rng: &mut Rng, fleet: Fleet) -> (Option<f64>, Option<f64>) {
    let scale = if fleet == Fleet::Large { 0.8 } else { 1.0 };
    let draw = |average: f64, rng: &mut Rng| {
        (!rng.chance(0.05)).then(|| {
            let factor = 0.15 + 1.7 * (rng.unit() + rng.unit()) / 2.0;
            tenths((average * factor * scale).min(100.0))
        })
    };
    let vehicle = draw(21.0, rng);
    let driver = draw(5.5, rng);
    (vehicle, driver)
}

fn authority_since(rng: &mut Rng, fleet: Fleet) -> String {
    let years_back = match fleet {
        Fleet::OwnerOperator => rng.between(0, 10),
        Fleet::Small => rng.between(0, 25),
        Fleet::Mid => rng.between(3, 40),
        Fleet::Large => rng.between(10, 60),
    };
    let year = 2026 - years_back;
    // The sample pickup dates are in February and March 2026.
    let month = if year == 2026 {
        rng.between(1, 2)
    } else {
        rng.between(1, 12)
    };
    format!("{year}-{month:02}-{:02}", rng.between(1, 28))
}

/// Auto liability (bodily injury and property damage) on file: the federal minimum is
/// $750K for general freight and $1M for most hazardous materials, and most brokers ask
/// for $1M, so that is what most carriers carry; large fleets carry more.
fn auto_liability(rng: &mut Rng, fleet: Fleet, hazmat: bool) -> u32 {
    let amount = match fleet {
        Fleet::OwnerOperator => {
            rng.weighted(&[(750_000, 0.3), (1_000_000, 0.68), (2_000_000, 0.02)])
        }
        Fleet::Small => rng.weighted(&[
            (750_000, 0.15),
            (1_000_000, 0.78),
            (2_000_000, 0.05),
            (5_000_000, 0.02),
        ]),
        Fleet::Mid => rng.weighted(&[
            (750_000, 0.03),
            (1_000_000, 0.7),
            (2_000_000, 0.15),
            (5_000_000, 0.12),
        ]),
        Fleet::Large => rng.weighted(&[(1_000_000, 0.4), (2_000_000, 0.25), (5_000_000, 0.35)]),
    };
    if hazmat {
        amount.max(1_000_000)
    } else {
        amount
    }
}

fn cargo_insurance(rng: &mut Rng, fleet: Fleet) -> u32 {
    match fleet {
        Fleet::OwnerOperator | Fleet::Small => rng.weighted(&[
            (50_000, 0.04),
            (75_000, 0.07),
            (100_000, 0.62),
            (150_000, 0.07),
            (250_000, 0.18),
            (500_000, 0.02),
        ]),
        Fleet::Mid => rng.weighted(&[
            (100_000, 0.45),
            (250_000, 0.35),
            (500_000, 0.12),
            (1_000_000, 0.08),
        ]),
        Fleet::Large => rng.weighted(&[(250_000, 0.3), (500_000, 0.35), (1_000_000, 0.35)]),
    }
}

fn safety_rating(rng: &mut Rng, fleet: Fleet) -> &'static str {
    let [satisfactory, conditional, unsatisfactory, unrated] = match fleet {
        Fleet::OwnerOperator => [0.1, 0.04, 0.01, 0.85],
        Fleet::Small => [0.32, 0.07, 0.01, 0.6],
        Fleet::Mid => [0.65, 0.09, 0.01, 0.25],
        Fleet::Large => [0.92, 0.07, 0.0, 0.01],
    };
    rng.weighted(&[
        ("satisfactory", satisfactory),
        ("conditional", conditional),
        ("unsatisfactory", unsatisfactory),
        ("unrated", unrated),
    ])
}

/// A lane's market rate for the equipment, in US dollars per mile.
fn market_rate(rng: &mut Rng, equipment: &str) -> f64 {
    let (low, high) = match equipment {
        REEFER => (2.5, 3.2),
        FLATBED => (2.6, 3.3),
        STEP_DECK => (2.9, 3.6),
        TANKER => (3.0, 3.9),
        POWER_ONLY => (1.8, 2.4),
        _ => (2.1, 2.7),
    };
    cents(low + (high - low) * rng.unit())
}

/// An on-time share: most carriers in the nineties, a tail much lower.
fn on_time(rng: &mut Rng) -> f64 {
    tenths(99.5 - 20.0 * rng.unit() * rng.unit())
}

fn cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn tenths(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The position of a state code in `STATES`, comparing two bytes at a time.
fn state_index(code: &str) -> usize {
    let code = code.as_bytes();
    STATES
        .iter()
        .position(|s| s.as_bytes()[..2] == code[..2])
        .unwrap_or_default()
}
