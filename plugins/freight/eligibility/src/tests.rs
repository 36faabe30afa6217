//! Native tests of the eligibility rules, through the SDK entry points the component exports.

use shortlist_sdk::{FieldProblem, Module};

use super::Eligibility;

const POOL: &str = r#"[
    {"id": "lone-star", "name": "Lone Star Logistics", "authority_status": "active",
     "states": ["TX", "NM", "AZ", "CA"], "equipment": ["dry_van", "reefer"], "hazmat": true,
     "cargo_insurance": 250000, "safety_rating": "satisfactory"},
    {"id": "ironhorse", "name": "Ironhorse Freight", "authority_status": "revoked",
     "states": ["TX", "CA"], "equipment": ["dry_van"], "cargo_insurance": 100000},
    {"id": "bluebonnet", "name": "Bluebonnet Express", "authority_status": "active",
     "states": ["TX", "OK", "LA"], "equipment": ["dry_van"], "cargo_insurance": 100000},
    {"id": "summit", "name": "Summit Flatbed", "authority_status": "active",
     "states": ["TX", "CA"], "equipment": ["flatbed", "step_deck"], "cargo_insurance": 100000},
    {"id": "prairie", "name": "Prairie Wind Trucking", "authority_status": "active",
     "states": ["TX", "CA"], "equipment": ["dry_van"], "cargo_insurance": 75000},
    {"id": "frontier", "name": "Frontier Haulers", "authority_status": "active",
     "states": ["TX", "CA"], "equipment": ["dry_van"], "cargo_insurance": 100000,
     "safety_rating": "unsatisfactory"},
    {"id": "minimal", "name": "Minimal Motor Freight"},
    {"id": "red-river", "name": "Red River Transport", "authority_status": "active",
     "states": ["CA", "TX"], "equipment": ["dry_van"], "cargo_insurance": 100000,
     "safety_rating": "conditional"}
]"#;

const SEED: &str = r#"{"entity": "desert-home-goods", "origin": "TX", "destination": "CA", "equipment": "dry_van"}"#;

fn reasons(profile: &str) -> Vec<(u32, String)> {
    let pool = shortlist_sdk::prepare_pool::<Eligibility>(POOL).unwrap();
    let all: Vec<u32> = (0..8).collect();
    let rejected = shortlist_sdk::filter::<Eligibility>(profile, &pool, &all).unwrap();
    rejected
        .iter()
        .map(|(candidate, reason)| (candidate, reason.to_owned()))
        .collect()
}

fn owned(expected: &[(u32, &str)]) -> Vec<(u32, String)> {
    expected
        .iter()
        .map(|(i, r)| (*i, (*r).to_owned()))
        .collect()
}

fn rejected(profile: &str, candidate: u32) -> Option<String> {
    reasons(profile)
        .into_iter()
        .find(|(i, _)| *i == candidate)
        .map(|(_, r)| r)
}

fn problems(profile: &str) -> Vec<(String, String)> {
    shortlist_sdk::validate_profile::<Eligibility>(profile)
        .into_iter()
        .map(|FieldProblem { field, message }| (field, message))
        .collect()
}

#[test]
fn the_seed_profile_rejects_each_failed_requirement_with_its_reason() {
    assert_eq!(
        reasons(SEED),
        owned(&[
            (1, "operating authority revoked"),
            (2, "does not serve CA (destination)"),
            (3, "no dry van equipment"),
            (4, "cargo insurance $75K below $100K minimum"),
            (5, "Unsatisfactory safety rating"),
            (6, "no operating authority on file"),
        ])
    );
}

#[test]
fn only_the_given_candidates_are_checked() {
    let pool = shortlist_sdk::prepare_pool::<Eligibility>(POOL).unwrap();
    let rejected = shortlist_sdk::filter::<Eligibility>(SEED, &pool, &[7, 2, 0]).unwrap();
    assert_eq!(rejected.candidates, [2]);
}

#[test]
fn the_origin_is_checked_before_the_destination() {
    let from_ok = r#"{"entity": "a", "origin": "OK", "destination": "CA", "equipment": "dry_van"}"#;
    assert_eq!(
        rejected(from_ok, 0).as_deref(),
        Some("does not serve OK (origin)")
    );
    // Serves OK but not CA.
    assert_eq!(
        rejected(from_ok, 2).as_deref(),
        Some("does not serve CA (destination)")
    );
}

#[test]
fn equipment_is_matched_exactly() {
    let flatbed = r#"{"entity": "a", "origin": "TX", "destination": "CA", "equipment": "flatbed"}"#;
    assert_eq!(rejected(flatbed, 3), None);
    assert_eq!(
        rejected(flatbed, 0).as_deref(),
        Some("no flatbed equipment")
    );
}

