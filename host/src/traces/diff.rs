//! What changes for each candidate between two evaluations: eligibility (and the filter
//! verdicts behind it), tier, rank and fit, and the module outputs (level and note per
//! dimension) behind them; with counts. A what-if compares a job with itself re-run on
//! another release; an auditor compares two stored evaluations (see [`super::compare`]).
//! Candidates are paired by name, the n-th of a name with the n-th: on one pool version
//! that pairs each with itself, and across versions a candidate added or removed shows.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::CandidateTrace;

/// What a diff needs of one candidate's trace: its verdicts, ratings and aggregate. Read
/// from an evaluation's trace, or from a stored trace's JSON (other fields are ignored).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CandidateOutcome {
    /// Candidate name.
    pub name: String,
    /// One verdict per filter.
    #[serde(default)]
    pub verdicts: Vec<VerdictOutcome>,
    /// Ratings, when no filter rejected it.
    #[serde(default)]
    pub scores: Vec<RatingOutcome>,
    /// Aggregate, when no filter rejected it.
    #[serde(default)]
    pub result: Option<AggregateOutcome>,
}

/// A filter's verdict.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct VerdictOutcome {
    /// The filter.
    pub module: String,
    /// Whether it kept the candidate.
    pub eligible: bool,
    /// Why not.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A rating of one dimension.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RatingOutcome {
    /// The dimension.
    pub dimension: String,
    /// `L1`..`L4`.
    pub level: String,
    /// The scorer's note.
    pub note: String,
    /// The scorer.
    pub module: String,
}

/// What the aggregation made of a candidate.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AggregateOutcome {
    /// Tier name.
    pub tier: String,
    /// Rank, from 1.
    pub rank: u32,
    /// Fit.
    pub fit: f64,
}

impl From<&CandidateTrace> for CandidateOutcome {
    fn from(c: &CandidateTrace) -> Self {
        Self {
            name: c.name.to_string(),
            verdicts: c
                .verdicts
                .iter()
                .map(|v| VerdictOutcome {
                    module: v.module.to_string(),
                    eligible: v.eligible,
                    reason: v.reason.as_deref().map(str::to_owned),
                })
                .collect(),
            scores: c
                .scores
                .iter()
                .map(|s| RatingOutcome {
                    dimension: s.dimension.to_string(),
                    level: s.level.to_owned(),
                    note: s.note.to_string(),
                    module: s.module.to_string(),
                })
                .collect(),
            result: c.result.as_ref().map(|r| AggregateOutcome {
                tier: r.tier.to_string(),
                rank: r.rank,
                fit: r.fit,
            }),
        }
    }
}

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
    /// In the pool before and after, when that changed (two evaluations on different
    /// pool versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_pool: Option<(bool, bool)>,
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
        self.in_pool.is_some()
            || self.eligible.is_some()
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
    /// In the second pool only.
    #[serde(skip_serializing_if = "is_zero")]
    pub added: usize,
    /// In the first pool only.
    #[serde(skip_serializing_if = "is_zero")]
    pub removed: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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
        self.added += other.added;
        self.removed += other.removed;
    }
}

/// What changed between two evaluations, candidate by candidate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Changes {
    /// Status before and after (`completed`, or `failed: code: message`).
    pub status: (String, String),
    /// Counts.
    pub counts: Counts,
    /// Every candidate whose outcome or rank changed, best rank after first.
    pub candidates: Vec<CandidateChange>,
}

impl Changes {
    /// Whether anything differs.
    pub fn is_empty(&self) -> bool {
        self.status.0 == self.status.1 && self.candidates.is_empty()
    }

    /// Candidates whose own outcome changed (not only their rank).
    pub fn material(&self) -> impl Iterator<Item = &CandidateChange> {
        self.candidates.iter().filter(|c| c.is_material())
    }
}

/// Two evaluations of one job compared: a what-if.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    /// The job.
    pub eval_id: String,
    /// What it ran on first (its own release).
    pub from: String,
    /// What it ran on second.
    pub to: String,
    /// What changed.
    #[serde(flatten)]
    pub changes: Changes,
}

