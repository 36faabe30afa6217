//! The profile: what a shipper says about the load and the lane it needs trucks for.

use shortlist_sdk::serde::Deserialize;
use shortlist_sdk::{FieldProblem, Metadata};

use crate::codes::{Code, Equipment, State};
use shortlist_sdk::date::Date;

/// Cargo insurance a carrier must carry when the profile names no minimum, in US dollars:
/// what brokers and shippers usually ask for on general freight.
pub const DEFAULT_MIN_CARGO_INSURANCE: f64 = 100_000.0;

/// The heaviest gross vehicle weight on interstate highways without a permit, in pounds.
pub const MAX_GROSS_LBS: f64 = 80_000.0;

/// The highest target rate accepted, in US dollars per mile: short hauls rarely pay above
/// $10/mi, so a larger figure is almost surely the load's total rather than a rate.
pub const MAX_RATE_PER_MILE: f64 = 25.0;

/// A shipper's request. Only `entity`, `origin`, `destination` and `equipment` are
/// required; rules that need a missing optional field say what they assumed.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(crate = "shortlist_sdk::serde")]
pub struct Profile {
    /// The shipper's identifier, e.g. `desert-home-goods`.
    pub entity: String,
    /// The state the load picks up in.
    pub origin: Code<State>,
    /// The state the load delivers to.
    pub destination: Code<State>,
    /// The equipment the load needs.
    pub equipment: Code<Equipment>,
    /// Whether the load is hazardous material (placarded); false when absent.
    #[serde(default)]
    pub hazmat: bool,
    /// The load's weight in pounds.
    #[serde(default)]
    pub weight_lbs: Option<f64>,
    /// When the load picks up (`YYYY-MM-DD`); used to judge how new a carrier's authority is.
    #[serde(default)]
    pub pickup_date: Option<Code<Date>>,
    /// Loads a month on this lane; a single (spot) load when absent.
    #[serde(default)]
    pub loads_per_month: Option<u32>,
    /// The rate the shipper aims to pay, in US dollars per mile; carriers are compared with
    /// the lane's market rate when absent.
    #[serde(default)]
    pub target_rate_per_mile: Option<f64>,
    /// The least cargo insurance accepted, in US dollars; [`DEFAULT_MIN_CARGO_INSURANCE`]
    /// when absent.
    #[serde(default)]
    pub min_cargo_insurance: Option<f64>,
}

/// Every profile field a module may read: (path, required, description).
/// Modules declare theirs with [`declare`], so descriptions stay the same across modules.
pub const PROFILE_FIELDS: &[(&str, bool, &str)] = &[
    (
        "entity",
        true,
        "Identifier of the shipper, e.g. desert-home-goods.",
    ),
    (
        "origin",
        true,
        "Two-letter US state code where the load picks up, e.g. TX.",
    ),
    (
        "destination",
        true,
        "Two-letter US state code where the load delivers, e.g. CA.",
    ),
    (
        "equipment",
        true,
        "Equipment needed: dry_van, reefer, flatbed, step_deck, tanker or power_only.",
    ),
    (
        "hazmat",
        false,
        "true when the load is placarded hazardous material; false when absent.",
    ),
    (
        "weight_lbs",
        false,
        "Weight of the load in pounds, e.g. 38000.",
    ),
    (
        "pickup_date",
        false,
        "Pickup date, YYYY-MM-DD; used to judge how new a carrier's authority is.",
    ),
    (
        "loads_per_month",
        false,
        "Loads a month on the lane; a single load when absent.",
    ),
    (
        "target_rate_per_mile",
        false,
        "Target rate in US dollars per mile, e.g. 2.45; the lane's market rate when absent.",
    ),
    (
        "min_cargo_insurance",
        false,
        "Least cargo insurance accepted in US dollars; 100000 when absent.",
    ),
];

/// Adds the listed profile fields to a module's metadata, with their shared descriptions.
///
/// # Panics
///
/// If a path is not in [`PROFILE_FIELDS`]: a typo in a module, caught by its first test.
pub fn declare(mut metadata: Metadata, paths: &[&str]) -> Metadata {
    for path in paths {
        let &(path, required, description) = PROFILE_FIELDS
            .iter()
            .find(|(p, _, _)| p == path)
            .unwrap_or_else(|| panic!("profile field {path:?} is not in PROFILE_FIELDS"));
        metadata = metadata.field(path, required, description);
    }
    metadata
}

