//! Two stored evaluations of one organisation side by side, as an auditor asks "what
//! changed for whom between these two decisions" (before and after a release, or two
//! versions of a profile): which evaluation ran what, and the candidate-by-candidate
//! [`Changes`] of a what-if, read from the two stored traces without re-running anything.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::diff::{self, CandidateOutcome, Changes};

/// Two traces that cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Evaluations of different verticals rate different things. Returns 422 upstream.
    #[error(
        "{from} evaluated {from_vertical} and {to} evaluated {to_vertical}: only evaluations of one vertical compare"
    )]
    OtherVerticals {
        /// The first evaluation.
        from: String,
        /// Its vertical.
        from_vertical: String,
        /// The second evaluation.
        to: String,
        /// Its vertical.
        to_vertical: String,
    },
    /// A stored trace does not read as one. Returns 500 upstream.
    #[error("trace {eval_id} does not read: {message}")]
    Damaged {
        /// The evaluation.
        eval_id: String,
        /// Why.
        message: String,
    },
}

/// One side of a comparison: what the evaluation ran on and how it ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    /// The evaluation.
    pub eval_id: String,
    /// Its vertical.
    pub vertical: String,
    /// The release that ran it, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// The pool.
    pub pool: String,
    /// The pool's version (SHA-256 of its content).
    pub pool_version: String,
    /// Candidates in the pool.
    pub pool_size: usize,
    /// `completed`, or `failed: code: message`.
    pub status: String,
}

/// Two stored evaluations compared.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The first (earlier, or "before") evaluation.
    pub from: Side,
    /// The second.
    pub to: Side,
    /// Whether both evaluated the same profile (as the modules received it).
    pub same_profile: bool,
    /// Whether both ran on the same version of the pool.
    pub same_pool_version: bool,
    /// What changed, candidate by candidate (paired by name).
    #[serde(flatten)]
    pub changes: Changes,
}

/// What a comparison reads of a stored trace; the rest of it is ignored.
#[derive(Deserialize)]
struct Stored {
    eval_id: String,
    status: String,
    #[serde(default)]
    error: Option<StoredError>,
    vertical: String,
    #[serde(default)]
    release: Option<String>,
    pool: StoredPool,
    profile: Value,
    candidates: Vec<CandidateOutcome>,
}

#[derive(Deserialize)]
struct StoredError {
    code: String,
    message: String,
}

#[derive(Deserialize)]
struct StoredPool {
    id: String,
    version: String,
    size: usize,
}

impl Stored {
    fn parse(eval_id: &str, json: &[u8]) -> Result<Self, Error> {
        serde_json::from_slice(json).map_err(|e| Error::Damaged {
            eval_id: eval_id.to_owned(),
            message: e.to_string(),
        })
    }

    fn side(&self) -> Side {
        Side {
            eval_id: self.eval_id.clone(),
            vertical: self.vertical.clone(),
            release: self.release.clone(),
            pool: self.pool.id.clone(),
            pool_version: self.pool.version.clone(),
            pool_size: self.pool.size,
            status: match &self.error {
                None => self.status.clone(),
                Some(e) => format!("{}: {}: {}", self.status, e.code, e.message),
            },
        }
    }
}

/// Compares two stored traces' JSON (as [`super::stored::decode`] gives it back).
///
/// # Errors
///
/// [`Error::OtherVerticals`], or JSON that is not a trace.
pub fn compare(
    (from_id, from_json): (&str, &[u8]),
    (to_id, to_json): (&str, &[u8]),
) -> Result<Comparison, Error> {
    let before = Stored::parse(from_id, from_json)?;
    let after = Stored::parse(to_id, to_json)?;
    if before.vertical != after.vertical {
        return Err(Error::OtherVerticals {
            from: before.eval_id,
            from_vertical: before.vertical,
            to: after.eval_id,
            to_vertical: after.vertical,
        });
    }
    let (from, to) = (before.side(), after.side());
    Ok(Comparison {
        same_profile: before.profile == after.profile,
        same_pool_version: from.pool_version == to.pool_version,
        changes: diff::changes(
            (from.status.clone(), to.status.clone()),
            &before.candidates,
            &after.candidates,
        ),
        from,
        to,
    })
}

