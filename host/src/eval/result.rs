//! The seed's result shape: what the status endpoint shows and the webhook delivers.

use serde::Serialize;

use super::Confidence;
use crate::failure::FailureCode;
use crate::shared_str::SharedStr;
use serde::ser::{SerializeMap, Serializer};

/// A finished evaluation, as clients see it.
#[derive(Clone, Debug, Serialize)]
pub struct EvalResult {
    /// The evaluation identifier.
    pub eval_id: String,
    /// `completed` or `failed`.
    pub status: EvalStatus,
    /// Candidates in the pool before filtering.
    pub pool_size: usize,
    /// Candidates removed by the filter stage.
    pub filtered: usize,
    /// Candidates that passed filtering, best fit first.
    pub candidates: Vec<RankedCandidate>,
    /// Why the evaluation failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ResultError>,
    /// URL of the full audit trace.
    pub audit: String,
}

/// How an evaluation ended; written `completed` or `failed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EvalStatus {
    /// Every module ran: the shortlist stands.
    Completed,
    /// A module or the service failed: `error` says which and why.
    Failed,
}

impl EvalStatus {
    /// As written: `completed` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }
}

impl std::fmt::Display for EvalStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EvalStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A failure as clients see it: a stable code and a message naming the module.
#[derive(Clone, Debug, Serialize)]
pub struct ResultError {
    /// Stable code, e.g. `plugin_timeout`.
    pub code: FailureCode,
    /// What happened, naming the module.
    pub message: String,
}

/// One shortlisted candidate.
#[derive(Clone, Debug, Serialize)]
pub struct RankedCandidate {
    /// Tier name, e.g. `STRONG_FIT`.
    pub tier: SharedStr,
    /// Candidate name.
    pub name: SharedStr,
    /// `HIGH`, `MEDIUM` or `LOW`.
    pub confidence: Confidence,
    /// Level per dimension, in the vertical's dimension order.
    pub scores: Scores,
    /// Why this tier, in one sentence.
    pub reasoning: SharedStr,
}

/// Levels by dimension, serialized as a JSON object in the vertical's dimension order.
#[derive(Clone, Debug, Default)]
pub struct Scores(pub Vec<(SharedStr, &'static str)>);

impl Serialize for Scores {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (dimension, level) in &self.0 {
            map.serialize_entry(dimension, level)?;
        }
        map.end()
    }
}