impl Profile {
    /// Problems with the values of the given fields (their shapes are already checked by parsing).
    ///
    /// Each module passes the fields it owns, so that one problem is reported once.
    pub fn problems(&self, paths: &[&str]) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut report = |field: &str, message: String| {
            if paths.contains(&field) {
                out.push(FieldProblem {
                    field: format!("profile.{field}"),
                    message,
                });
            }
        };
        for (field, code) in [("origin", &self.origin), ("destination", &self.destination)] {
            if let Code::Unknown(text) = code {
                report(
                    field,
                    format!(
                        "Unknown state code {text:?}: use a two-letter US state code such as TX or CA."
                    ),
                );
            }
        }
        if let Code::Unknown(text) = &self.equipment {
            let known: Vec<&str> = Equipment::ALL.iter().map(|e| e.code()).collect();
            report(
                "equipment",
                format!(
                    "Unknown equipment {text:?}: use one of {}.",
                    known.join(", ")
                ),
            );
        }
        if let Some(weight) = self.weight_lbs {
            if !(weight.is_finite() && weight > 0.0 && weight <= MAX_GROSS_LBS) {
                report(
                    "weight_lbs",
                    "Weight must be a positive number of pounds, at most 80,000.".to_owned(),
                );
            } else if let Some(equipment) = self.equipment.known()
                && weight > f64::from(equipment.legal_payload_lbs())
            {
                let payload = equipment.legal_payload_lbs();
                report(
                    "weight_lbs",
                    format!(
                        "A {} carries about {},{:03} lbs without an overweight permit; split the load \
                         or book it as a permitted load.",
                        equipment.display(),
                        payload / 1000,
                        payload % 1000
                    ),
                );
            }
        }
        if let Some(Code::Unknown(text)) = &self.pickup_date {
            report(
                "pickup_date",
                format!("Pickup date {text:?} must be a date as YYYY-MM-DD."),
            );
        }
        if self.loads_per_month == Some(0) {
            report(
                "loads_per_month",
                "Loads per month must be at least 1; leave it out for a single load.".to_owned(),
            );
        }
        if self
            .target_rate_per_mile
            .is_some_and(|r| !(r.is_finite() && r > 0.0 && r <= MAX_RATE_PER_MILE))
        {
            report(
                "target_rate_per_mile",
                "The target rate must be in US dollars per mile, above 0 and at most 25, e.g. 2.45."
                    .to_owned(),
            );
        }
        if self
            .min_cargo_insurance
            .is_some_and(|m| !(m.is_finite() && m >= 0.0))
        {
            report(
                "min_cargo_insurance",
                "Minimum cargo insurance must be a non-negative amount in US dollars.".to_owned(),
            );
        }
        out
    }

    /// The least cargo insurance a carrier must carry: the profile's, else the default.
    pub fn min_cargo_insurance(&self) -> f64 {
        self.min_cargo_insurance
            .filter(|m| m.is_finite() && *m >= 0.0)
            .unwrap_or(DEFAULT_MIN_CARGO_INSURANCE)
    }

    /// Loads a week on the lane: the monthly volume spread over the year's weeks, or one
    /// load (a spot load) when the profile gives no volume. Never below zero.
    pub fn loads_per_week(&self) -> f64 {
        self.loads_per_month
            .map_or(1.0, |loads| f64::from(loads) * 12.0 / 52.0)
    }

    /// The target rate, when the profile gives a usable one.
    pub fn target_rate(&self) -> Option<f64> {
        self.target_rate_per_mile
            .filter(|r| r.is_finite() && *r > 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shortlist_sdk::serde_json;

    fn parse(json: &str) -> Profile {
        serde_json::from_str(json).unwrap()
    }

    const ALL: &[&str] = &[
        "origin",
        "destination",
        "equipment",
        "weight_lbs",
        "pickup_date",
        "loads_per_month",
        "target_rate_per_mile",
        "min_cargo_insurance",
    ];

    #[test]
    fn a_minimal_profile_parses() {
        let profile = parse(
            r#"{"entity": "desert-home-goods", "origin": "TX", "destination": "CA", "equipment": "dry_van"}"#,
        );
        assert_eq!(profile.origin, Code::Known(State::Tx));
        assert_eq!(profile.destination, Code::Known(State::Ca));
        assert_eq!(profile.equipment, Code::Known(Equipment::DryVan));
        assert!(!profile.hazmat);
        assert_eq!(profile.min_cargo_insurance(), 100_000.0);
        assert_eq!(profile.loads_per_week(), 1.0);
        assert_eq!(profile.target_rate(), None);
        assert!(profile.problems(ALL).is_empty());
    }

    #[test]
    fn a_full_profile_parses() {
        let profile = parse(
            r#"{"entity": "gulf-chem", "origin": "TX", "destination": "LA", "equipment": "tanker",
                "hazmat": true, "weight_lbs": 44000, "pickup_date": "2026-03-02", "loads_per_month": 26,
                "target_rate_per_mile": 3.4, "min_cargo_insurance": 250000, "unknown_field": 1}"#,
        );
        assert!(profile.hazmat);
        assert_eq!(
            profile.pickup_date.as_ref().and_then(Code::known),
            Date::from_ymd(2026, 3, 2)
        );
        assert_eq!(profile.min_cargo_insurance(), 250_000.0);
        assert!((profile.loads_per_week() - 6.0).abs() < 1e-9);
        assert_eq!(profile.target_rate(), Some(3.4));
        assert!(profile.problems(ALL).is_empty());
    }

    #[test]
    fn problems_name_the_field_and_the_fix() {
        let profile = parse(
            r#"{"entity": "x", "origin": "Texas", "destination": "ZZ", "equipment": "van",
                "weight_lbs": -1, "pickup_date": "soon", "loads_per_month": 0,
                "target_rate_per_mile": 2450, "min_cargo_insurance": -5}"#,
        );
        let problems: Vec<(String, String)> = profile
            .problems(ALL)
            .into_iter()
            .map(|p| (p.field, p.message))
            .collect();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "profile.origin",
                "profile.destination",
                "profile.equipment",
                "profile.weight_lbs",
                "profile.pickup_date",
                "profile.loads_per_month",
                "profile.target_rate_per_mile",
                "profile.min_cargo_insurance",
            ]
        );
        assert_eq!(
            problems[0].1,
            r#"Unknown state code "Texas": use a two-letter US state code such as TX or CA."#
        );
        assert_eq!(
            problems[2].1,
            r#"Unknown equipment "van": use one of dry_van, reefer, flatbed, step_deck, tanker, power_only."#
        );
        // A module only reports the fields it owns.
        assert_eq!(profile.problems(&["equipment"]).len(), 1);
        assert!(profile.problems(&["hazmat"]).is_empty());
    }

    #[test]
    fn a_load_too_heavy_for_its_equipment_is_refused() {
        let heavy = parse(
            r#"{"entity": "x", "origin": "TX", "destination": "CA", "equipment": "reefer", "weight_lbs": 44000}"#,
        );
        let problems = heavy.problems(&["weight_lbs"]);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message,
            "A reefer carries about 43,500 lbs without an overweight permit; split the load or book it \
             as a permitted load."
        );
        let flatbed = parse(
            r#"{"entity": "x", "origin": "TX", "destination": "CA", "equipment": "flatbed", "weight_lbs": 44000}"#,
        );
        assert!(flatbed.problems(&["weight_lbs"]).is_empty());
    }

    #[test]
    fn declare_uses_the_shared_descriptions() {
        let metadata = declare(
            Metadata::new("m", "0.1.0", "freight"),
            &["entity", "hazmat"],
        );
        assert_eq!(metadata.fields.len(), 2);
        assert!(metadata.fields[0].required);
        assert!(!metadata.fields[1].required);
        assert_eq!(metadata.fields[1].path, "hazmat");
    }

    #[test]
    #[should_panic(expected = "not in PROFILE_FIELDS")]
    fn declare_rejects_typos() {
        let _ = declare(Metadata::new("m", "0.1.0", "freight"), &["orgin"]);
    }
}
