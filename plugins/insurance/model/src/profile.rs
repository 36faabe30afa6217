//! The profile: what a broker submits about the business to insure.

use shortlist_sdk::serde::Deserialize;
use shortlist_sdk::{FieldProblem, Metadata};

use crate::codes::{Code, Line, Naics, State};
use shortlist_sdk::date::Date;

/// A broker's submission. Only `entity`, `state`, `line` and `revenue` are required;
/// rules that need a missing optional field say so with `Evidence::Partial`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(crate = "shortlist_sdk::serde")]
pub struct Profile {
    /// The business's identifier, e.g. `acme-manufacturing`.
    pub entity: String,
    /// Where the business (its main location) is.
    pub state: Code<State>,
    /// The coverage requested.
    pub line: Code<Line>,
    /// Annual revenue in US dollars.
    pub revenue: f64,
    /// The business's six-digit NAICS classification.
    #[serde(default)]
    pub naics: Option<Code<Naics>>,
    /// Number of employees.
    #[serde(default)]
    pub employees: Option<u32>,
    /// Annual payroll in US dollars (the workers' comp exposure base).
    #[serde(default)]
    pub payroll: Option<f64>,
    /// Number of vehicles (the commercial auto exposure base).
    #[serde(default)]
    pub vehicles: Option<u32>,
    /// Whole years the business has operated.
    #[serde(default)]
    pub years_in_business: Option<u32>,
    /// Workers' comp experience modification factor (1.00 is average; above is worse).
    #[serde(default)]
    pub experience_mod: Option<f64>,
    /// Claims over the loss-run period (usually 3 to 5 years).
    #[serde(default)]
    pub loss_history: Option<LossHistory>,
    /// Limits requested; standard limits for the line when absent.
    #[serde(default)]
    pub limits: Option<Limits>,
    /// The annual premium the broker expects, in US dollars; estimated from exposure when absent.
    #[serde(default)]
    pub expected_premium: Option<f64>,
    /// When the policy would start (`YYYY-MM-DD`); used to judge how current a carrier's appetite is.
    #[serde(default)]
    pub effective_date: Option<Code<Date>>,
}

/// Claims history from the business's loss runs.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(crate = "shortlist_sdk::serde")]
pub struct LossHistory {
    /// Number of claims.
    pub claims: u32,
    /// Total incurred, in US dollars.
    #[serde(default)]
    pub amount: Option<f64>,
    /// Years the loss runs cover.
    #[serde(default)]
    pub years: Option<u32>,
}

/// Limits requested, in US dollars.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(crate = "shortlist_sdk::serde")]
pub struct Limits {
    /// Per occurrence (or per claim).
    pub per_occurrence: f64,
    /// Aggregate over the policy period; only the per-occurrence limit is compared when absent.
    #[serde(default)]
    pub aggregate: Option<f64>,
}

/// An annual premium, and whether it was estimated rather than given by the broker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Premium {
    /// US dollars.
    pub amount: f64,
    /// True when derived from exposure rather than stated in the profile.
    pub estimated: bool,
}

