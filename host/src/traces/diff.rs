//! What changes for each candidate between two evaluations of the same job on the same
//! pool: eligibility (and the filter verdicts behind it), tier, rank and fit, and the
//! module outputs (level and note per dimension) behind them; with counts.

use serde::Serialize;

use crate::eval::Evaluation;
use crate::traces::CandidateTrace;

/// One filter's verdict that changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FilterChange {
    /// The filter.
    pub module: String,
    /// Its rejection reason before (`None`: it kept the candidate).
    pub from: Option<String>,
    /// Its rejection reason after.
    pub to: Option<String>,
}

/// One dimension whose rating changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DimensionChange {
    /// The dimension.
    pub dimension: String,
    /// The scorer that rated it after (or before, when no longer rated).
    pub module: String,
    /// `level: note` before, when rated.
    pub from: Option<String>,
    /// `level: note` after, when rated.
    pub to: Option<String>,
}

/// How one candidate's outcome changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CandidateChange {
    /// Candidate name.
    pub name: String,
    /// Eligible before and after, when that changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible: Option<(bool, bool)>,
    /// Tier before and after (`None` when filtered), when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<(Option<String>, Option<String>)>,
    /// Rank before and after (`None` when filtered), when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<(Option<u32>, Option<u32>)>,
    /// Fit before and after, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<(Option<f64>, Option<f64>)>,
    /// Filter verdicts that changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<FilterChange>,
    /// Ratings that changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<DimensionChange>,
}

impl CandidateChange {
    /// Whether more than its rank moved: the candidate's own outcome changed.
    pub fn is_material(&self) -> bool {
        self.eligible.is_some()
            || self.tier.is_some()
            || self.fit.is_some()
            || !self.filters.is_empty()
            || !self.dimensions.is_empty()
    }
}

/// Counts over the candidates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Candidates in the pool.
    pub candidates: usize,
    /// Filtered before, eligible after.
    pub newly_eligible: usize,
    /// Eligible before, filtered after.
    pub newly_filtered: usize,
    /// Eligible both times with another tier.
    pub tier_changed: usize,
    /// Whose rank moved (filtered candidates have none).
    pub rank_changed: usize,
    /// With any rating or verdict changed.
    pub outputs_changed: usize,
    /// Nothing changed at all.
    pub unchanged: usize,
}

impl Counts {
    /// Adds another job's counts.
    pub fn add(&mut self, other: &Counts) {
        self.candidates += other.candidates;
        self.newly_eligible += other.newly_eligible;
        self.newly_filtered += other.newly_filtered;
        self.tier_changed += other.tier_changed;
        self.rank_changed += other.rank_changed;
        self.outputs_changed += other.outputs_changed;
        self.unchanged += other.unchanged;
    }
}

/// Two evaluations of one job compared.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    /// The job.
    pub eval_id: String,
    /// What it ran on first (its own release).
    pub from: String,
    /// What it ran on second.
    pub to: String,
    /// Status before and after (`completed`, or `failed: code: message`).
    pub status: (String, String),
    /// Counts.
    pub counts: Counts,
    /// Every candidate whose outcome or rank changed, best rank after first.
    pub candidates: Vec<CandidateChange>,
}

impl Diff {
    /// Whether anything differs.
    pub fn is_empty(&self) -> bool {
        self.status.0 == self.status.1 && self.candidates.is_empty()
    }

    /// Candidates whose own outcome changed (not only their rank).
    pub fn material(&self) -> impl Iterator<Item = &CandidateChange> {
        self.candidates.iter().filter(|c| c.is_material())
    }
}

fn status(evaluation: &Evaluation) -> String {
    match &evaluation.result.error {
        None => evaluation.result.status.to_owned(),
        Some(e) => format!("{}: {}: {}", evaluation.result.status, e.code, e.message),
    }
}

/// Compares two evaluations of the same job on the same pool (candidates by position).
pub fn diff(eval_id: &str, from: &str, to: &str, before: &Evaluation, after: &Evaluation) -> Diff {
    let mut counts = Counts {
        candidates: before.trace.candidates.len(),
        ..Counts::default()
    };
    let mut candidates = Vec::new();
    for (a, b) in before.trace.candidates.iter().zip(&after.trace.candidates) {
        let change = candidate(a, b);
        let (eligible_before, eligible_after) = (eligible(a), eligible(b));
        match (eligible_before, eligible_after) {
            (false, true) => counts.newly_eligible += 1,
            (true, false) => counts.newly_filtered += 1,
            (true, true) if change.tier.is_some() => counts.tier_changed += 1,
            _ => {}
        }
        if change.rank.is_some() {
            counts.rank_changed += 1;
        }
        if !change.filters.is_empty() || !change.dimensions.is_empty() {
            counts.outputs_changed += 1;
        }
        if change.is_material() || change.rank.is_some() {
            candidates.push(change);
        } else {
            counts.unchanged += 1;
        }
    }
    candidates.sort_by_key(|c| {
        let rank = c
            .rank
            .map_or_else(|| rank_of(after, &c.name), |(_, after)| after);
        (rank.is_none(), rank)
    });
    Diff {
        eval_id: eval_id.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        status: (status(before), status(after)),
        counts,
        candidates,
    }
}

