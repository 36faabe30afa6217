//! Native tests of the eligibility rules, through the SDK entry points the component exports.

use shortlist_sdk::{FieldProblem, Module};

use super::Eligibility;

const POOL: &str = r#"[
    {"id": "hartford", "name": "Hartford Financial", "states": ["CA", "NY", "FL"],
     "lines": {"professional_liability": {"min_premium": 2500}, "workers_compensation": {}},
     "naics": {"eligible": ["33", "54"], "refer": ["3327"], "decline": ["332710"]},
     "revenue": {"min": 10000000, "auto_quote_max": 15000000, "refer_max": 100000000},
     "max_experience_mod": 1.15, "min_years_in_business": 3, "max_claims": 4},
    {"id": "erie", "name": "Erie Insurance", "states": ["PA", "NY"],
     "lines": {"professional_liability": {}}},
    {"id": "liberty", "name": "Liberty Mutual", "states": ["CA"], "lines": {"general_liability": {}}},
    {"id": "hiscox", "name": "Hiscox", "states": ["CA"], "lines": {"professional_liability": {}},
     "revenue": {"auto_quote_max": 5000000, "refer_max": 10000000}},
    {"id": "minimal", "name": "Minimal Mutual", "states": ["CA", "FL"],
     "lines": {"professional_liability": {}, "workers_compensation": {}}}
]"#;

const SEED: &str = r#"{"entity": "acme-manufacturing", "state": "CA", "line": "professional_liability", "revenue": 12000000}"#;

fn reasons(profile: &str) -> Vec<(u32, String)> {
    let pool = shortlist_sdk::prepare_pool::<Eligibility>(POOL).unwrap();
    let all: Vec<u32> = (0..5).collect();
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
fn the_seed_profile_rejects_by_state_line_and_revenue() {
    assert_eq!(
        reasons(SEED),
        owned(&[
            (1, "does not write CA"),
            (2, "does not write prof. liability"),
            (3, "revenue $12M above $10M maximum")
        ])
    );
}

#[test]
fn only_the_given_candidates_are_checked() {
    let pool = shortlist_sdk::prepare_pool::<Eligibility>(POOL).unwrap();
    let rejected = shortlist_sdk::filter::<Eligibility>(SEED, &pool, &[4, 2]).unwrap();
    assert_eq!(rejected.candidates, [2]);
}

#[test]
fn declined_classes_are_rejected_and_referred_ones_kept() {
    let declined = r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 12000000,
                       "naics": "332710"}"#;
    assert_eq!(
        rejected(declined, 0).as_deref(),
        Some("NAICS 332710 declined")
    );
    let referred = r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 12000000,
                       "naics": "332722"}"#;
    assert_eq!(rejected(referred, 0), None);
}

#[test]
fn revenue_below_the_minimum() {
    let small =
        r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 400000}"#;
    assert_eq!(
        rejected(small, 0).as_deref(),
        Some("revenue $400K below $10M minimum")
    );
}

#[test]
fn workers_comp_guidelines() {
    let high_mod = r#"{"entity": "a", "state": "FL", "line": "workers_compensation", "revenue": 12000000,
                       "experience_mod": 1.45}"#;
    assert_eq!(
        reasons(high_mod),
        owned(&[
            (0, "experience mod 1.45 above 1.15 maximum"),
            (1, "does not write FL"),
            (2, "does not write FL"),
            (3, "does not write FL")
        ])
    );
    // The ceiling itself is accepted, despite the f32 it is stored in.
    let at_max = r#"{"entity": "a", "state": "FL", "line": "workers_compensation", "revenue": 12000000,
                     "experience_mod": 1.15}"#;
    assert_eq!(rejected(at_max, 0), None);
    // Other lines do not use the experience-mod ceiling.
    let other_line = r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 12000000,
                         "experience_mod": 1.45}"#;
    assert_eq!(rejected(other_line, 0), None);
}

#[test]
fn age_and_loss_guidelines() {
    let young = r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 12000000,
                    "years_in_business": 1}"#;
    assert_eq!(
        rejected(young, 0).as_deref(),
        Some("1 year in business, 3 required")
    );
    let lossy = r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 12000000,
                    "loss_history": {"claims": 6, "amount": 250000}}"#;
    assert_eq!(
        rejected(lossy, 0).as_deref(),
        Some("6 claims above 4 maximum")
    );
}

#[test]
fn missing_carrier_data_never_rejects() {
    let full = r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 999000000000,
                   "naics": "332710", "years_in_business": 0, "loss_history": {"claims": 40}}"#;
    assert_eq!(rejected(full, 4), None);
}

#[test]
fn unknown_codes_reject_every_candidate_if_validation_was_skipped() {
    let bad = r#"{"entity": "a", "state": "ZZ", "line": "professional_liability", "revenue": 1}"#;
    let all = reasons(bad);
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].1, "unknown state \"ZZ\"");
}

#[test]
fn the_seed_profile_is_valid() {
    assert_eq!(problems(SEED), []);
}

#[test]
fn missing_required_fields_are_named() {
    let missing = r#"{"entity": "a", "line": "cyber"}"#;
    let fields: Vec<String> = problems(missing).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["profile.state", "profile.revenue"]);
    assert_eq!(
        problems(missing)[0].1,
        "Missing required field: profile.state"
    );
}

#[test]
fn semantic_problems_are_reported_per_field() {
    let bad = r#"{"entity": "a", "state": "Cal", "line": "auto", "revenue": -1, "naics": "33271",
                  "effective_date": "soon"}"#;
    let found = problems(bad);
    let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    // `effective_date` belongs to market-fit, which reports it.
    assert_eq!(
        fields,
        [
            "profile.state",
            "profile.line",
            "profile.revenue",
            "profile.naics"
        ]
    );
    assert_eq!(
        found[0].1,
        r#"Unknown state code "Cal": use a two-letter US state code such as CA or NY."#
    );
    assert_eq!(
        found[2].1,
        "Revenue must be a non-negative amount in US dollars."
    );
    assert_eq!(
        found[3].1,
        r#"NAICS code "33271" must be exactly 6 digits, e.g. "332710"."#
    );
}

#[test]
fn wrong_types_are_reported() {
    let found = problems(r#"{"entity": "a", "state": "CA", "line": "cyber", "revenue": "a lot"}"#);
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
    assert_eq!(metadata.vertical, "insurance");
    let required: Vec<&str> = metadata
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.path)
        .collect();
    assert_eq!(required, ["entity", "state", "line", "revenue"]);
}

#[test]
fn a_bad_pool_is_an_invalid_pool_error() {
    let error = shortlist_sdk::prepare_pool::<Eligibility>(r#"[{"id": "x"}]"#).unwrap_err();
    assert_eq!(error.code, "invalid_pool");
}