/// Every profile field a module may read: (path, required, description).
/// Modules declare theirs with [`declare`], so descriptions stay the same across modules.
pub const PROFILE_FIELDS: &[(&str, bool, &str)] = &[
    (
        "entity",
        true,
        "Identifier of the business, e.g. acme-manufacturing.",
    ),
    (
        "state",
        true,
        "Two-letter US state code of the main location, e.g. CA.",
    ),
    (
        "line",
        true,
        "Coverage requested: professional_liability, general_liability, workers_compensation, bop, cyber, \
         commercial_auto or property.",
    ),
    (
        "revenue",
        true,
        "Annual revenue in US dollars, e.g. 12000000.",
    ),
    (
        "naics",
        false,
        "Six-digit NAICS code as a string, e.g. \"332710\".",
    ),
    ("employees", false, "Number of employees."),
    ("payroll", false, "Annual payroll in US dollars."),
    (
        "vehicles",
        false,
        "Number of vehicles, for commercial auto.",
    ),
    ("years_in_business", false, "Whole years in business."),
    (
        "experience_mod",
        false,
        "Workers' comp experience modification factor, e.g. 0.95.",
    ),
    ("loss_history", false, "Loss runs: {claims, amount, years}."),
    (
        "limits",
        false,
        "Limits requested in US dollars: {per_occurrence, aggregate}; standard limits when absent.",
    ),
    (
        "expected_premium",
        false,
        "Expected annual premium in US dollars; estimated from exposure when absent.",
    ),
    (
        "effective_date",
        false,
        "Policy start date, YYYY-MM-DD; used to judge how current appetite data is.",
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
            if paths.contains(&field.split('.').next().unwrap_or(field)) {
                out.push(FieldProblem {
                    field: format!("profile.{field}"),
                    message,
                });
            }
        };
        if let Code::Unknown(text) = &self.state {
            report(
                "state",
                format!(
                    "Unknown state code {text:?}: use a two-letter US state code such as CA or NY."
                ),
            );
        }
        if let Code::Unknown(text) = &self.line {
            let known: Vec<&str> = Line::ALL.iter().map(|l| l.code()).collect();
            report(
                "line",
                format!("Unknown line {text:?}: use one of {}.", known.join(", ")),
            );
        }
        if !(self.revenue.is_finite() && self.revenue >= 0.0) {
            report(
                "revenue",
                "Revenue must be a non-negative amount in US dollars.".to_owned(),
            );
        }
        if let Some(Code::Unknown(text)) = &self.naics {
            report(
                "naics",
                format!("NAICS code {text:?} must be exactly 6 digits, e.g. \"332710\"."),
            );
        }
        if self.payroll.is_some_and(|p| !(p.is_finite() && p >= 0.0)) {
            report(
                "payroll",
                "Payroll must be a non-negative amount in US dollars.".to_owned(),
            );
        }
        if self
            .experience_mod
            .is_some_and(|m| !(m.is_finite() && m > 0.0 && m < 10.0))
        {
            report(
                "experience_mod",
                "Experience mod must be a positive factor such as 0.85 or 1.30.".to_owned(),
            );
        }
        if let Some(amount) = self.loss_history.as_ref().and_then(|h| h.amount)
            && !(amount.is_finite() && amount >= 0.0)
        {
            report(
                "loss_history.amount",
                "Loss amount must be a non-negative amount in US dollars.".to_owned(),
            );
        }
        if let Some(limits) = &self.limits {
            if !(limits.per_occurrence.is_finite() && limits.per_occurrence > 0.0) {
                report(
                    "limits.per_occurrence",
                    "The per-occurrence limit must be a positive amount.".to_owned(),
                );
            } else if limits
                .aggregate
                .is_some_and(|a| !(a.is_finite() && a >= limits.per_occurrence))
            {
                report(
                    "limits.aggregate",
                    "The aggregate limit must be at least the per-occurrence limit.".to_owned(),
                );
            }
        }
        if self
            .expected_premium
            .is_some_and(|p| !(p.is_finite() && p > 0.0))
        {
            report(
                "expected_premium",
                "Expected premium must be a positive amount in US dollars.".to_owned(),
            );
        }
        if let Some(Code::Unknown(text)) = &self.effective_date {
            report(
                "effective_date",
                format!("Effective date {text:?} must be a date as YYYY-MM-DD."),
            );
        }
        out
    }

    /// The premium this submission is expected to cost on `line`: the broker's figure, or an
    /// estimate from its exposure base.
    ///
    /// Estimates use rough small-commercial rates (e.g. prof. liability ~$0.90 per $1,000 of
    /// revenue, workers' comp ~$1.50 per $100 of payroll); they only need to tell a $2,500
    /// minimum premium from a $25,000 one.
    pub fn expected_premium(&self, line: Line) -> Premium {
        if let Some(amount) = self.expected_premium.filter(|p| p.is_finite() && *p > 0.0) {
            return Premium {
                amount,
                estimated: false,
            };
        }
        let revenue = self.revenue.max(0.0);
        // Payroll is typically about a third of revenue, and ~$55K per employee.
        let payroll = self
            .payroll
            .or_else(|| self.employees.map(|e| f64::from(e) * 55_000.0))
            .unwrap_or(revenue * 0.3);
        let trucking = self
            .naics
            .as_ref()
            .and_then(Code::known)
            .is_some_and(|n| n.prefix(3) == 484);
        let (base, floor) = match line {
            Line::ProfessionalLiability => (revenue * 0.0009, 750.0),
            Line::GeneralLiability => (revenue * 0.0025, 500.0),
            Line::WorkersCompensation => (
                payroll * 0.015 * self.experience_mod.unwrap_or(1.0),
                1_000.0,
            ),
            Line::Bop => (revenue * 0.0012, 500.0),
            Line::Cyber => (revenue * 0.0015, 1_000.0),
            Line::CommercialAuto => {
                let per_vehicle = if trucking { 12_000.0 } else { 3_500.0 };
                (
                    self.vehicles
                        .map_or(revenue * 0.02, |v| f64::from(v) * per_vehicle),
                    1_500.0,
                )
            }
            Line::Property => (revenue * 0.002, 1_000.0),
        };
        // Each claim in the loss runs adds about 10% (capped at +50%), as an underwriter's debit would.
        let claims = self.loss_history.as_ref().map_or(0, |h| h.claims.min(5));
        let surcharge = 1.0 + 0.1 * f64::from(claims);
        Premium {
            amount: (base * surcharge).max(floor),
            estimated: true,
        }
    }

    /// The limits to compare with a carrier's: those requested, else the line's standard limits.
    /// `None` when the line's limits are not compared (workers' comp, property).
    pub fn requested_limits(&self, line: Line) -> Option<(f64, Option<f64>)> {
        // A line without standard limits is one whose limits are not compared, even when
        // the submission states some.
        let (occurrence, aggregate) = line.standard_limits()?;
        Some(match &self.limits {
            Some(limits) => (limits.per_occurrence, limits.aggregate),
            None => (occurrence as f64, Some(aggregate as f64)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shortlist_sdk::serde_json;

    fn parse(json: &str) -> Profile {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_seed_profile_parses() {
        let profile = parse(
            r#"{"entity": "acme-manufacturing", "state": "CA", "line": "professional_liability", "revenue": 12000000}"#,
        );
        assert_eq!(profile.state, Code::Known(State::Ca));
        assert_eq!(profile.line, Code::Known(Line::ProfessionalLiability));
        assert_eq!(profile.revenue, 12_000_000.0);
        assert_eq!(profile.naics, None);
        assert!(profile.problems(&["state", "line", "revenue"]).is_empty());
    }

    #[test]
    fn a_full_profile_parses() {
        let profile = parse(
            r#"{"entity": "sunrise-builders", "state": "FL", "line": "workers_compensation", "revenue": 9e6,
                "naics": "236118", "employees": 45, "payroll": 3200000, "years_in_business": 11,
                "experience_mod": 1.3, "loss_history": {"claims": 3, "amount": 85000, "years": 3},
                "limits": {"per_occurrence": 1000000, "aggregate": 1000000}, "expected_premium": 60000,
                "effective_date": "2027-01-01", "unknown_field": true}"#,
        );
        assert_eq!(
            profile.naics.as_ref().and_then(Code::known),
            "236118".parse().ok()
        );
        assert_eq!(profile.experience_mod, Some(1.3));
        assert_eq!(profile.loss_history.as_ref().map(|h| h.claims), Some(3));
        assert_eq!(
            profile.effective_date.as_ref().and_then(Code::known),
            Date::from_ymd(2027, 1, 1)
        );
        assert!(
            profile
                .problems(&["naics", "experience_mod", "limits", "effective_date"])
                .is_empty()
        );
    }

    #[test]
    fn problems_name_the_field_and_the_fix() {
        let profile = parse(
            r#"{"entity": "x", "state": "ZZ", "line": "boat", "revenue": -5, "naics": "5415",
                "experience_mod": 0, "limits": {"per_occurrence": 2000000, "aggregate": 1000000},
                "effective_date": "next week"}"#,
        );
        let all = [
            "state",
            "line",
            "revenue",
            "naics",
            "experience_mod",
            "limits",
            "effective_date",
        ];
        let problems: Vec<(String, String)> = profile
            .problems(&all)
            .into_iter()
            .map(|p| (p.field, p.message))
            .collect();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "profile.state",
                "profile.line",
                "profile.revenue",
                "profile.naics",
                "profile.experience_mod",
                "profile.limits.aggregate",
                "profile.effective_date"
            ]
        );
        assert_eq!(
            problems[0].1,
            r#"Unknown state code "ZZ": use a two-letter US state code such as CA or NY."#
        );
        assert_eq!(
            problems[1].1,
            r#"Unknown line "boat": use one of professional_liability, general_liability, workers_compensation, bop, cyber, commercial_auto, property."#
        );
        assert_eq!(
            problems[3].1,
            r#"NAICS code "5415" must be exactly 6 digits, e.g. "332710"."#
        );
        // A module only reports the fields it owns.
        assert_eq!(profile.problems(&["limits"]).len(), 1);
        assert!(profile.problems(&["payroll"]).is_empty());
    }

    #[test]
    fn premium_is_given_or_estimated() {
        let seed = parse(
            r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 12000000}"#,
        );
        let premium = seed.expected_premium(Line::ProfessionalLiability);
        assert!(premium.estimated);
        assert!((premium.amount - 10_800.0).abs() < 1e-6);

        let given = parse(
            r#"{"entity": "a", "state": "CA", "line": "cyber", "revenue": 1, "expected_premium": 9000}"#,
        );
        assert_eq!(
            given.expected_premium(Line::Cyber),
            Premium {
                amount: 9_000.0,
                estimated: false
            }
        );

        let tiny = parse(r#"{"entity": "a", "state": "CA", "line": "bop", "revenue": 10000}"#);
        assert_eq!(tiny.expected_premium(Line::Bop).amount, 500.0);

        let trucks = parse(
            r#"{"entity": "a", "state": "TX", "line": "commercial_auto", "revenue": 8500000, "naics": "484121",
                "vehicles": 10, "loss_history": {"claims": 2}}"#,
        );
        assert!((trucks.expected_premium(Line::CommercialAuto).amount - 144_000.0).abs() < 1e-6);

        let comp = parse(
            r#"{"entity": "a", "state": "FL", "line": "workers_compensation", "revenue": 9000000,
                "payroll": 2000000, "experience_mod": 1.3}"#,
        );
        assert!((comp.expected_premium(Line::WorkersCompensation).amount - 39_000.0).abs() < 1e-6);
    }

    #[test]
    fn requested_limits_default_to_standard() {
        let seed = parse(
            r#"{"entity": "a", "state": "CA", "line": "professional_liability", "revenue": 1}"#,
        );
        assert_eq!(
            seed.requested_limits(Line::ProfessionalLiability),
            Some((1_000_000.0, Some(2_000_000.0)))
        );
        assert_eq!(seed.requested_limits(Line::WorkersCompensation), None);
        let comp = parse(
            r#"{"entity": "a", "state": "FL", "line": "workers_compensation", "revenue": 1, "limits": {"per_occurrence": 1000000, "aggregate": 1000000}}"#,
        );
        assert_eq!(
            comp.requested_limits(Line::WorkersCompensation),
            None,
            "stated workers' comp limits are not compared either"
        );
        let asked = parse(
            r#"{"entity": "a", "state": "CA", "line": "cyber", "revenue": 1, "limits": {"per_occurrence": 3000000}}"#,
        );
        assert_eq!(
            asked.requested_limits(Line::Cyber),
            Some((3_000_000.0, None))
        );
    }

    #[test]
    fn declare_uses_the_shared_descriptions() {
        let metadata = declare(
            Metadata::new("m", "0.1.0", "insurance"),
            &["entity", "naics"],
        );
        assert_eq!(metadata.fields.len(), 2);
        assert!(metadata.fields[0].required);
        assert!(!metadata.fields[1].required);
        assert_eq!(metadata.fields[1].path, "naics");
    }

    #[test]
    #[should_panic(expected = "not in PROFILE_FIELDS")]
    fn declare_rejects_typos() {
        let _ = declare(Metadata::new("m", "0.1.0", "insurance"), &["nacis"]);
    }
}
