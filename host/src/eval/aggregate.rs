//! Turns a candidate's levels into fit, tier, confidence and a reasoning sentence (native, no I/O).

use std::borrow::Borrow;
use std::cell::RefCell;

use crate::runtime::Evidence;
use crate::shared_str::SharedStr;
use crate::vertical::{Level, Manifest};

/// One dimension's rating of one candidate.
#[derive(Clone, Debug)]
pub struct Rating {
    /// The level.
    pub level: Level,
    /// The scorer's note.
    pub note: SharedStr,
    /// How much data backed it.
    pub evidence: Evidence,
}

/// The aggregation of one candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregated {
    /// Weighted fit, 0..=100.
    pub fit: f64,
    /// Index of the tier in the manifest.
    pub tier: usize,
    /// How much of the fit rests on full evidence.
    pub confidence: Confidence,
    /// Share of weight with full evidence.
    pub evidence_share: f64,
    /// The reasoning sentence.
    pub reasoning: SharedStr,
}

/// How much of a candidate's fit rests on full evidence, best first; written in
/// capitals (`HIGH`) in results and traces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// At least the manifest's `high` share of the weight had full evidence, and none had none.
    High,
    /// At least its `medium` share had full evidence.
    Medium,
    /// Less.
    Low,
}

impl Confidence {
    /// Every confidence, best first: a confidence's position here is its rank.
    pub const ALL: [Self; 3] = [Self::High, Self::Medium, Self::Low];

    /// As written: `HIGH`, `MEDIUM` or `LOW`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "HIGH",
            Self::Medium => "MEDIUM",
            Self::Low => "LOW",
        }
    }

    /// Its position in [`Confidence::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The confidence written `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl std::fmt::Display for Confidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Confidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Aggregates the ratings of one candidate, one per manifest dimension, in manifest order.
pub fn aggregate<R: Borrow<Rating>>(manifest: &Manifest, ratings: &[R]) -> Aggregated {
    Rules::new(manifest).aggregate(ratings)
}

/// A manifest's aggregation rules, with every dimension named by its position: what
/// [`Rules::aggregate`] reads for every candidate, looked up by name once per
/// evaluation rather than dozens of times per candidate.
#[derive(Clone, Debug)]
pub struct Rules<'a> {
    manifest: &'a Manifest,
    /// The weight of each dimension, in manifest order.
    weights: Vec<f64>,
    /// The points of each level, best first.
    points: [f64; 4],
    /// The tiers, best first.
    tiers: Vec<Tier>,
    /// What making a reasoning sentence writes before the sentence is kept, reused from
    /// one candidate to the next: the dimensions in order, and the sentence.
    scratch: RefCell<(Vec<usize>, String)>,
}

/// A tier's rule, its dimensions named by position.
#[derive(Clone, Debug)]
struct Tier {
    /// Its lowest fit.
    min_fit: f64,
    /// The worst level allowed on each dimension it names (`None` for a dimension the
    /// manifest does not have, which no candidate meets).
    worst: Vec<(Option<usize>, Level)>,
}

impl<'a> Rules<'a> {
    /// The rules of `manifest`.
    pub fn new(manifest: &'a Manifest) -> Self {
        let position = |dimension: &str| manifest.dimensions.iter().position(|d| d == dimension);
        Self {
            manifest,
            weights: manifest
                .dimensions
                .iter()
                .map(|d| manifest.weight(d))
                .collect(),
            points: Level::ALL.map(|level| manifest.points(level)),
            tiers: manifest
                .tiers
                .iter()
                .map(|t| Tier {
                    min_fit: t.min_fit,
                    worst: t.worst.iter().map(|(d, l)| (position(d), *l)).collect(),
                })
                .collect(),
            scratch: RefCell::default(),
        }
    }

    /// Aggregates the ratings of one candidate, one per manifest dimension, in manifest
    /// order.
    pub fn aggregate<R: Borrow<Rating>>(&self, ratings: &[R]) -> Aggregated {
        let manifest = self.manifest;
        let mut total = 0.0;
        let mut score = 0.0;
        let mut full = 0.0;
        let mut none = 0.0;
        for (&weight, rating) in self.weights.iter().zip(ratings) {
            let rating = rating.borrow();
            total += weight;
            score += weight * self.points[rating.level as usize];
            match rating.evidence {
                Evidence::Full => full += weight,
                Evidence::None => none += weight,
                Evidence::Partial => {}
            }
        }
        let fit = if total > 0.0 { score / total } else { 0.0 };
        let evidence_share = if total > 0.0 { full / total } else { 0.0 };

        let tier = self
            .tiers
            .iter()
            .position(|tier| {
                fit >= tier.min_fit
                    && tier.worst.iter().all(|&(d, worst)| {
                        d.and_then(|i| ratings.get(i))
                            .is_some_and(|r| r.borrow().level <= worst)
                    })
            })
            .unwrap_or(self.tiers.len() - 1);

        let confidence = if evidence_share >= manifest.confidence.high && none == 0.0 {
            Confidence::High
        } else if evidence_share >= manifest.confidence.medium {
            Confidence::Medium
        } else {
            Confidence::Low
        };

        Aggregated {
            fit,
            tier,
            confidence,
            evidence_share,
            reasoning: self.reasoning(ratings),
        }
    }

