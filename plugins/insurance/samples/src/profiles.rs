//! Sample broker submissions: the public API's example first, then richer ones.

use serde_json::{Value, json};

/// Builds one sample profile.
pub(crate) type MakeProfile = fn() -> Value;

/// The sample profiles by name, the default first.
pub(crate) const PROFILES: &[(&str, MakeProfile)] = &[
    ("acme-manufacturing", acme_manufacturing),
    ("harbor-bistro", harbor_bistro),
    ("lone-star-freight", lone_star_freight),
    ("sunrise-builders", sunrise_builders),
    ("cloudledger", cloudledger),
    ("prairie-engineering", prairie_engineering),
];

/// The public API's example request, field for field: nothing may be added to it.
fn acme_manufacturing() -> Value {
    json!({
        "entity": "acme-manufacturing",
        "state": "CA",
        "line": "professional_liability",
        "revenue": 12000000
    })
}

/// A New York restaurant's business owner's policy.
fn harbor_bistro() -> Value {
    json!({
        "entity": "harbor-bistro",
        "state": "NY",
        "line": "bop",
        "revenue": 1800000,
        "naics": "722511",
        "employees": 24,
        "years_in_business": 6,
        "loss_history": { "claims": 1, "amount": 12000, "years": 3 },
        "limits": { "per_occurrence": 1000000, "aggregate": 2000000 },
        "effective_date": "2027-01-01"
    })
}

/// A Texas long-haul trucker's commercial auto: a hard class most standard markets decline.
fn lone_star_freight() -> Value {
    json!({
        "entity": "lone-star-freight",
        "state": "TX",
        "line": "commercial_auto",
        "revenue": 8500000,
        "naics": "484121",
        "employees": 60,
        "vehicles": 42,
        "years_in_business": 12,
        "loss_history": { "claims": 4, "amount": 310000, "years": 3 },
        "limits": { "per_occurrence": 1000000 },
        "effective_date": "2027-01-01"
    })
}

/// A Florida remodeling contractor's workers' comp, with an experience mod above most ceilings.
fn sunrise_builders() -> Value {
    json!({
        "entity": "sunrise-builders",
        "state": "FL",
        "line": "workers_compensation",
        "revenue": 9000000,
        "naics": "236118",
        "employees": 45,
        "payroll": 3200000,
        "years_in_business": 11,
        "experience_mod": 1.3,
        "loss_history": { "claims": 3, "amount": 85000, "years": 3 },
        "effective_date": "2027-01-01"
    })
}

/// A Washington SaaS company's cyber cover, with the broker's premium expectation.
fn cloudledger() -> Value {
    json!({
        "entity": "cloudledger",
        "state": "WA",
        "line": "cyber",
        "revenue": 4500000,
        "naics": "513210",
        "employees": 35,
        "years_in_business": 4,
        "limits": { "per_occurrence": 3000000, "aggregate": 3000000 },
        "expected_premium": 9000,
        "effective_date": "2027-01-01"
    })
}

/// An Illinois engineering firm's professional liability, above many small-business bands.
fn prairie_engineering() -> Value {
    json!({
        "entity": "prairie-engineering",
        "state": "IL",
        "line": "professional_liability",
        "revenue": 22000000,
        "naics": "541330",
        "employees": 110,
        "years_in_business": 30,
        "loss_history": { "claims": 0, "years": 5 },
        "limits": { "per_occurrence": 2000000, "aggregate": 4000000 },
        "effective_date": "2027-01-01"
    })
}