fn rank_of(evaluation: &Evaluation, name: &str) -> Option<u32> {
    evaluation
        .trace
        .candidates
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.result.as_ref().map(|r| r.rank))
}

fn eligible(c: &CandidateTrace) -> bool {
    c.verdicts.iter().all(|v| v.eligible)
}

fn changed<T: PartialEq>(from: T, to: T) -> Option<(T, T)> {
    (from != to).then_some((from, to))
}

fn candidate(a: &CandidateTrace, b: &CandidateTrace) -> CandidateChange {
    let aggregate = |c: &CandidateTrace| c.result.as_ref().map(|r| (r.tier.clone(), r.rank, r.fit));
    let (before, after) = (aggregate(a), aggregate(b));
    let filters = a
        .verdicts
        .iter()
        .zip(&b.verdicts)
        .filter(|(x, y)| x.reason != y.reason || x.module != y.module)
        .map(|(x, y)| FilterChange {
            module: y.module.to_string(),
            from: x.reason.clone(),
            to: y.reason.clone(),
        })
        .collect();
    let rating = |c: &CandidateTrace, dimension: &str| {
        c.scores
            .iter()
            .find(|s| &*s.dimension == dimension)
            .map(|s| (format!("{}: {}", s.level, s.note), s.module.to_string()))
    };
    let mut dimensions: Vec<String> = a.scores.iter().map(|s| s.dimension.to_string()).collect();
    for s in &b.scores {
        if !dimensions.iter().any(|d| **d == *s.dimension) {
            dimensions.push(s.dimension.to_string());
        }
    }
    let dimensions = dimensions
        .into_iter()
        .filter_map(|dimension| {
            let (x, y) = (rating(a, &dimension), rating(b, &dimension));
            let (from, to) = (
                x.as_ref().map(|r| r.0.clone()),
                y.as_ref().map(|r| r.0.clone()),
            );
            // A candidate filtered on one side has no ratings there: its eligibility
            // change says it all.
            (from != to && from.is_some() && to.is_some()).then(|| DimensionChange {
                module: y.or(x).map(|r| r.1).unwrap_or_default(),
                dimension,
                from,
                to,
            })
        })
        .collect();
    CandidateChange {
        name: b.name.clone(),
        eligible: changed(eligible(a), eligible(b)),
        tier: changed(
            before.as_ref().map(|r| r.0.clone()),
            after.as_ref().map(|r| r.0.clone()),
        ),
        rank: changed(before.as_ref().map(|r| r.1), after.as_ref().map(|r| r.1)),
        fit: changed(before.as_ref().map(|r| r.2), after.as_ref().map(|r| r.2)),
        filters,
        dimensions,
    }
}

impl Diff {
    /// The diff as text for a person: counts, then each candidate whose own outcome
    /// changed (at most `limit`), with the verdicts and ratings behind it.
    pub fn to_text(&self, limit: usize) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "{}: {} -> {}", self.eval_id, self.from, self.to);
        if self.status.0 != self.status.1 {
            let _ = writeln!(out, "  status: {} -> {}", self.status.0, self.status.1);
        }
        let c = &self.counts;
        let _ = writeln!(
            out,
            "  {} candidates: {} newly filtered, {} newly eligible, {} tier changes, \
             {} rank moves, {} with other module output, {} unchanged",
            c.candidates,
            c.newly_filtered,
            c.newly_eligible,
            c.tier_changed,
            c.rank_changed,
            c.outputs_changed,
            c.unchanged
        );
        let material: Vec<&CandidateChange> = self.material().collect();
        for change in material.iter().take(limit) {
            let _ = writeln!(out, "  {}", change.headline());
            for f in &change.filters {
                let _ = writeln!(
                    out,
                    "      {}: {} -> {}",
                    f.module,
                    verdict(f.from.as_deref()),
                    verdict(f.to.as_deref())
                );
            }
            for d in &change.dimensions {
                let _ = writeln!(
                    out,
                    "      {} ({}): {} -> {}",
                    d.dimension,
                    d.module,
                    d.from.as_deref().unwrap_or("-"),
                    d.to.as_deref().unwrap_or("-")
                );
            }
        }
        if material.len() > limit {
            let _ = writeln!(
                out,
                "  ... {} more candidates changed (raise --limit, or --json for all)",
                material.len() - limit
            );
        }
        out
    }
}

fn verdict(reason: Option<&str>) -> String {
    reason.map_or_else(|| "kept".to_owned(), |r| format!("rejected ({r})"))
}

fn or_filtered<T: ToString>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map_or_else(|| "filtered".to_owned(), ToString::to_string)
}

impl CandidateChange {
    /// One line: the candidate and what became of it.
    pub fn headline(&self) -> String {
        let mut parts = Vec::new();
        if let Some((a, b)) = &self.tier {
            parts.push(format!("tier {} -> {}", or_filtered(a), or_filtered(b)));
        }
        if let Some((a, b)) = &self.rank {
            parts.push(format!("rank {} -> {}", or_filtered(a), or_filtered(b)));
        }
        if let Some((Some(a), Some(b))) = &self.fit {
            parts.push(format!("fit {a} -> {b}"));
        }
        if parts.is_empty() {
            parts.push("same tier and rank".to_owned());
        }
        format!("{}: {}", self.name, parts.join(", "))
    }
}
