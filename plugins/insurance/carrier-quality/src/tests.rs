//! Native tests of the carrier-quality rules, through the SDK entry points the component exports.

use shortlist_sdk::{Evidence, Module, Scorer};

use super::CarrierQuality;

const POOL: &str = r#"[
    {"id": "hartford", "name": "Hartford Financial", "states": ["CA"],
     "lines": {"professional_liability": {"min_premium": 2500}},
     "am_best": {"rating": "A+", "size": "XV"}, "quote_turnaround_hours": 4, "claims_rating": 3.8},
    {"id": "chubb", "name": "Chubb", "states": ["CA"],
     "lines": {"professional_liability": {"min_premium": 7500}},
     "am_best": {"rating": "A++", "size": "XV"}, "quote_turnaround_hours": 48, "claims_rating": 4.6},
    {"id": "small", "name": "Small Mutual", "states": ["CA"],
     "lines": {"professional_liability": {"min_premium": 12000}},
     "am_best": {"rating": "A-", "size": "VI"}, "claims_rating": 2.9},
    {"id": "minimal", "name": "Minimal Mutual", "states": ["CA"], "lines": {"professional_liability": {}}},
    {"id": "fair", "name": "Fair Casualty", "states": ["CA"],
     "lines": {"professional_liability": {"min_premium": 10000}},
     "am_best": {"rating": "B++"}, "quote_turnaround_hours": 100},
    {"id": "unrated", "name": "Unrated RRG", "states": ["CA"], "lines": {"cyber": {"min_premium": 1000}},
     "am_best": {"rating": "NR"}, "quote_turnaround_hours": 0, "claims_rating": 4.0},
    {"id": "midsize", "name": "Midsize Mutual", "states": ["CA"], "lines": {"professional_liability": {}},
     "am_best": {"rating": "A+", "size": "VIII"}}
]"#;

const SEED: &str = r#"{"entity": "acme-manufacturing", "state": "CA", "line": "professional_liability", "revenue": 12000000}"#;

type Row = (u8, String, Evidence);

/// The ratings of one candidate, in `DIMENSIONS` order.
fn rated(profile: &str, candidate: u32) -> Vec<Row> {
    let pool = shortlist_sdk::prepare_pool::<CarrierQuality>(POOL).unwrap();
    let scores = shortlist_sdk::score::<CarrierQuality>(profile, &pool, &[candidate]).unwrap();
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
fn seed_profile_on_a_strong_carrier() {
    assert_eq!(
        rated(SEED, 0),
        rows(&[
            (1, "AM Best A+ (XV)", Evidence::Full),
            (1, "$2.5K minimum vs ~$10.8K expected", Evidence::Partial),
            (2, "quotes in 4 h (claims 3.8/5)", Evidence::Full),
        ])
    );
}

#[test]
fn seed_profile_on_a_slow_carrier_with_a_higher_floor() {
    assert_eq!(
        rated(SEED, 1),
        rows(&[
            (1, "AM Best A++ (XV)", Evidence::Full),
            (2, "$7.5K minimum vs ~$10.8K expected", Evidence::Partial),
            (2, "quotes in 2 days (claims 4.6/5)", Evidence::Full),
        ])
    );
}

#[test]
fn seed_profile_on_a_small_carrier_priced_above_the_account() {
    assert_eq!(
        rated(SEED, 2),
        rows(&[
            (3, "AM Best A- (VI)", Evidence::Full),
            (4, "$12K minimum vs ~$10.8K expected", Evidence::Partial),
            (4, "claims 2.9/5", Evidence::Partial),
        ])
    );
}

#[test]
fn no_data_rates_l3_with_no_evidence() {
    assert_eq!(
        rated(SEED, 3),
        rows(&[
            (3, "no AM Best rating on file", Evidence::None),
            (3, "no minimum premium on file", Evidence::None),
            (3, "no service data", Evidence::None),
        ])
    );
}

#[test]
fn partial_data() {
    assert_eq!(
        rated(SEED, 4),
        rows(&[
            (3, "AM Best B++", Evidence::Partial),
            (3, "$10K minimum vs ~$10.8K expected", Evidence::Partial),
            (4, "quotes in 4 days", Evidence::Partial),
        ])
    );
}

#[test]
fn unrated_and_midsize_carriers() {
    let cyber = r#"{"entity": "a", "state": "CA", "line": "cyber", "revenue": 4500000, "expected_premium": 9000}"#;
    assert_eq!(
        rated(cyber, 5),
        rows(&[
            (4, "not rated by AM Best", Evidence::Full),
            (1, "$1K minimum vs $9K expected", Evidence::Full),
            (1, "quotes instantly (claims 4.0/5)", Evidence::Full),
        ])
    );
    assert_eq!(
        rated(SEED, 6)[0],
        (2, "AM Best A+ (VIII)".to_owned(), Evidence::Full)
    );
}

#[test]
fn a_stated_premium_is_full_evidence() {
    let stated = r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 12000000,
                     "expected_premium": 20000}"#;
    assert_eq!(
        rated(stated, 0)[1],
        (
            1,
            "$2.5K minimum vs $20K expected".to_owned(),
            Evidence::Full
        )
    );
}

#[test]
fn an_unwritten_line_prices_l4() {
    let cyber = r#"{"entity": "a", "state": "CA", "line": "cyber", "revenue": 4500000}"#;
    assert_eq!(
        rated(cyber, 0)[1],
        (4, "does not write cyber".to_owned(), Evidence::Full)
    );
}

#[test]
fn validation_covers_exposure_and_premium_only() {
    let bad = r#"{"entity": "a", "state": "ZZ", "line": "cyber", "revenue": 1, "payroll": -1, "expected_premium": 0}"#;
    let fields: Vec<String> = shortlist_sdk::validate_profile::<CarrierQuality>(bad)
        .into_iter()
        .map(|p| p.field)
        .collect();
    assert_eq!(fields, ["profile.payroll", "profile.expected_premium"]);
    assert!(shortlist_sdk::validate_profile::<CarrierQuality>(SEED).is_empty());
}

#[test]
fn metadata_and_dimensions() {
    assert_eq!(CarrierQuality::metadata().name, "carrier-quality");
    assert_eq!(
        CarrierQuality::DIMENSIONS,
        ["financial", "pricing", "service"]
    );
}
