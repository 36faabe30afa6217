//! Native tests of the market-fit rules, through the SDK entry points the component exports.

use shortlist_sdk::{Evidence, Module, Scorer};

use super::MarketFit;

const POOL: &str = r#"[
    {"id": "hartford", "name": "Hartford Financial", "states": ["CA", "NY"],
     "lines": {"professional_liability": {"min_premium": 2500, "max_per_occurrence": 5000000, "max_aggregate": 5000000},
               "general_liability": {}, "cyber": {}, "workers_compensation": {}},
     "naics": {"eligible": ["33", "54"], "refer": ["3327"], "decline": ["332710"]},
     "revenue": {"min": 10000000, "auto_quote_max": 15000000, "refer_max": 100000000},
     "admitted": true, "binding_authority": false, "quote_method": "api",
     "appetite_source": "stated", "appetite_as_of": "2026-09-30"},
    {"id": "summit", "name": "Summit Specialty", "states": ["CA"],
     "lines": {"professional_liability": {"max_per_occurrence": 1000000, "max_aggregate": 1000000}},
     "naics": {"eligible": ["54"]},
     "revenue": {"auto_quote_max": 10000000, "refer_max": 25000000},
     "admitted": false, "binding_authority": false, "quote_method": "portal", "appetite_source": "observed"},
    {"id": "minimal", "name": "Minimal Mutual", "states": ["CA"], "lines": {"professional_liability": {}}},
    {"id": "beacon", "name": "Beacon E&S", "states": ["CA"],
     "lines": {"professional_liability": {"max_per_occurrence": 2000000, "max_aggregate": 4000000},
               "general_liability": {}},
     "naics": {"decline": ["3327"]},
     "revenue": {"auto_quote_max": 20000000},
     "admitted": false, "binding_authority": true, "quote_method": "api",
     "appetite_source": "verified", "appetite_as_of": "2025-10-01"}
]"#;

const SEED: &str = r#"{"entity": "acme-manufacturing", "state": "CA", "line": "professional_liability", "revenue": 12000000}"#;

type Row = (u8, String, Evidence);

/// The ratings of one candidate, in `DIMENSIONS` order.
fn rated(profile: &str, candidate: u32) -> Vec<Row> {
    let pool = shortlist_sdk::prepare_pool::<MarketFit>(POOL).unwrap();
    let scores = shortlist_sdk::score::<MarketFit>(profile, &pool, &[candidate]).unwrap();
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
            (
                1,
                "Strong CA prof. liability appetite, $10M–$15M band",
                Evidence::Full
            ),
            (1, "$5M limits with GL + cyber", Evidence::Full),
            (1, "API auto-quote", Evidence::Full),
        ])
    );
}

#[test]
fn seed_profile_on_an_observed_e_and_s_carrier() {
    assert_eq!(
        rated(SEED, 1),
        rows(&[
            (
                2,
                "Good CA prof. liability appetite, refers above $10M",
                Evidence::Full
            ),
            (3, "$1M aggregate below $2M requested", Evidence::Full),
            (3, "portal quote (E&S)", Evidence::Full),
        ])
    );
}

#[test]
fn seed_profile_on_a_carrier_with_no_optional_data() {
    assert_eq!(
        rated(SEED, 2),
        rows(&[
            (1, "Strong CA prof. liability appetite", Evidence::Partial),
            (2, "limits not on file", Evidence::Partial),
            (3, "no placement data", Evidence::None),
        ])
    );
}

#[test]
fn seed_profile_on_an_mga_with_binding_authority() {
    assert_eq!(
        rated(SEED, 3),
        rows(&[
            (
                1,
                "Strong CA prof. liability appetite, up to $20M band",
                Evidence::Full
            ),
            (2, "$2M limits without cyber", Evidence::Full),
            (
                1,
                "API auto-quote (E&S with binding authority)",
                Evidence::Full
            ),
        ])
    );
}

const DETAILED: &str = r#"{"entity": "acme-manufacturing", "state": "CA", "line": "professional_liability",
    "revenue": 12000000, "naics": "332722", "limits": {"per_occurrence": 3000000, "aggregate": 6000000},
    "effective_date": "2027-01-01"}"#;

#[test]
fn a_referred_class_and_high_limits() {
    let appetite_and_coverage: Vec<Row> = rated(DETAILED, 0).into_iter().take(2).collect();
    assert_eq!(
        appetite_and_coverage,
        rows(&[
            (
                2,
                "Good CA prof. liability appetite, NAICS 332722 referred",
                Evidence::Full
            ),
            (3, "$5M aggregate below $6M requested", Evidence::Full),
        ])
    );
}

