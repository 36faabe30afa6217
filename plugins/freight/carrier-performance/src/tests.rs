//! Native tests of the carrier-performance rules, through the SDK entry points the component exports.

use shortlist_sdk::{Evidence, Module, Scorer};

use super::CarrierPerformance;

const POOL: &str = r#"[
    {"id": "lone-star", "name": "Lone Star Logistics", "authority_since": "2011-06-14",
     "safety_rating": "satisfactory", "vehicle_oos_pct": 9.8, "driver_oos_pct": 2.1, "inspections": 310,
     "rate_per_mile": 2.45, "market_rate_per_mile": 2.6,
     "on_time_pickup_pct": 97.5, "on_time_delivery_pct": 96, "tender_acceptance_pct": 91},
    {"id": "red-river", "name": "Red River Transport",
     "safety_rating": "conditional", "vehicle_oos_pct": 25, "driver_oos_pct": 4, "inspections": 88,
     "rate_per_mile": 2.8, "market_rate_per_mile": 2.6,
     "on_time_pickup_pct": 90, "on_time_delivery_pct": 89, "tender_acceptance_pct": 70},
    {"id": "desert-sun", "name": "Desert Sun Express", "authority_since": "2025-12-01",
     "safety_rating": "unrated", "vehicle_oos_pct": 0, "driver_oos_pct": 0, "inspections": 3,
     "rate_per_mile": 3.1, "market_rate_per_mile": 2.6, "tender_acceptance_pct": 95},
    {"id": "mesa", "name": "Mesa Transport"},
    {"id": "summit", "name": "Summit Flatbed", "vehicle_oos_pct": 40, "rate_per_mile": 2.5,
     "on_time_pickup_pct": 99},
    {"id": "keystone", "name": "Keystone Carriers", "safety_rating": "satisfactory",
     "vehicle_oos_pct": 10.5, "driver_oos_pct": 5.5, "inspections": 40,
     "rate_per_mile": 2.91, "market_rate_per_mile": 3.0,
     "on_time_pickup_pct": 97, "on_time_delivery_pct": 93, "tender_acceptance_pct": 80}
]"#;

const SEED: &str = r#"{"entity": "desert-home-goods", "origin": "TX", "destination": "CA", "equipment": "dry_van"}"#;
const DATED: &str = r#"{"entity": "desert-home-goods", "origin": "TX", "destination": "CA", "equipment": "dry_van",
                        "pickup_date": "2026-03-02"}"#;

type Row = (u8, String, Evidence);

/// The ratings of one candidate, in `DIMENSIONS` order.
fn rated(profile: &str, candidate: u32) -> Vec<Row> {
    let pool = shortlist_sdk::prepare_pool::<CarrierPerformance>(POOL).unwrap();
    let scores = shortlist_sdk::score::<CarrierPerformance>(profile, &pool, &[candidate]).unwrap();
    let dimensions: Vec<u8> = scores.iter().map(|s| s.dimension).collect();
    assert_eq!(dimensions, [0, 1, 2]);
    scores
        .iter()
        .map(|s| (s.level, s.note.to_owned(), s.evidence))
        .collect()
}

fn rows(expected: &[(u8, &str, Evidence)]) -> Vec<Row> {
    expected
        .iter()
        .map(|(l, n, e)| (*l, (*n).to_owned(), *e))
        .collect()
}

#[test]
fn a_strong_carrier() {
    let expected = rows(&[
        (
            1,
            "Satisfactory rating with OOS 9.8% vehicle / 2.1% driver",
            Evidence::Full,
        ),
        (1, "$2.45/mi vs $2.60/mi market", Evidence::Full),
        (
            1,
            "on time 97.5% pickup / 96% delivery and accepts 91% of tenders",
            Evidence::Full,
        ),
    ]);
    assert_eq!(rated(SEED, 0), expected);
    // An old authority is no concern.
    assert_eq!(rated(DATED, 0), expected);
}

