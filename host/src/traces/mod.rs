//! The audit trace of one evaluation: which module version decided what, for
//! which candidate, and why. Traces are data, serialized as JSON; with timings
//! off they are a pure function of the evaluation's inputs, byte for byte.
//! [`stored`] owns how they are stored and read back ([`columns`] the columnar form, in
//! pages; [`view`] the parts the viewer reads); [`links`] the signed links that open
//! them in a browser; [`diff`] what changed between two evaluations, and [`compare`] two
//! stored evaluations of one organisation side by side; [`redact`] which fields a
//! stored trace masks.

pub mod columns;
pub mod compare;
pub mod diff;
pub mod links;
pub mod redact;
pub mod stored;
pub mod view;

use serde::Serialize;
use serde_json::Value;

use crate::eval::{Confidence, EvalStatus};
use crate::failure::FailureCode;
use crate::runtime::LogLine;
use crate::shared_str::SharedStr;
use crate::vertical::Manifest;

/// The whole trace of one evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    /// The evaluation's id.
    pub eval_id: String,
    /// `completed` or `failed`.
    pub status: EvalStatus,
    /// Why it failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<TraceError>,
    /// The vertical evaluated.
    pub vertical: String,
    /// The vertical's release whose modules and manifest ran, e.g. `insurance@2`: what
    /// `shortlist replay` re-runs. Absent for modules loaded from a directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// The pool and its version.
    pub pool: PoolRef,
    /// The profile, as the modules received it, but for the fields the manifest marks
    /// sensitive (see [`redact`]).
    pub profile: Value,
    /// The fields masked, when the manifest marks any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redacted: Option<redact::Redacted>,
    /// What the modules saw of the world.
    pub sandbox: SandboxRef,
    /// Every module that ran, in pipeline order, with its identity and calls.
    pub modules: Vec<ModuleTrace>,
    /// The aggregation rules applied (the vertical's manifest).
    pub aggregation: Manifest,
    /// Every candidate of the pool, in pool order.
    pub candidates: Vec<CandidateTrace>,
}

/// A failure, as recorded in the trace.
#[derive(Clone, Debug, Serialize)]
pub struct TraceError {
    /// Stable code, e.g. `plugin_timeout`.
    pub code: FailureCode,
    /// What happened.
    pub message: String,
    /// The module at fault, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
}

/// The pool an evaluation ran on.
#[derive(Clone, Debug, Serialize)]
pub struct PoolRef {
    /// Pool identifier, e.g. `carriers:all`.
    pub id: String,
    /// SHA-256 of the pool's canonical JSON.
    pub version: String,
    /// Candidates in the pool.
    pub size: usize,
}

/// The fixed clock and seed the modules saw.
#[derive(Clone, Debug, Serialize)]
pub struct SandboxRef {
    /// Wall clock, seconds since the Unix epoch.
    pub clock_unix_seconds: u64,
    /// The random seed, hex.
    pub seed: String,
}

/// The limits a module's calls ran under, as a trace reports them: kept beside the
/// stored trace with the wall times (see [`stored`]), as they are the service's settings,
/// not the evaluation's inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LimitsRef {
    /// Wall-clock deadline per call, ms: `plugin_timeout`.
    pub deadline_ms: u64,
    /// Instructions per call: `plugin_fuel_exhausted`.
    pub fuel: u64,
    /// Linear memory: `plugin_memory_exceeded`.
    pub memory_bytes: u64,
    /// A call's result: `plugin_output_too_large`.
    pub output_bytes: u64,
    /// Log lines kept per call.
    pub log_lines: u64,
}

impl From<&crate::runtime::Limits> for LimitsRef {
    fn from(limits: &crate::runtime::Limits) -> Self {
        LimitsRef {
            deadline_ms: limits.deadline.as_millis() as u64,
            fuel: limits.fuel,
            memory_bytes: limits.memory_bytes as u64,
            output_bytes: limits.output_bytes as u64,
            log_lines: limits.log_lines as u64,
        }
    }
}

/// One module's part in the evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct ModuleTrace {
    /// Module name.
    pub name: String,
    /// Author's version.
    pub version: String,
    /// `filter` or `scorer`.
    pub kind: crate::runtime::Kind,
    /// SHA-256 of the component: what an auditor replays.
    pub sha256: String,
    /// Candidates it was given.
    pub candidates: usize,
    /// Instructions it consumed.
    pub fuel_used: u64,
    /// Wall time in microseconds, instantiation included; only when timings were asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_time_us: Option<u64>,
    /// Lines it logged.
    pub logs: Vec<LogLine>,
    /// Lines beyond the log cap.
    pub logs_dropped: u64,
}

/// One candidate's path through the evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct CandidateTrace {
    /// Position in the pool.
    pub index: u32,
    /// Candidate name.
    pub name: SharedStr,
    /// One verdict per filter.
    pub verdicts: Vec<Verdict>,
    /// Ratings, for candidates no filter rejected.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<ScoreTrace>,
    /// Aggregated result, for candidates no filter rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Aggregate>,
}

/// A filter's verdict on a candidate.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// Filter name (shared by every verdict of the filter).
    pub module: SharedStr,
    /// Whether the filter kept the candidate.
    pub eligible: bool,
    /// Why not, when rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<SharedStr>,
}

/// A rating of one dimension.
#[derive(Clone, Debug, Serialize)]
pub struct ScoreTrace {
    /// Dimension name (shared by every rating of the dimension).
    pub dimension: SharedStr,
    /// `L1`..`L4`.
    pub level: &'static str,
    /// The module's note.
    pub note: SharedStr,
    /// `full`, `partial` or `none`.
    pub evidence: &'static str,
    /// The scorer that rated it (shared by every rating of the scorer).
    pub module: SharedStr,
}

/// What the aggregation made of a candidate's ratings.
#[derive(Clone, Debug, Serialize)]
pub struct Aggregate {
    /// Weighted fit, 0..=100, one decimal.
    pub fit: f64,
    /// Tier name.
    pub tier: SharedStr,
    /// `HIGH`, `MEDIUM` or `LOW`.
    pub confidence: Confidence,
    /// Share of weight backed by full evidence, 0..=1, three decimals.
    pub evidence_share: f64,
    /// The reasoning sentence.
    pub reasoning: SharedStr,
    /// Position in the ranked shortlist, from 1.
    pub rank: u32,
}
