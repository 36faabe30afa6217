//! Native tests of the lane-fit rules, through the SDK entry points the component exports.

use shortlist_sdk::{Evidence, Module, Scorer};

use super::LaneFit;

const POOL: &str = r#"[
    {"id": "lone-star", "name": "Lone Star Logistics", "states": ["TX", "NM", "AZ", "CA"],
     "home_state": "TX", "lanes": ["TX-CA", "CA-TX"], "trucks_per_week": 8},
    {"id": "pacific", "name": "Pacific Coast Carriers", "states": ["TX", "AZ", "CA"],
     "home_state": "CA", "lanes": ["CA-TX", "CA-AZ"], "trucks_per_week": 3},
    {"id": "desert-sun", "name": "Desert Sun Express", "states": ["TX", "AZ", "CA", "NV"],
     "home_state": "AZ", "lanes": ["AZ-NV"], "power_units": 45},
    {"id": "mesa", "name": "Mesa Transport", "states": ["TX", "CA"]},
    {"id": "bluebonnet", "name": "Bluebonnet Express", "states": ["TX", "OK"], "home_state": "TX",
     "trucks_per_week": 1},
    {"id": "gulf", "name": "Gulf Coast Freight", "states": ["TX", "CA"], "home_state": "TX",
     "trucks_per_week": 2},
    {"id": "empty", "name": "Empty Record"}
]"#;

const SEED: &str = r#"{"entity": "desert-home-goods", "origin": "TX", "destination": "CA", "equipment": "dry_van"}"#;
const MONTHLY: &str = r#"{"entity": "desert-home-goods", "origin": "TX", "destination": "CA", "equipment": "dry_van",
                          "loads_per_month": 12}"#;

type Row = (u8, String, Evidence);

/// The ratings of one candidate, in `DIMENSIONS` order.
fn rated_in(pool: &str, profile: &str, candidate: u32) -> Vec<Row> {
    let pool = shortlist_sdk::prepare_pool::<LaneFit>(pool).unwrap();
    let scores = shortlist_sdk::score::<LaneFit>(profile, &pool, &[candidate]).unwrap();
    let dimensions: Vec<u8> = scores.iter().map(|s| s.dimension).collect();
    assert_eq!(dimensions, [0, 1]);
    scores
        .iter()
        .map(|s| (s.level, s.note.to_owned(), s.evidence))
        .collect()
}

fn rated(profile: &str, candidate: u32) -> Vec<Row> {
    rated_in(POOL, profile, candidate)
}

fn rows(expected: &[(u8, &str, Evidence)]) -> Vec<Row> {
    expected
        .iter()
        .map(|(l, n, e)| (*l, (*n).to_owned(), *e))
        .collect()
}

#[test]
fn a_carrier_running_the_lane_with_trucks_to_spare() {
    assert_eq!(
        rated(SEED, 0),
        rows(&[
            (1, "runs the TX-CA lane", Evidence::Full),
            (1, "8 trucks/week for a single load", Evidence::Full),
        ])
    );
    assert_eq!(
        rated(MONTHLY, 0)[1],
        (
            1,
            "8 trucks/week for 2.8 loads/week".to_owned(),
            Evidence::Full
        )
    );
}

#[test]
fn the_reverse_lane_is_a_backhaul() {
    assert_eq!(
        rated(SEED, 1),
        rows(&[
            (2, "backhaul on its CA-TX lane", Evidence::Full),
            (1, "3 trucks/week for a single load", Evidence::Full),
        ])
    );
    assert_eq!(
        rated(MONTHLY, 1)[1],
        (
            2,
            "3 trucks/week for 2.8 loads/week".to_owned(),
            Evidence::Full
        )
    );
}

#[test]
fn published_lanes_elsewhere_and_a_fleet_estimate() {
    assert_eq!(
        rated(SEED, 2),
        rows(&[
            (3, "serves TX and CA", Evidence::Full),
            (
                2,
                "~4.5 trucks/week from a fleet of 45 for a single load",
                Evidence::Partial
            ),
        ])
    );
    assert_eq!(rated(MONTHLY, 2)[1].0, 2);
}

#[test]
fn no_lane_or_capacity_data() {
    assert_eq!(
        rated(SEED, 3),
        rows(&[
            (3, "serves TX and CA", Evidence::Partial),
            (3, "no capacity data", Evidence::None),
        ])
    );
    assert_eq!(
        rated(SEED, 6),
        rows(&[
            (4, "no service area on file", Evidence::None),
            (3, "no capacity data", Evidence::None),
        ])
    );
}

#[test]
fn an_unserved_end_and_too_few_trucks() {
    assert_eq!(
        rated(SEED, 4),
        rows(&[
            (4, "does not serve CA", Evidence::Full),
            (2, "1 truck/week for a single load", Evidence::Full),
        ])
    );
    assert_eq!(rated(MONTHLY, 4)[1].0, 4);
}

#[test]
fn a_carrier_based_at_one_end() {
    assert_eq!(
        rated(SEED, 5),
        rows(&[
            (2, "based in TX", Evidence::Partial),
            (1, "2 trucks/week for a single load", Evidence::Full),
        ])
    );
    assert_eq!(
        rated(MONTHLY, 5)[1],
        (
            3,
            "2 trucks/week for 2.8 loads/week".to_owned(),
            Evidence::Full
        )
    );
    // Based at the destination counts too.
    let westbound =
        r#"{"entity": "a", "origin": "CA", "destination": "TX", "equipment": "dry_van"}"#;
    assert_eq!(
        rated(westbound, 5)[0],
        (2, "based in TX".to_owned(), Evidence::Partial)
    );
}

#[test]
fn capacity_boundaries_are_inclusive() {
    // 26 loads a month is exactly 6 a week.
    let pool = r#"[{"id": "a", "name": "A", "states": ["TX"], "trucks_per_week": 12},
                   {"id": "b", "name": "B", "states": ["TX"], "trucks_per_week": 6},
                   {"id": "c", "name": "C", "states": ["TX"], "trucks_per_week": 3},
                   {"id": "d", "name": "D", "states": ["TX"], "trucks_per_week": 2}]"#;
    let profile = r#"{"entity": "a", "origin": "TX", "destination": "TX", "equipment": "dry_van", "loads_per_month": 26}"#;
    let levels: Vec<u8> = (0..4).map(|i| rated_in(pool, profile, i)[1].0).collect();
    assert_eq!(levels, [1, 2, 3, 4]);
    assert_eq!(
        rated_in(pool, profile, 1),
        rows(&[
            (3, "serves TX", Evidence::Partial),
            (2, "6 trucks/week for 6 loads/week", Evidence::Full),
        ])
    );
}

#[test]
fn validation_covers_the_volume_only() {
    let bad = r#"{"entity": "a", "origin": "ZZ", "destination": "CA", "equipment": "dry_van", "loads_per_month": 0}"#;
    let fields: Vec<String> = shortlist_sdk::validate_profile::<LaneFit>(bad)
        .into_iter()
        .map(|p| p.field)
        .collect();
    assert_eq!(fields, ["profile.loads_per_month"]);
    assert!(shortlist_sdk::validate_profile::<LaneFit>(MONTHLY).is_empty());
}

#[test]
fn metadata_and_dimensions() {
    assert_eq!(LaneFit::metadata().name, "lane-fit");
    assert_eq!(LaneFit::metadata().vertical, "freight");
    assert_eq!(LaneFit::DIMENSIONS, ["lane", "capacity"]);
}
