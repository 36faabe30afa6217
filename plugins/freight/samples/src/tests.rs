//! Tests of the sample data: determinism, sizes, uniqueness, validity under the model, and
//! the pool's spread.

use std::collections::HashSet;

use serde_json::{Value, json};
use shortlist_freight_model::{Carrier, PROFILE_FIELDS, Profile};

use super::{EQUIPMENT, STATES, pool, profile, profile_names};

/// Every carrier field the vertical's modules read (`shortlist-freight-model`, and the
/// Python `shipper-policy`'s `auto_liability`); the pool must use no other.
const CARRIER_FIELDS: &[&str] = &[
    "auto_liability",
    "id",
    "name",
    "dot_number",
    "mc_number",
    "authority_status",
    "authority_since",
    "states",
    "home_state",
    "lanes",
    "equipment",
    "power_units",
    "hazmat",
    "cargo_insurance",
    "safety_rating",
    "vehicle_oos_pct",
    "driver_oos_pct",
    "inspections",
    "rate_per_mile",
    "market_rate_per_mile",
    "on_time_pickup_pct",
    "on_time_delivery_pct",
    "tender_acceptance_pct",
    "trucks_per_week",
];

/// The profile fields only the Python `shipper-policy` module reads (its `app.py`
/// declares them); the model's `PROFILE_FIELDS` are the rest.
const SHIPPER_POLICY_FIELDS: &[&str] = &["do_not_use", "min_auto_liability", "min_authority_days"];

fn by_name<'a>(pool: &'a [Value], name: &str) -> &'a Value {
    pool.iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the pool"))
}

fn serves(carrier: &Value, state: &str) -> bool {
    carrier["states"]
        .as_array()
        .is_some_and(|states| states.iter().any(|s| s == state))
}

fn has_equipment(carrier: &Value, equipment: &str) -> bool {
    carrier["equipment"]
        .as_array()
        .is_some_and(|all| all.iter().any(|e| e == equipment))
}

#[test]
fn the_default_profile_is_a_simple_dry_van_lane() {
    let expected = json!({
        "entity": "sunbelt-home-goods",
        "origin": "TX",
        "destination": "CA",
        "equipment": "dry_van",
        "weight_lbs": 38000,
        "loads_per_month": 12
    });
    assert_eq!(profile(None).unwrap(), expected);
    assert_eq!(profile(Some("sunbelt-home-goods")).unwrap(), expected);
    assert_eq!(profile_names()[0], "sunbelt-home-goods");
}

#[test]
fn every_profile_is_valid_under_the_model() {
    let names = profile_names();
    assert!((4..=6).contains(&names.len()), "{names:?}");
    let all: Vec<&str> = PROFILE_FIELDS.iter().map(|(path, _, _)| *path).collect();
    for name in names {
        let json = profile(Some(name)).unwrap();
        assert_eq!(json["entity"], name);
        for key in json.as_object().unwrap().keys() {
            assert!(
                all.contains(&key.as_str()) || SHIPPER_POLICY_FIELDS.contains(&key.as_str()),
                "{name}: unknown field {key}"
            );
        }
        let parsed: Profile = serde_json::from_value(json).unwrap();
        let problems = parsed.problems(&all);
        assert!(problems.is_empty(), "{name}: {problems:?}");
        assert!(parsed.origin.known().is_some() && parsed.equipment.known().is_some());
    }
    let equipment: HashSet<String> = profile_names()
        .into_iter()
        .map(|n| profile(Some(n)).unwrap()["equipment"].to_string())
        .collect();
    assert!(
        equipment.len() >= 4,
        "profiles should vary the equipment: {equipment:?}"
    );
}

#[test]
fn an_unknown_profile_is_none() {
    assert_eq!(profile(Some("nope")), None);
}