#[test]
fn a_conditional_carrier_above_market() {
    assert_eq!(
        rated(SEED, 1),
        rows(&[
            (
                3,
                "Conditional rating with OOS 25% vehicle / 4% driver",
                Evidence::Full
            ),
            (3, "$2.80/mi vs $2.60/mi market", Evidence::Full),
            (
                3,
                "on time 90% pickup / 89% delivery and accepts 70% of tenders",
                Evidence::Full
            ),
        ])
    );
}

#[test]
fn a_new_entrant_with_few_inspections() {
    assert_eq!(
        rated(SEED, 2),
        rows(&[
            (
                2,
                "unrated with OOS 0% vehicle / 0% driver over 3 inspections",
                Evidence::Partial
            ),
            (4, "$3.10/mi vs $2.60/mi market", Evidence::Full),
            (1, "accepts 95% of tenders", Evidence::Partial),
        ])
    );
    // 91 days between the authority and the pickup: a new entrant.
    assert_eq!(
        rated(DATED, 2)[0],
        (
            3,
            "unrated with OOS 0% vehicle / 0% driver over 3 inspections but authority 91 days old"
                .to_owned(),
            Evidence::Partial
        )
    );
}

#[test]
fn no_data_rates_l3_with_no_evidence() {
    assert_eq!(
        rated(SEED, 3),
        rows(&[
            (3, "no safety data", Evidence::None),
            (3, "no rate quoted", Evidence::None),
            (3, "no performance history", Evidence::None),
        ])
    );
}

#[test]
fn partial_data() {
    assert_eq!(
        rated(SEED, 4),
        rows(&[
            (
                4,
                "no rating on file with OOS 40% vehicle",
                Evidence::Partial
            ),
            (3, "$2.50/mi with no market rate", Evidence::Partial),
            (1, "on time 99% pickup", Evidence::Partial),
        ])
    );
}

#[test]
fn boundaries_are_inclusive() {
    assert_eq!(
        rated(SEED, 5),
        rows(&[
            // 10.5% is exactly half the vehicle average (L1), 5.5% exactly the driver average (L2).
            (
                2,
                "Satisfactory rating with OOS 10.5% vehicle / 5.5% driver",
                Evidence::Full
            ),
            // $2.91 is exactly 97% of $3.00.
            (1, "$2.91/mi vs $3.00/mi market", Evidence::Full),
            // Ranks 1, 2 and 2: a mean of 1.67 rounds to 2.
            (
                2,
                "on time 97% pickup / 93% delivery and accepts 80% of tenders",
                Evidence::Full
            ),
        ])
    );
}

#[test]
fn the_target_rate_replaces_the_market_rate() {
    let target = r#"{"entity": "a", "origin": "TX", "destination": "CA", "equipment": "dry_van",
                     "target_rate_per_mile": 2.5}"#;
    assert_eq!(
        rated(target, 0)[1],
        (2, "$2.45/mi vs $2.50/mi target".to_owned(), Evidence::Full)
    );
    assert_eq!(
        rated(target, 4)[1],
        (2, "$2.50/mi vs $2.50/mi target".to_owned(), Evidence::Full)
    );
}

#[test]
fn validation_covers_the_date_and_target_only() {
    let bad = r#"{"entity": "a", "origin": "ZZ", "destination": "CA", "equipment": "dry_van",
                  "pickup_date": "soon", "target_rate_per_mile": 2450}"#;
    let fields: Vec<String> = shortlist_sdk::validate_profile::<CarrierPerformance>(bad)
        .into_iter()
        .map(|p| p.field)
        .collect();
    assert_eq!(
        fields,
        ["profile.pickup_date", "profile.target_rate_per_mile"]
    );
    assert!(shortlist_sdk::validate_profile::<CarrierPerformance>(DATED).is_empty());
}

#[test]
fn metadata_and_dimensions() {
    assert_eq!(CarrierPerformance::metadata().name, "carrier-performance");
    assert_eq!(
        CarrierPerformance::DIMENSIONS,
        ["safety", "price", "reliability"]
    );
}
