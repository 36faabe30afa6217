//! A vertical's manifest (`plugins/<vertical>/vertical.toml`): its modules and aggregation rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Error;

/// A fit level, `L1` (best) to `L4`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    /// Best fit.
    L1,
    /// Good fit.
    L2,
    /// Weak fit.
    L3,
    /// Poor fit.
    L4,
}

impl Level {
    /// Every level, best first.
    pub const ALL: [Level; 4] = [Level::L1, Level::L2, Level::L3, Level::L4];

    /// The level a module reported as 1..=4.
    pub fn from_wire(level: u8) -> Option<Level> {
        Self::ALL.get(usize::from(level).checked_sub(1)?).copied()
    }

    /// `L1`..`L4`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::L1 => "L1",
            Level::L2 => "L2",
            Level::L3 => "L3",
            Level::L4 => "L4",
        }
    }
}

/// One tier rule: a candidate gets the first tier whose conditions it meets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRule {
    /// Tier name as it appears in results, e.g. `STRONG_FIT`.
    pub name: String,
    /// Lowest fit (0..=100) of the tier.
    pub min_fit: f64,
    /// Worst level allowed on the named dimensions.
    #[serde(default)]
    pub worst: BTreeMap<String, Level>,
}

/// Thresholds of the confidence rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfidenceRule {
    /// Share of weight with full evidence (and none with no evidence) for `HIGH`.
    pub high: f64,
    /// Share of weight with full evidence for `MEDIUM`.
    pub medium: f64,
}

/// How the reasoning sentence is built.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasoningRule {
    /// How many of the best dimensions' notes lead the sentence.
    pub lead: usize,
}

/// The fields of profiles and candidates that stored traces mask (see
/// [`crate::traces::redact`]): dotted paths into the JSON objects, e.g. `revenue` or
/// `contact.email`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sensitive {
    /// Profile fields.
    #[serde(default)]
    pub profile: Vec<String>,
    /// Candidate fields.
    #[serde(default)]
    pub candidate: Vec<String>,
}

impl Sensitive {
    /// Whether nothing is marked.
    pub fn is_empty(&self) -> bool {
        self.profile.is_empty() && self.candidate.is_empty()
    }

    fn check(&self) -> Result<(), String> {
        for (side, paths) in [("profile", &self.profile), ("candidate", &self.candidate)] {
            for (i, path) in paths.iter().enumerate() {
                let valid = path.split('.').all(|segment| {
                    !segment.is_empty()
                        && segment
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                });
                if !valid {
                    return Err(format!(
                        "[sensitive] {side} has {path:?}: a field is a dotted path of names, e.g. \"contact.email\""
                    ));
                }
                if paths[..i].contains(path) {
                    return Err(format!("[sensitive] {side} lists {path} twice"));
                }
            }
        }
        if self.candidate.iter().any(|p| p == "name") {
            return Err(
                "[sensitive] candidate cannot list `name`: traces and results name each candidate by it"
                    .into(),
            );
        }
        if self.profile.iter().any(|p| p == "entity") {
            return Err(
                "[sensitive] profile cannot list `entity`: it identifies the evaluation's subject; mark the fields that describe it instead"
                    .into(),
            );
        }
        Ok(())
    }
}

/// A vertical's manifest, validated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Vertical name, e.g. `insurance`.
    pub vertical: String,
    /// One sentence on what the vertical ranks.
    pub description: String,
    /// The dimensions every eligible candidate is scored on, in display order.
    pub dimensions: Vec<String>,
    /// Module names, filters first.
    pub modules: Vec<String>,
    /// Weight of each dimension in the fit.
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    /// Points (0..=100) of each level.
    pub points: BTreeMap<Level, f64>,
    /// Tier rules, best first; the last accepts everything.
    pub tiers: Vec<TierRule>,
    /// The confidence rule.
    pub confidence: ConfidenceRule,
    /// The reasoning rule.
    pub reasoning: ReasoningRule,
    /// Fields masked in stored traces.
    #[serde(default, skip_serializing_if = "Sensitive::is_empty")]
    pub sensitive: Sensitive,
}

impl Manifest {
    /// Parses and validates a manifest. `origin` names it in errors.
    ///
    /// # Errors
    ///
    /// [`Error::Manifest`] naming the first problem.
    pub fn parse(origin: &str, text: &str) -> Result<Self, Error> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| Error::Manifest {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        manifest.check().map_err(|message| Error::Manifest {
            origin: origin.to_owned(),
            message,
        })?;
        Ok(manifest)
    }