    /// Joins the notes of the best dimensions (by level, then weight, then manifest
    /// order), and adds the worst one when it is L3 or below. A dimension weighted 0 is
    /// left out.
    fn reasoning<R: Borrow<Rating>>(&self, ratings: &[R]) -> SharedStr {
        let rating = |i: usize| ratings[i].borrow();
        let weight = |i: usize| self.weights[i];
        let lead = self.manifest.reasoning.lead;
        let mut scratch = self.scratch.borrow_mut();
        let (order, sentence) = &mut *scratch;
        order.clear();
        order.extend((0..ratings.len().min(self.weights.len())).filter(|&i| weight(i) > 0.0));
        order.sort_by(|&a, &b| {
            rating(a)
                .level
                .cmp(&rating(b).level)
                .then(weight(b).total_cmp(&weight(a)))
                .then(a.cmp(&b))
        });
        sentence.clear();
        for note in order.iter().take(lead).map(|&i| &rating(i).note) {
            if !note.is_empty() {
                if !sentence.is_empty() {
                    sentence.push_str(", ");
                }
                sentence.push_str(note);
            }
        }
        if let Some(&worst) = order.iter().rev().find(|&&i| rating(i).level >= Level::L3)
            && !order.iter().take(lead).any(|&i| i == worst)
            && !rating(worst).note.is_empty()
        {
            sentence.push_str("; but ");
            sentence.push_str(&rating(worst).note);
        }
        let Some(first) = sentence.chars().next() else {
            return SharedStr::default();
        };
        if first.is_ascii() {
            sentence[..1].make_ascii_uppercase();
        } else {
            *sentence = format!("{}{}", first.to_uppercase(), &sentence[first.len_utf8()..]);
        }
        sentence.push('.');
        SharedStr::from(sentence.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::parse(
            "test",
            include_str!("../../../plugins/insurance/vertical.toml"),
        )
        .unwrap()
    }

    fn ratings(levels: [Level; 6], evidence: Evidence) -> Vec<Rating> {
        levels
            .iter()
            .enumerate()
            .map(|(i, &level)| Rating {
                level,
                note: format!("note {i}").into(),
                evidence,
            })
            .collect()
    }

    #[test]
    fn all_l1_with_full_evidence_is_a_strong_high_fit() {
        let a = aggregate(&manifest(), &ratings([Level::L1; 6], Evidence::Full));
        assert_eq!(a.fit, 100.0);
        assert_eq!(manifest().tiers[a.tier].name, "STRONG_FIT");
        assert_eq!(a.confidence, Confidence::High);
        assert_eq!(a.reasoning, "Note 0, note 1, note 2.");
    }

    #[test]
    fn a_weak_gate_dimension_caps_the_tier_and_is_named() {
        use Level::*;
        // Fit is high, but appetite at L3 bars STRONG_FIT and GOOD_FIT's `worst` allows L3.
        let a = aggregate(
            &manifest(),
            &ratings([L3, L1, L1, L1, L1, L1], Evidence::Partial),
        );
        assert_eq!(manifest().tiers[a.tier].name, "GOOD_FIT");
        assert_eq!(a.confidence, Confidence::Low);
        assert!(a.reasoning.ends_with("; but note 0."), "{}", a.reasoning);
    }

    #[test]
    fn a_dimension_weighted_zero_counts_in_no_fit_confidence_or_reasoning() {
        use Level::*;
        let mut shadowed = manifest();
        let first = shadowed.dimensions[0].clone();
        shadowed.weights.insert(first, 0.0);
        // The shadowed dimension is the only L1 with no evidence: without it, all L2 and full.
        let mut rated = ratings([L1, L2, L2, L2, L2, L2], Evidence::Full);
        rated[0].evidence = Evidence::None;
        let a = aggregate(&shadowed, &rated);
        assert_eq!(a.fit, shadowed.points(L2));
        assert_eq!(a.confidence, Confidence::High);
        assert!(!a.reasoning.contains("note 0"), "{}", a.reasoning);
    }

    #[test]
    fn one_set_of_rules_gives_each_candidate_its_own_sentence() {
        use Level::*;
        let manifest = manifest();
        let rules = Rules::new(&manifest);
        let mut accented = ratings([L1; 6], Evidence::Full);
        accented[0].note = "écrit en français".into();
        let first = rules.aggregate(&accented);
        assert!(
            first.reasoning.starts_with("Écrit en français, "),
            "{}",
            first.reasoning
        );
        // The same rules again: nothing of the first sentence is left in the second.
        let second = rules.aggregate(&ratings([L1; 6], Evidence::Full));
        assert_eq!(second.reasoning, "Note 0, note 1, note 2.");
        assert_eq!(
            second,
            aggregate(&manifest, &ratings([L1; 6], Evidence::Full))
        );
        // No note: no sentence.
        let mut silent = ratings([L1; 6], Evidence::Full);
        for r in &mut silent {
            r.note = SharedStr::default();
        }
        assert_eq!(rules.aggregate(&silent).reasoning, "");
    }

    #[test]
    fn all_l4_falls_to_the_last_tier() {
        let a = aggregate(&manifest(), &ratings([Level::L4; 6], Evidence::None));
        assert_eq!(a.fit, 0.0);
        assert_eq!(a.tier, manifest().tiers.len() - 1);
    }
}