impl Diff {
    /// Whether anything differs.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Compares the candidates of two evaluations whose statuses were `status`.
pub fn changes(
    status: (String, String),
    before: &[CandidateOutcome],
    after: &[CandidateOutcome],
) -> Changes {
    let mut counts = Counts {
        candidates: before.len(),
        ..Counts::default()
    };
    let mut candidates = Vec::new();
    let mut count = |change: CandidateChange, counts: &mut Counts| {
        if change.is_material() || change.rank.is_some() {
            candidates.push(change);
        } else {
            counts.unchanged += 1;
        }
    };
    let mut unpaired: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (i, c) in after.iter().enumerate() {
        unpaired.entry(c.name.as_str()).or_default().push_back(i);
    }
    let mut paired = vec![false; after.len()];
    for a in before {
        let Some(j) = unpaired
            .get_mut(a.name.as_str())
            .and_then(VecDeque::pop_front)
        else {
            counts.removed += 1;
            count(only_in(a, (true, false)), &mut counts);
            continue;
        };
        paired[j] = true;
        let b = &after[j];
        let change = candidate(a, b);
        match (eligible(a), eligible(b)) {
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
        count(change, &mut counts);
    }
    for (b, _) in after.iter().zip(&paired).filter(|(_, p)| !**p) {
        counts.added += 1;
        count(only_in(b, (false, true)), &mut counts);
    }
    let rank_after = |change: &CandidateChange| match change.rank {
        Some((_, after_rank)) => after_rank,
        None => after
            .iter()
            .find(|c| c.name == change.name)
            .and_then(|c| c.result.as_ref().map(|r| r.rank)),
    };
    candidates.sort_by_cached_key(|c| {
        let rank = rank_after(c);
        (rank.is_none(), rank)
    });
    Changes {
        status,
        counts,
        candidates,
    }
}

/// A candidate in one evaluation's pool only.
fn only_in(c: &CandidateOutcome, in_pool: (bool, bool)) -> CandidateChange {
    fn side<T>(before: bool, value: T) -> (Option<T>, Option<T>) {
        if before {
            (Some(value), None)
        } else {
            (None, Some(value))
        }
    }
    let aggregate = c.result.as_ref();
    CandidateChange {
        name: c.name.clone(),
        in_pool: Some(in_pool),
        eligible: None,
        tier: aggregate.map(|r| side(in_pool.0, r.tier.clone())),
        rank: aggregate.map(|r| side(in_pool.0, r.rank)),
        fit: aggregate.map(|r| side(in_pool.0, r.fit)),
        filters: Vec::new(),
        dimensions: Vec::new(),
    }
}

fn eligible(c: &CandidateOutcome) -> bool {
    c.verdicts.iter().all(|v| v.eligible)
}

fn changed<T: PartialEq>(from: T, to: T) -> Option<(T, T)> {
    (from != to).then_some((from, to))
}

fn candidate(a: &CandidateOutcome, b: &CandidateOutcome) -> CandidateChange {
    let aggregate =
        |c: &CandidateOutcome| c.result.as_ref().map(|r| (r.tier.clone(), r.rank, r.fit));
    let (before, after) = (aggregate(a), aggregate(b));
    let filters = a
        .verdicts
        .iter()
        .zip(&b.verdicts)
        .filter(|(x, y)| x.reason != y.reason || x.module != y.module)
        .map(|(x, y)| FilterChange {
            module: y.module.clone(),
            from: x.reason.clone(),
            to: y.reason.clone(),
        })
        .collect();
    let rating = |c: &CandidateOutcome, dimension: &str| {
        c.scores
            .iter()
            .find(|s| s.dimension == dimension)
            .map(|s| (format!("{}: {}", s.level, s.note), s.module.clone()))
    };
    let mut dimensions: Vec<String> = a.scores.iter().map(|s| s.dimension.clone()).collect();
    for s in &b.scores {
        if !dimensions.contains(&s.dimension) {
            dimensions.push(s.dimension.clone());
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
        in_pool: None,
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
    /// The diff as text for a person: see [`Changes::to_text`].
    pub fn to_text(&self, limit: usize) -> String {
        self.changes.to_text(
            &format!("{}: {} -> {}", self.eval_id, self.from, self.to),
            limit,
        )
    }
}

impl Changes {
    /// The changes as text for a person: `title`, the counts, then each candidate whose
    /// own outcome changed (at most `limit`), with the verdicts and ratings behind it.
    pub fn to_text(&self, title: &str, limit: usize) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "{title}");
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
        if c.added + c.removed > 0 {
            let _ = writeln!(
                out,
                "  the pools differ: {} candidates added, {} removed",
                c.added, c.removed
            );
        }
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
        if let Some((before, _)) = self.in_pool {
            let side = |pair: &Option<(Option<String>, Option<String>)>| {
                pair.clone().and_then(|(a, b)| if before { a } else { b })
            };
            let rank = self.rank.and_then(|(a, b)| if before { a } else { b });
            let outcome = match (side(&self.tier), rank) {
                (Some(tier), Some(rank)) => format!("{tier}, rank {rank}"),
                _ => "filtered".to_owned(),
            };
            return if before {
                format!("{}: no longer in the pool (was {outcome})", self.name)
            } else {
                format!("{}: new in the pool ({outcome})", self.name)
            };
        }
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