    fn check(&self) -> Result<(), String> {
        // A vertical without dimensions is legitimate: eligibility only, every survivor in the last tier.
        if self.modules.is_empty() {
            return Err("a vertical needs at least one module".into());
        }
        // A weight of 0 shadows a dimension: rated and traced, counted in no fit,
        // confidence or reasoning, so a new scorer can ship before it weighs anything.
        for d in &self.dimensions {
            match self.weights.get(d) {
                Some(w) if w.is_finite() && *w >= 0.0 => {}
                _ => {
                    return Err(format!(
                        "dimension {d} needs a weight of 0 or more in [weights] (0 rates \
                         and traces it without counting it)"
                    ));
                }
            }
        }
        if !self.dimensions.is_empty() && self.dimensions.iter().all(|d| self.weight(d) == 0.0) {
            return Err("at least one dimension needs a positive weight".into());
        }
        let dimensions = || self.dimensions.iter().map(String::as_str);
        if let Some(extra) = self.weights.keys().find(|k| !self.dimensions.contains(k)) {
            return Err(format!(
                "[weights] has {extra}, which `dimensions` does not list{}",
                super::did_you_mean(extra, dimensions())
            ));
        }
        for level in Level::ALL {
            match self.points.get(&level) {
                Some(p) if (0.0..=100.0).contains(p) => {}
                _ => {
                    return Err(format!(
                        "points for {} must be between 0 and 100",
                        level.as_str()
                    ));
                }
            }
        }
        let Some(last) = self.tiers.last() else {
            return Err("at least one tier is needed".into());
        };
        if last.min_fit > 0.0 || !last.worst.is_empty() {
            return Err(format!(
                "the last tier ({}) must accept every candidate: min_fit 0, no `worst`",
                last.name
            ));
        }
        for tier in &self.tiers {
            if let Some(d) = tier.worst.keys().find(|d| !self.dimensions.contains(d)) {
                return Err(format!(
                    "tier {}'s `worst` names {d}, which `dimensions` does not list{}",
                    tier.name,
                    super::did_you_mean(d, dimensions())
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.confidence.high)
            || !(0.0..=1.0).contains(&self.confidence.medium)
        {
            return Err("confidence thresholds are shares between 0 and 1".into());
        }
        self.sensitive.check()
    }

    /// Weight of a dimension of this manifest.
    pub fn weight(&self, dimension: &str) -> f64 {
        self.weights.get(dimension).copied().unwrap_or(0.0)
    }

    /// Points of a level.
    pub fn points(&self, level: Level) -> f64 {
        self.points.get(&level).copied().unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FREIGHT: &str = include_str!("../../../plugins/freight/vertical.toml");

    fn with_sensitive(table: &str) -> Result<Manifest, Error> {
        let base = &FREIGHT[..FREIGHT.find("[sensitive]").expect("freight marks fields")];
        Manifest::parse("test", &format!("{base}[sensitive]\n{table}\n"))
    }

    #[test]
    fn sensitive_fields_are_dotted_paths_and_never_a_name() {
        let manifest = Manifest::parse("freight", FREIGHT).unwrap();
        assert_eq!(manifest.sensitive.profile, ["target_rate_per_mile"]);
        let nested = with_sensitive(r#"profile = ["contact.email"]"#).unwrap();
        assert_eq!(nested.sensitive.profile, ["contact.email"]);
        assert!(nested.sensitive.candidate.is_empty());
        for (table, says) in [
            (r#"profile = ["contact..email"]"#, "a dotted path of names"),
            (r#"profile = ["rate", "rate"]"#, "lists rate twice"),
            (r#"candidate = ["name"]"#, "cannot list `name`"),
            (r#"profile = ["entity"]"#, "cannot list `entity`"),
            (r#"profiles = ["rate"]"#, "unknown field `profiles`"),
        ] {
            let e = with_sensitive(table).unwrap_err().to_string();
            assert!(e.contains(says), "{table}: {e}");
        }
    }

    #[test]
    fn a_manifest_without_sensitive_fields_serialises_as_before() {
        let base = &FREIGHT[..FREIGHT.find("[sensitive]").unwrap()];
        let manifest = Manifest::parse("test", base).unwrap();
        assert!(manifest.sensitive.is_empty());
        let json = serde_json::to_string(&manifest).unwrap();
        assert!(!json.contains("sensitive"), "{json}");
    }
}