impl Comparison {
    /// The comparison as text for a person: what each side ran, then as
    /// [`Changes::to_text`].
    pub fn to_text(&self, limit: usize) -> String {
        let side = |s: &Side| {
            format!(
                "{} ({}, {} version {})",
                s.eval_id,
                s.release.as_deref().unwrap_or("modules from a directory"),
                s.pool,
                &s.pool_version[..s.pool_version.len().min(12)]
            )
        };
        let mut title = format!("{} -> {}", side(&self.from), side(&self.to));
        if !self.same_profile {
            title.push_str("\n  the profiles differ");
        }
        if !self.same_pool_version {
            title.push_str("\n  the pool versions differ");
        }
        self.changes.to_text(&title, limit)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn trace(id: &str, release: &str, pool_version: &str, candidates: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "eval_id": id, "status": "completed", "vertical": "insurance", "release": release,
            "pool": { "id": "carriers:all", "version": pool_version, "size": 3 },
            "profile": { "entity": "acme" }, "modules": [], "candidates": candidates,
        }))
        .unwrap()
    }

    fn ranked(name: &str, tier: &str, rank: u32, fit: f64, level: &str) -> Value {
        json!({
            "index": 0, "name": name,
            "verdicts": [{ "module": "eligibility", "eligible": true }],
            "scores": [{ "dimension": "appetite", "level": level, "note": "n", "evidence": "full", "module": "market-fit" }],
            "result": { "fit": fit, "tier": tier, "confidence": "HIGH", "evidence_share": 1.0, "reasoning": "r", "rank": rank },
        })
    }

    fn filtered(name: &str) -> Value {
        json!({ "index": 0, "name": name, "verdicts": [{ "module": "eligibility", "eligible": false, "reason": "state" }] })
    }

    #[test]
    fn two_stored_traces_compare_candidate_by_candidate_by_name() {
        let before = trace(
            "eval_a",
            "insurance@1",
            "v1",
            json!([
                ranked("Alpha", "STRONG_FIT", 1, 90.0, "L1"),
                ranked("Beta", "GOOD_FIT", 2, 70.0, "L2"),
                filtered("Gamma"),
                ranked("Delta", "WEAK_FIT", 3, 40.0, "L3"),
            ]),
        );
        // Delta left the pool, Epsilon joined; Beta and Gamma changed; order differs.
        let after = trace(
            "eval_b",
            "insurance@2",
            "v2",
            json!([
                ranked("Gamma", "GOOD_FIT", 2, 72.0, "L2"),
                ranked("Alpha", "STRONG_FIT", 1, 90.0, "L1"),
                filtered("Beta"),
                ranked("Epsilon", "WEAK_FIT", 3, 41.0, "L3"),
            ]),
        );
        let comparison = compare(("eval_a", &before), ("eval_b", &after)).unwrap();
        assert!(comparison.same_profile);
        assert!(!comparison.same_pool_version);
        assert_eq!(comparison.from.release.as_deref(), Some("insurance@1"));
        let c = &comparison.changes.counts;
        assert_eq!(
            (
                c.newly_eligible,
                c.newly_filtered,
                c.added,
                c.removed,
                c.unchanged
            ),
            (1, 1, 1, 1, 1)
        );
        let names: Vec<&str> = comparison
            .changes
            .candidates
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        // Best rank after first; those without a rank after (filtered or gone) last.
        assert_eq!(names, ["Gamma", "Epsilon", "Beta", "Delta"]);
        let headlines: Vec<String> = comparison
            .changes
            .candidates
            .iter()
            .map(diff::CandidateChange::headline)
            .collect();
        assert_eq!(headlines[1], "Epsilon: new in the pool (WEAK_FIT, rank 3)");
        assert_eq!(
            headlines[3],
            "Delta: no longer in the pool (was WEAK_FIT, rank 3)"
        );
        assert_eq!(
            headlines[0],
            "Gamma: tier filtered -> GOOD_FIT, rank filtered -> 2"
        );
        let text = comparison.to_text(10);
        assert!(text.contains("the pool versions differ"), "{text}");
        assert!(text.contains("1 candidates added, 1 removed"), "{text}");
    }

    #[test]
    fn evaluations_of_two_verticals_do_not_compare() {
        let insurance = trace("eval_a", "insurance@1", "v1", json!([]));
        let mut freight: Value = serde_json::from_slice(&insurance).unwrap();
        freight["vertical"] = json!("freight");
        let freight = serde_json::to_vec(&freight).unwrap();
        let e = compare(("eval_a", &insurance), ("eval_b", &freight)).unwrap_err();
        assert!(matches!(e, Error::OtherVerticals { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("only evaluations of one vertical compare")
        );
    }
}