#[test]
fn hazmat_loads_need_an_endorsement_on_file() {
    let hazmat = r#"{"entity": "a", "origin": "TX", "destination": "CA", "equipment": "dry_van", "hazmat": true}"#;
    assert_eq!(rejected(hazmat, 0), None);
    // Red River's record says nothing about hazmat: not enough for a hazmat load.
    assert_eq!(
        rejected(hazmat, 7).as_deref(),
        Some("no hazmat endorsement")
    );
}

#[test]
fn the_profile_sets_the_insurance_minimum() {
    let higher = r#"{"entity": "a", "origin": "TX", "destination": "CA", "equipment": "dry_van",
                     "min_cargo_insurance": 250000}"#;
    assert_eq!(rejected(higher, 0), None, "at the minimum is enough");
    assert_eq!(
        rejected(higher, 7).as_deref(),
        Some("cargo insurance $100K below $250K minimum")
    );
    let lower = r#"{"entity": "a", "origin": "TX", "destination": "CA", "equipment": "dry_van",
                    "min_cargo_insurance": 50000}"#;
    assert_eq!(rejected(lower, 4), None);
}

#[test]
fn conditional_and_unrated_carriers_are_kept() {
    assert_eq!(rejected(SEED, 7), None);
    assert_eq!(rejected(SEED, 0), None);
}

#[test]
fn a_record_without_data_is_rejected_for_the_first_missing_requirement() {
    let pool = r#"[
        {"id": "a", "name": "A", "authority_status": "active"},
        {"id": "b", "name": "B", "authority_status": "active", "states": ["TX", "CA"], "equipment": ["dry_van"]},
        {"id": "c", "name": "C", "authority_status": "inactive", "states": ["TX", "CA"]}
    ]"#;
    let pool = shortlist_sdk::prepare_pool::<Eligibility>(pool).unwrap();
    let rejected = shortlist_sdk::filter::<Eligibility>(SEED, &pool, &[0, 1, 2]).unwrap();
    let reasons: Vec<(u32, &str)> = rejected.iter().collect();
    assert_eq!(
        reasons,
        [
            (0, "no service area on file"),
            (1, "no cargo insurance on file"),
            (2, "operating authority inactive")
        ]
    );
}

#[test]
fn unknown_codes_reject_every_candidate_if_validation_was_skipped() {
    let bad = r#"{"entity": "a", "origin": "ZZ", "destination": "CA", "equipment": "dry_van"}"#;
    let all = reasons(bad);
    assert_eq!(all.len(), 8);
    assert_eq!(all[0].1, "unknown origin \"ZZ\"");
    let bad = r#"{"entity": "a", "origin": "TX", "destination": "CA", "equipment": "van"}"#;
    assert_eq!(reasons(bad)[0].1, "unknown equipment \"van\"");
}

#[test]
fn the_seed_profile_is_valid() {
    assert_eq!(problems(SEED), []);
}

#[test]
fn missing_required_fields_are_named() {
    let missing = r#"{"entity": "a", "origin": "TX"}"#;
    let fields: Vec<String> = problems(missing).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["profile.destination", "profile.equipment"]);
    assert_eq!(
        problems(missing)[0].1,
        "Missing required field: profile.destination"
    );
}

#[test]
fn semantic_problems_are_reported_per_field() {
    let bad = r#"{"entity": "a", "origin": "Texas", "destination": "CA", "equipment": "reefer",
                  "weight_lbs": 52000, "min_cargo_insurance": -1, "loads_per_month": 0}"#;
    let found = problems(bad);
    let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    // `loads_per_month` belongs to lane-fit, which reports it.
    assert_eq!(
        fields,
        [
            "profile.origin",
            "profile.weight_lbs",
            "profile.min_cargo_insurance"
        ]
    );
    assert!(found[1].1.starts_with("A reefer carries about 43,500 lbs"));
}

#[test]
fn wrong_types_are_reported() {
    let found = problems(
        r#"{"entity": "a", "origin": "TX", "destination": "CA", "equipment": "dry_van", "hazmat": "yes"}"#,
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "profile");
    assert!(
        found[0].1.starts_with("Invalid profile: "),
        "{}",
        found[0].1
    );
}

#[test]
fn metadata_names_the_module_and_its_fields() {
    let metadata = Eligibility::metadata();
    assert_eq!(metadata.name, "eligibility");
    assert_eq!(metadata.vertical, "freight");
    let required: Vec<&str> = metadata
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.path)
        .collect();
    assert_eq!(required, ["entity", "origin", "destination", "equipment"]);
}

#[test]
fn a_bad_pool_is_an_invalid_pool_error() {
    let error = shortlist_sdk::prepare_pool::<Eligibility>(
        r#"[{"id": "x", "name": "X", "states": ["ZZ"]}]"#,
    )
    .unwrap_err();
    assert_eq!(error.code, "invalid_pool");
}
