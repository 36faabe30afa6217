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
        Ok(())
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
