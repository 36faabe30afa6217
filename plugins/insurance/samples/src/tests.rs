//! Tests of the sample data: determinism, sizes, uniqueness, the seed profile, and the pool's spread.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{LINES, STATES, pool, profile, profile_names};

/// Every carrier field `shortlist-insurance-model` reads; the pool must use no other.
const CARRIER_FIELDS: &[&str] = &[
    "id",
    "name",
    "naic",
    "states",
    "lines",
    "naics",
    "revenue",
    "max_experience_mod",
    "min_years_in_business",
    "max_claims",
    "am_best",
    "admitted",
    "binding_authority",
    "quote_method",
    "quote_turnaround_hours",
    "claims_rating",
    "appetite_source",
    "appetite_as_of",
];

/// Every profile field the model reads.
const PROFILE_FIELDS: &[&str] = &[
    "entity",
    "state",
    "line",
    "revenue",
    "naics",
    "employees",
    "payroll",
    "vehicles",
    "years_in_business",
    "experience_mod",
    "loss_history",
    "limits",
    "expected_premium",
    "effective_date",
];

fn by_name<'a>(pool: &'a [Value], name: &str) -> &'a Value {
    pool.iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the pool"))
}

fn writes_state(carrier: &Value, state: &str) -> bool {
    carrier["states"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == state)
}

fn writes_line(carrier: &Value, line: &str) -> bool {
    carrier["lines"].get(line).is_some()
}

#[test]
fn the_seed_profile_is_the_public_example_exactly() {
    let expected = json!({
        "entity": "acme-manufacturing",
        "state": "CA",
        "line": "professional_liability",
        "revenue": 12000000
    });
    assert_eq!(profile(None).unwrap(), expected);
    assert_eq!(profile(Some("acme-manufacturing")).unwrap(), expected);
    assert_eq!(profile_names()[0], "acme-manufacturing");
}

#[test]
fn every_profile_has_the_required_fields_and_known_keys() {
    let names = profile_names();
    assert!((5..=7).contains(&names.len()), "{names:?}");
    for name in names {
        let profile = profile(Some(name)).unwrap();
        assert_eq!(profile["entity"], name);
        assert!(
            STATES.contains(&profile["state"].as_str().unwrap()),
            "{name}"
        );
        assert!(LINES.contains(&profile["line"].as_str().unwrap()), "{name}");
        assert!(profile["revenue"].as_f64().unwrap() > 0.0, "{name}");
        for key in profile.as_object().unwrap().keys() {
            assert!(
                PROFILE_FIELDS.contains(&key.as_str()),
                "{name}: unknown field {key}"
            );
        }
    }
}

#[test]
fn an_unknown_profile_is_none() {
    assert_eq!(profile(Some("nope")), None);
}

#[test]
fn the_exported_chunks_are_the_pool() {
    let whole = serde_json::to_string(&pool(30, 5)).unwrap();
    let head = shortlist_sample_sdk::candidates::<super::InsuranceSamples>(5, 0, 10).unwrap();
    let tail = shortlist_sample_sdk::candidates::<super::InsuranceSamples>(5, 10, 20).unwrap();
    assert_eq!(
        format!(
            "[{},{}]",
            &head[1..head.len() - 1],
            &tail[1..tail.len() - 1]
        ),
        whole
    );
}

#[test]
fn pools_are_deterministic_and_sized() {
    assert_eq!(pool(500, 7), pool(500, 7));
    assert_ne!(pool(500, 7), pool(500, 8));
    for size in [0, 1, 10, 2000] {
        assert_eq!(pool(size, 1).len(), size);
    }
    // Candidate i depends only on (seed, i): a smaller pool is the start of a larger one.
    let large = pool(800, 3);
    assert_eq!(pool(300, 3)[..], large[..300]);
}