#[test]
fn a_class_outside_the_guide_outweighs_a_referral_band() {
    let appetite_and_coverage: Vec<Row> = rated(DETAILED, 1).into_iter().take(2).collect();
    assert_eq!(
        appetite_and_coverage,
        rows(&[
            (
                3,
                "Limited CA prof. liability appetite, NAICS 332722 outside class guide",
                Evidence::Partial
            ),
            (4, "$1M aggregate below $6M requested", Evidence::Full),
        ])
    );
}

#[test]
fn missing_carrier_data_is_partial_evidence() {
    let appetite_and_coverage: Vec<Row> = rated(DETAILED, 2).into_iter().take(2).collect();
    assert_eq!(
        appetite_and_coverage,
        rows(&[
            (1, "Strong CA prof. liability appetite", Evidence::Partial),
            (3, "limits not on file", Evidence::Partial),
        ])
    );
}

#[test]
fn a_declined_class_and_stale_data() {
    let appetite_and_coverage: Vec<Row> = rated(DETAILED, 3).into_iter().take(2).collect();
    assert_eq!(
        appetite_and_coverage,
        rows(&[
            (4, "NAICS 332722 declined", Evidence::Full),
            (3, "$2M limit below $3M requested", Evidence::Full)
        ])
    );
    let stale = r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 12000000,
                    "effective_date": "2027-01-01"}"#;
    assert_eq!(
        rated(stale, 3)[0],
        (
            3,
            "Limited CA prof. liability appetite, appetite data 15 months old".to_owned(),
            Evidence::Full
        )
    );
    let dated = r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 12000000,
                    "effective_date": "2026-06-01"}"#;
    assert_eq!(
        rated(dated, 3)[0],
        (
            2,
            "Good CA prof. liability appetite, appetite data 8 months old".to_owned(),
            Evidence::Full
        )
    );
}

#[test]
fn lines_without_compared_limits_rate_the_package() {
    let comp =
        r#"{"entity": "a", "state": "NY", "line": "workers_compensation", "revenue": 12000000}"#;
    assert_eq!(
        rated(comp, 0)[1],
        (2, "workers' comp without auto".to_owned(), Evidence::Full)
    );
    // GL has standard limits; Hartford states none for it.
    let gl = r#"{"entity": "a", "state": "CA", "line": "general_liability", "revenue": 12000000}"#;
    assert_eq!(
        rated(gl, 0)[1],
        (2, "limits not on file".to_owned(), Evidence::Partial)
    );
}

#[test]
fn an_unwritten_line_is_the_worst_appetite_and_coverage() {
    let auto = r#"{"entity": "a", "state": "NY", "line": "commercial_auto", "revenue": 12000000}"#;
    assert_eq!(
        rated(auto, 0)[0],
        (
            4,
            "does not write commercial auto".to_owned(),
            Evidence::Full
        )
    );
    assert_eq!(
        rated(auto, 0)[1],
        (
            4,
            "does not write commercial auto".to_owned(),
            Evidence::Full
        )
    );
}

#[test]
fn an_unwritten_state_is_the_worst_appetite() {
    let texas =
        r#"{"entity": "a", "state": "TX", "line": "professional_liability", "revenue": 12000000}"#;
    assert_eq!(
        rated(texas, 0)[0],
        (4, "does not write TX".to_owned(), Evidence::Full)
    );
}

#[test]
fn validation_covers_limits_and_effective_date_only() {
    let bad = r#"{"entity": "a", "state": "ZZ", "line": "cyber", "revenue": 1,
                  "limits": {"per_occurrence": 2000000, "aggregate": 1000000}, "effective_date": "2027-02-30"}"#;
    let fields: Vec<String> = shortlist_sdk::validate_profile::<MarketFit>(bad)
        .into_iter()
        .map(|p| p.field)
        .collect();
    assert_eq!(
        fields,
        ["profile.limits.aggregate", "profile.effective_date"]
    );
    assert!(shortlist_sdk::validate_profile::<MarketFit>(SEED).is_empty());
}

#[test]
fn metadata_and_dimensions() {
    assert_eq!(MarketFit::metadata().name, "market-fit");
    assert_eq!(MarketFit::DIMENSIONS, ["appetite", "coverage", "placement"]);
}