#[test]
fn the_exported_chunks_are_the_pool() {
    let whole = serde_json::to_string(&pool(30, 5)).unwrap();
    let head = shortlist_sample_sdk::candidates::<super::FreightSamples>(5, 0, 10).unwrap();
    let tail = shortlist_sample_sdk::candidates::<super::FreightSamples>(5, 10, 20).unwrap();
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
fn carriers_use_only_model_fields_and_parse_as_the_model() {
    let pool = pool(2000, 1);
    for carrier in &pool {
        for key in carrier.as_object().unwrap().keys() {
            assert!(
                CARRIER_FIELDS.contains(&key.as_str()),
                "{}: unknown field {key}",
                carrier["name"]
            );
        }
        for state in carrier["states"].as_array().into_iter().flatten() {
            assert!(STATES.contains(&state.as_str().unwrap()), "{state}");
        }
        for equipment in carrier["equipment"].as_array().into_iter().flatten() {
            assert!(
                EQUIPMENT.contains(&equipment.as_str().unwrap()),
                "{equipment}"
            );
        }
    }
    let parsed: Vec<Carrier> = serde_json::from_value(Value::Array(pool)).unwrap();
    assert_eq!(parsed.len(), 2000);
}

#[test]
fn lone_star_is_a_strong_candidate_for_the_default_profile() {
    let pool = pool(2000, 1);
    let lone_star = &pool[0];
    assert_eq!(lone_star["name"], "Lone Star Logistics");
    assert_eq!(lone_star["id"], "lone-star-logistics");
    assert_eq!(lone_star["authority_status"], "active");
    assert!(serves(lone_star, "TX") && serves(lone_star, "CA"));
    assert!(has_equipment(lone_star, "dry_van"));
    assert!(
        lone_star["lanes"]
            .as_array()
            .unwrap()
            .contains(&json!("TX-CA"))
    );
    assert_eq!(lone_star["safety_rating"], "satisfactory");
}

#[test]
fn named_carriers_are_spread_for_the_default_profile() {
    let pool = pool(40, 1);
    assert_eq!(
        by_name(&pool, "Ironhorse Freight Lines")["authority_status"],
        "revoked"
    );
    assert!(!serves(by_name(&pool, "Bluebonnet Express"), "CA"));
    assert_eq!(
        by_name(&pool, "Prairie Wind Trucking")["cargo_insurance"],
        75_000
    );
    assert_eq!(
        by_name(&pool, "Frontier Haulers")["safety_rating"],
        "unsatisfactory"
    );
    assert_eq!(
        by_name(&pool, "Red River Transport")["safety_rating"],
        "conditional"
    );
    let mesa = by_name(&pool, "Mesa Transport");
    assert!(mesa.get("safety_rating").is_none() && mesa.get("rate_per_mile").is_none());
    assert_eq!(
        by_name(&pool, "Peachtree Heavy Haul & Rigging")["id"],
        "peachtree-heavy-haul-rigging"
    );
    // Each sample profile's equipment has a hand-set carrier.
    for name in profile_names() {
        let wanted = profile(Some(name)).unwrap()["equipment"].clone();
        assert!(
            pool.iter().any(|c| c["equipment"]
                .as_array()
                .is_some_and(|e| e.contains(&wanted))),
            "{name}"
        );
    }
}

#[test]
fn generated_carriers_have_a_realistic_mix() {
    let pool = pool(4000, 1);
    let share = |test: &dyn Fn(&Value) -> bool| {
        pool.iter().filter(|c| test(c)).count() as f64 / pool.len() as f64
    };
    let active = share(&|c| c["authority_status"] == "active");
    let revoked = share(&|c| c["authority_status"] == "revoked");
    assert!((0.85..0.95).contains(&active), "{active}");
    assert!((0.01..0.06).contains(&revoked), "{revoked}");

    let satisfactory_or_unrated =
        share(&|c| c["safety_rating"] == "satisfactory" || c["safety_rating"] == "unrated");
    let unsatisfactory = share(&|c| c["safety_rating"] == "unsatisfactory");
    let unrated = share(&|c| c["safety_rating"] == "unrated");
    assert!(satisfactory_or_unrated > 0.8, "{satisfactory_or_unrated}");
    assert!(unsatisfactory < 0.03, "{unsatisfactory}");
    assert!((0.3..0.8).contains(&unrated), "{unrated}");

    let mean = |key: &str| {
        let values: Vec<f64> = pool.iter().filter_map(|c| c[key].as_f64()).collect();
        values.iter().sum::<f64>() / values.len() as f64
    };
    let vehicle = mean("vehicle_oos_pct");
    let driver = mean("driver_oos_pct");
    assert!((17.0..25.0).contains(&vehicle), "{vehicle}");
    assert!((4.0..7.0).contains(&driver), "{driver}");

    for carrier in &pool {
        if let (Some(rate), Some(market)) = (
            carrier["rate_per_mile"].as_f64(),
            carrier["market_rate_per_mile"].as_f64(),
        ) {
            let ratio = rate / market;
            assert!(
                (0.74..=1.26).contains(&ratio),
                "{}: {ratio}",
                carrier["name"]
            );
        }
    }

    let no_rate = share(&|c| c.get("rate_per_mile").is_none());
    let no_rating = share(&|c| c.get("safety_rating").is_none());
    let no_service = share(&|c| c.get("on_time_delivery_pct").is_none());
    assert!((0.05..0.2).contains(&no_rate), "{no_rate}");
    assert!((0.01..0.1).contains(&no_rating), "{no_rating}");
    assert!((0.1..0.35).contains(&no_service), "{no_service}");

    let dry_van_tx_ca = share(&|c| {
        c["authority_status"] == "active"
            && serves(c, "TX")
            && serves(c, "CA")
            && has_equipment(c, "dry_van")
    });
    assert!((0.05..0.4).contains(&dry_van_tx_ca), "{dry_van_tx_ca}");
    assert!(!pool.iter().any(|c| serves(c, "HI")));

    // Lanes cluster on busy corridors, so a few carriers run any given one.
    let tx_ca = share(&|c| {
        c["lanes"]
            .as_array()
            .is_some_and(|lanes| lanes.iter().any(|l| l == "TX-CA"))
    });
    assert!((0.01..0.1).contains(&tx_ca), "{tx_ca}");
    // Trucks a week are what one shipper gets, not the fleet.
    let most = pool
        .iter()
        .filter_map(|c| c["trucks_per_week"].as_u64())
        .max();
    assert!(most.is_some_and(|m| m <= 40), "{most:?}");
}
