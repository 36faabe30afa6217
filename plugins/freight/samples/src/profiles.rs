//! Sample shipper profiles: a simple dry-van lane first, then richer ones.

use serde_json::{Value, json};

/// Builds one sample profile.
pub(crate) type MakeProfile = fn() -> Value;

/// The sample profiles by name, the default first.
pub(crate) const PROFILES: &[(&str, MakeProfile)] = &[
    ("sunbelt-home-goods", sunbelt_home_goods),
    ("valley-fresh-produce", valley_fresh_produce),
    ("gulf-chem-supply", gulf_chem_supply),
    ("great-lakes-steel", great_lakes_steel),
    ("peachtree-machinery", peachtree_machinery),
];

/// A Dallas furniture shipper's weekly dry-van freight to its California stores.
fn sunbelt_home_goods() -> Value {
    json!({
        "entity": "sunbelt-home-goods",
        "origin": "TX",
        "destination": "CA",
        "equipment": "dry_van",
        "weight_lbs": 38000,
        "loads_per_month": 12
    })
}

/// A Central Valley grower's refrigerated produce to Chicago, with a rate target and a
/// higher cargo limit (a reefer load of berries is worth well over $100K).
fn valley_fresh_produce() -> Value {
    json!({
        "entity": "valley-fresh-produce",
        "origin": "CA",
        "destination": "IL",
        "equipment": "reefer",
        "weight_lbs": 42000,
        "pickup_date": "2026-03-02",
        "loads_per_month": 30,
        "target_rate_per_mile": 3.1,
        "min_cargo_insurance": 150000
    })
}

/// A Houston chemical distributor's placarded tanker loads to Louisiana. Bulk hazardous
/// materials need $5M of auto liability by law, and the shipper keeps carriers in their
/// first year off its loads.
fn gulf_chem_supply() -> Value {
    json!({
        "entity": "gulf-chem-supply",
        "origin": "TX",
        "destination": "LA",
        "equipment": "tanker",
        "hazmat": true,
        "weight_lbs": 44000,
        "pickup_date": "2026-03-09",
        "loads_per_month": 20,
        "min_cargo_insurance": 250000,
        "min_auto_liability": 5000000,
        "min_authority_days": 365
    })
}

/// A Michigan steel service center's coils to Texas on flatbeds; it no longer uses a
/// carrier that damaged a load last year.
fn great_lakes_steel() -> Value {
    json!({
        "entity": "great-lakes-steel",
        "origin": "MI",
        "destination": "TX",
        "equipment": "flatbed",
        "weight_lbs": 46000,
        "loads_per_month": 8,
        "target_rate_per_mile": 2.95,
        "do_not_use": ["USDOT 2488105"]
    })
}

/// A single tall machine from Atlanta to Florida on a step deck: a spot load.
fn peachtree_machinery() -> Value {
    json!({
        "entity": "peachtree-machinery",
        "origin": "GA",
        "destination": "FL",
        "equipment": "step_deck",
        "weight_lbs": 40000,
        "pickup_date": "2026-02-16"
    })
}