#[test]
fn ids_and_names_are_unique() {
    let pool = pool(20_000, 1);
    let ids: HashSet<&str> = pool.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let names: HashSet<&str> = pool.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), pool.len());
    assert_eq!(names.len(), pool.len());
}

#[test]
fn a_large_pool_is_generated() {
    assert_eq!(pool(100_000, 1).len(), 100_000);
}

#[test]
fn carriers_use_only_model_fields_and_codes() {
    for carrier in pool(2000, 1) {
        let object = carrier.as_object().unwrap();
        for key in object.keys() {
            assert!(
                CARRIER_FIELDS.contains(&key.as_str()),
                "{}: unknown field {key}",
                carrier["name"]
            );
        }
        for state in carrier["states"].as_array().unwrap() {
            assert!(STATES.contains(&state.as_str().unwrap()), "{state}");
        }
        let lines = carrier["lines"].as_object().unwrap();
        assert!(!lines.is_empty(), "{} writes no line", carrier["name"]);
        for line in lines.keys() {
            assert!(LINES.contains(&line.as_str()), "{line}");
        }
        if let Some(band) = carrier.get("revenue") {
            assert!(band["min"].as_u64().unwrap() <= band["auto_quote_max"].as_u64().unwrap());
            if let Some(refer_max) = band.get("refer_max") {
                assert!(refer_max.as_u64().unwrap() >= band["auto_quote_max"].as_u64().unwrap());
            }
        }
    }
}

#[test]
fn hartford_is_a_strong_candidate_for_the_seed_profile() {
    let pool = pool(2000, 1);
    assert_eq!(pool[0]["name"], "Hartford Financial");
    assert_eq!(pool[0]["id"], "hartford-financial");
    let hartford = &pool[0];
    assert!(writes_state(hartford, "CA"));
    assert!(writes_line(hartford, "professional_liability"));
    let band = &hartford["revenue"];
    assert!(
        band["min"].as_u64().unwrap() <= 12_000_000
            && 12_000_000 <= band["auto_quote_max"].as_u64().unwrap()
    );
    assert_eq!(hartford["am_best"], json!({ "rating": "A+", "size": "XV" }));
}

#[test]
fn named_carriers_are_spread_for_the_seed_profile() {
    let pool = pool(40, 1);
    assert!(!writes_state(by_name(&pool, "Erie Insurance"), "CA"));
    assert!(!writes_line(
        by_name(&pool, "Liberty Mutual"),
        "professional_liability"
    ));
    assert_eq!(by_name(&pool, "Markel")["admitted"], false);
    assert!(
        by_name(&pool, "W. R. Berkley")
            .get("appetite_source")
            .is_none()
    );
    assert_eq!(by_name(&pool, "W. R. Berkley")["id"], "w-r-berkley");
}

#[test]
fn generated_carriers_have_a_realistic_mix() {
    let pool = pool(2000, 1);
    let share = |test: &dyn Fn(&Value) -> bool| {
        pool.iter().filter(|c| test(c)).count() as f64 / pool.len() as f64
    };
    let no_ca = share(&|c| !writes_state(c, "CA"));
    let no_pl = share(&|c| !writes_line(c, "professional_liability"));
    let surplus = share(&|c| c["admitted"] == false);
    let no_rating = share(&|c| c.get("am_best").is_none());
    let no_quote_method = share(&|c| c.get("quote_method").is_none());
    assert!((0.1..0.5).contains(&no_ca), "{no_ca}");
    assert!((0.2..0.6).contains(&no_pl), "{no_pl}");
    assert!((0.1..0.35).contains(&surplus), "{surplus}");
    assert!((0.02..0.15).contains(&no_rating), "{no_rating}");
    assert!((0.02..0.15).contains(&no_quote_method), "{no_quote_method}");
    let ratings: HashSet<&str> = pool
        .iter()
        .filter_map(|c| c["am_best"]["rating"].as_str())
        .collect();
    assert!(ratings.len() >= 7, "{ratings:?}");
}
