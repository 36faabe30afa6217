//! One evaluation: filter, score, aggregate, rank, and its audit trace.
//!
//! The pipeline has no I/O of its own: it calls the vertical's modules
//! through the runtime and returns the result and the trace, which the caller
//! prints or persists. A module failure fails the evaluation (with the
//! module's name and a stable code), never the caller.

mod aggregate;
mod pool;
mod result;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use aggregate::{Aggregated, Confidence, Rating, Rules, aggregate};
pub use pool::{Pool, PreparedPool};
pub use result::{EvalResult, EvalStatus, RankedCandidate, ResultError, Scores};

use crate::failure::FailureCode;
use crate::runtime::{self, Evidence, FieldProblem, Kind, Module, Outcome, Sandbox};
use crate::shared_str::SharedStr;
use crate::traces::{self, CandidateTrace, ModuleTrace, ScoreTrace, Trace, TraceError, Verdict};
use crate::vertical::{Level, Vertical};

/// Errors outside the modules' own failures (which become failed evaluations).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The pool cannot be used. Rejected before any module runs.
    #[error("invalid pool {pool}: {message}")]
    InvalidPool {
        /// Pool id.
        pool: String,
        /// The first problem.
        message: String,
    },
    /// A module has no prepared form of the pool: prepare it first.
    #[error("module {module} has not prepared pool {pool}")]
    NotPrepared {
        /// Module name.
        module: String,
        /// Pool id.
        pool: String,
    },
    /// A module failed.
    #[error(transparent)]
    Runtime(#[from] runtime::Error),
}

impl Error {
    /// The stable code that names this failure in results and traces.
    pub fn code(&self) -> FailureCode {
        match self {
            Error::Runtime(e) => e.code(),
            Error::NotPrepared { .. } => FailureCode::PoolNotPrepared,
            Error::InvalidPool { .. } => FailureCode::InvalidPool,
        }
    }

    /// The module at fault, if any.
    pub fn module(&self) -> Option<&str> {
        match self {
            Error::Runtime(e) => e.module(),
            Error::NotPrepared { module, .. } => Some(module),
            Error::InvalidPool { .. } => None,
        }
    }

    /// What clients see: short and named (see [`runtime::Error::summary`]); the whole
    /// ([`std::fmt::Display`]) goes to the trace.
    pub fn summary(&self) -> String {
        match self {
            Error::Runtime(e) => e.summary(),
            other => other.to_string(),
        }
    }
}

/// One evaluation to run.
#[derive(Clone, Debug)]
pub struct Job {
    /// The evaluation's id, e.g. `eval_7xKp2mNc`.
    pub eval_id: String,
    /// The profile (a JSON object).
    pub profile: Value,
    /// The fixed clock and seed its modules see.
    pub sandbox: Sandbox,
    /// URL of the trace, for the result's `audit` field.
    pub audit_url: String,
    /// The release evaluating it, e.g. `insurance@2`, recorded in the trace (the result
    /// keeps the seed's shape; the status response adds the release from the job row).
    pub release: Option<String>,
    /// Whether the trace records wall times (which makes it non-deterministic). They are
    /// in [`Evaluation::wall_times`] either way.
    pub timings: bool,
    /// Where the pipeline reports how far it got, for status pages; `None` to not report.
    pub progress: Option<Arc<Progress>>,
}

impl Job {
    /// A job that no client will read: no audit link, no release named, no timings, no
    /// progress reports. What fixture tests and the smoke check before a publish run.
    pub fn unpublished(eval_id: String, profile: Value, sandbox: Sandbox) -> Self {
        Self {
            eval_id,
            profile,
            sandbox,
            audit_url: String::new(),
            release: None,
            timings: false,
            progress: None,
        }
    }
}

/// How far an evaluation got: candidate evaluations done of those planned
/// (pool size times the number of modules, scorers counted on the survivors).
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Progress {
    /// (done, total) candidates, scaled to the pool size.
    pub fn get(&self) -> (usize, usize) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }

    fn set(&self, done: usize, total: usize) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(done.min(total), Ordering::Relaxed);
    }
}

/// The outcome of [`evaluate`]: the client's result and the auditor's trace.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// What clients see.
    pub result: EvalResult,
    /// What auditors see.
    pub trace: Trace,
    /// Each module call's wall time, instantiation included, in pipeline order (as
    /// `trace.modules`): measured, so kept out of the trace unless [`Job::timings`].
    pub wall_times: Vec<Duration>,
    /// Whether it failed for a passing reason of the host's own (no free instance slot,
    /// the runtime), not of the modules or the inputs: running it again may succeed.
    pub transient: bool,
}

impl Evaluation {
    /// Masks the fields `vertical` marks sensitive in the trace, as stored traces keep it
    /// (see [`traces::redact`]); `prepared` is the pool it ran on.
    pub fn redact(&mut self, vertical: &Vertical, prepared: &PreparedPool) {
        traces::redact::redact(
            &mut self.trace,
            &vertical.manifest().sensitive,
            prepared.sensitive_values(),
        );
    }
}

/// An evaluation id derived from its inputs: the same profile, pool version and
/// modules give the same id.
pub fn derive_eval_id(profile: &Value, pool: &Pool, vertical: &Vertical) -> String {
    let mut hash = Sha256::new();
    hash.update(profile.to_string());
    hash.update(pool.version());
    for module in vertical.modules() {
        hash.update(&module.info().sha256);
    }
    format!("eval_{}", crate::base62::encode(&hash.finalize()[..8], 8))
}

/// The sandbox of a job: its clock, and a seed derived from its id.
pub fn sandbox_for(eval_id: &str, clock: Duration) -> Sandbox {
    Sandbox {
        clock,
        seed: Sha256::digest(eval_id.as_bytes()).into(),
    }
}

/// Checks a profile: the host's own rule (`entity`), then every module's.
/// An empty list means the vertical can evaluate it.
///
/// # Errors
///
/// A module that fails while validating (a limit, a trap).
pub async fn validate(
    vertical: &Vertical,
    profile: &Value,
    sandbox: &Sandbox,
) -> Result<Vec<FieldProblem>, runtime::Error> {
    let problem = |field: &str, message: String| FieldProblem {
        field: field.to_owned(),
        message,
    };
    let Some(object) = profile.as_object() else {
        return Ok(vec![problem(
            "profile",
            "The profile must be a JSON object.".to_owned(),
        )]);
    };
    let mut problems = Vec::new();
    match object.get("entity") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        None | Some(Value::Null) => problems.push(problem(
            "profile.entity",
            "Missing required field: profile.entity".into(),
        )),
        Some(_) => problems.push(problem(
            "profile.entity",
            "profile.entity must be a non-empty string".into(),
        )),
    }
    let text = profile.to_string();
    for module in vertical.modules() {
        for found in module.validate_profile(sandbox, &text).await?.value {
            if !problems
                .iter()
                .any(|p| p.field == found.field && p.message == found.message)
            {
                problems.push(found);
            }
        }
    }
    Ok(problems)
}

/// Runs one evaluation. Module failures become a `failed` evaluation naming the module;
/// the trace records everything up to the failure.
pub async fn evaluate(vertical: &Vertical, prepared: &PreparedPool, job: &Job) -> Evaluation {
    let mut run = Run::new(vertical, prepared, job);
    let error = run.execute().await.err();
    run.finish(error)
}

/// The state of one evaluation while it runs.
struct Run<'a> {
    vertical: &'a Vertical,
    prepared: &'a PreparedPool,
    job: &'a Job,
    profile: String,
    modules: Vec<ModuleTrace>,
    /// Wall time of each module call, as `modules`.
    wall_times: Vec<Duration>,
    /// Per filter that ran, per candidate: the rejection reason, if rejected.
    rejections: Vec<Vec<Option<SharedStr>>>,
    /// Candidates no filter rejected, in pool order.
    survivors: Vec<u32>,
    /// Per survivor, per manifest dimension (one row of dimensions per survivor): the
    /// rating, or a placeholder where [`Run::raters`] says [`UNRATED`].
    ratings: Vec<Rating>,
    /// The scorer (its position among the vertical's scorers) that made each of
    /// `ratings`.
    raters: Vec<u32>,
}

/// No scorer rated this dimension of this candidate (yet).
const UNRATED: u32 = u32::MAX;

impl<'a> Run<'a> {
    fn new(vertical: &'a Vertical, prepared: &'a PreparedPool, job: &'a Job) -> Self {
        Self {
            vertical,
            prepared,
            job,
            profile: job.profile.to_string(),
            modules: Vec::new(),
            wall_times: Vec::new(),
            rejections: Vec::new(),
            survivors: Vec::new(),
            ratings: Vec::new(),
            raters: Vec::new(),
        }
    }

    /// Reports `stages` of all stages done, as candidates of the pool.
    fn report(&self, stages: usize) {
        if let Some(progress) = &self.job.progress {
            let all = self.vertical.filters().len() + self.vertical.scorers().len();
            let n = self.prepared.pool().len();
            progress.set(n * stages / all.max(1), n);
        }
    }

    async fn execute(&mut self) -> Result<(), Error> {
        let n = self.prepared.pool().len() as u32;
        let all: Vec<u32> = (0..n).collect();
        self.report(0);
        for (stage, filter) in self.vertical.filters().iter().enumerate() {
            self.report(stage);
            self.filter(filter, &all).await?;
        }
        self.survivors = all
            .into_iter()
            .filter(|&i| self.rejections.iter().all(|r| r[i as usize].is_none()))
            .collect();

        let dimensions = self.vertical.manifest().dimensions.len();
        let unrated = Rating {
            level: Level::L4,
            note: SharedStr::default(),
            evidence: Evidence::None,
        };
        self.ratings = vec![unrated; self.survivors.len() * dimensions];
        self.raters = vec![UNRATED; self.survivors.len() * dimensions];
        let mut position = vec![u32::MAX; n as usize];
        for (pos, &candidate) in self.survivors.iter().enumerate() {
            position[candidate as usize] = pos as u32;
        }
        for (s, scorer) in self.vertical.scorers().iter().enumerate() {
            self.report(self.vertical.filters().len() + s);
            self.score(s, scorer, &position).await?;
        }
        self.report(self.vertical.filters().len() + self.vertical.scorers().len());
        Ok(())
    }

    /// Runs `filter` over every candidate and records its rejections.
    async fn filter(&mut self, filter: &Module, all: &[u32]) -> Result<(), Error> {
        let call = filter
            .evaluate(
                &self.job.sandbox,
                &self.profile,
                self.prepared.blob(filter)?,
                all,
            )
            .await?;
        self.record_call(filter, all.len(), &call.stats);
        let Outcome::Rejected(rejected) = call.value else {
            return Err(invalid(filter, "a filter returned scores".into()));
        };
        let reasons = rejected.reasons.shared();
        self.rejections.push(vec![None; all.len()]);
        let column = self.rejections.last_mut().expect("just pushed");
        for (i, &candidate) in rejected.candidates.iter().enumerate() {
            let slot = column.get_mut(candidate as usize).ok_or_else(|| {
                invalid(filter, format!("rejected unknown candidate {candidate}"))
            })?;
            if slot.is_some() {
                return Err(invalid(
                    filter,
                    format!("rejected candidate {candidate} twice"),
                ));
            }
            *slot = Some(reasons.get(i).unwrap_or_default());
        }
        Ok(())
    }

    /// Runs scorer `s` over the survivors (`position` gives each candidate's place
    /// among them) and records its ratings.
    async fn score(&mut self, s: usize, scorer: &Module, position: &[u32]) -> Result<(), Error> {
        let manifest = self.vertical.manifest();
        let dimensions = manifest.dimensions.len();
        // Map the scorer's own dimension indices to the manifest's.
        let to_manifest: Vec<usize> = scorer
            .info()
            .dimensions
            .iter()
            .map(|d| {
                manifest
                    .dimensions
                    .iter()
                    .position(|m| m == d)
                    .expect("checked by Vertical::new")
            })
            .collect();
        let call = scorer
            .evaluate(
                &self.job.sandbox,
                &self.profile,
                self.prepared.blob(scorer)?,
                &self.survivors,
            )
            .await?;
        self.record_call(scorer, self.survivors.len(), &call.stats);
        let Outcome::Scored(scores) = call.value else {
            return Err(invalid(scorer, "a scorer returned rejections".into()));
        };
        let notes = scores.notes.shared();
        for (i, score) in scores.iter().enumerate() {
            let pos = position
                .get(score.candidate as usize)
                .copied()
                .unwrap_or(u32::MAX);
            if pos == u32::MAX {
                return Err(invalid(
                    scorer,
                    format!(
                        "scored candidate {}, which it was not given",
                        score.candidate
                    ),
                ));
            }
            let dimension = *to_manifest
                .get(usize::from(score.dimension))
                .ok_or_else(|| {
                    invalid(
                        scorer,
                        format!("scored undeclared dimension {}", score.dimension),
                    )
                })?;
            let level = Level::from_wire(score.level)
                .ok_or_else(|| invalid(scorer, format!("level {} is not 1..=4", score.level)))?;
            let at = pos as usize * dimensions + dimension;
            if self.raters[at] != UNRATED {
                return Err(invalid(
                    scorer,
                    format!(
                        "scored candidate {} twice on one dimension",
                        score.candidate
                    ),
                ));
            }
            self.ratings[at] = Rating {
                level,
                note: notes.get(i).unwrap_or_default(),
                evidence: score.evidence,
            };
            self.raters[at] = s as u32;
        }
        if let Some(pos) = (0..self.survivors.len()).find(|&pos| {
            to_manifest
                .iter()
                .any(|&d| self.raters[pos * dimensions + d] == UNRATED)
        }) {
            let candidate = self.survivors[pos];
            return Err(invalid(
                scorer,
                format!("left candidate {candidate} unrated on a dimension it owns"),
            ));
        }
        Ok(())
    }

    fn record_call(&mut self, module: &Module, candidates: usize, stats: &runtime::CallStats) {
        let info = module.info();
        self.wall_times.push(stats.wall_time);
        self.modules.push(ModuleTrace {
            name: info.name.clone(),
            version: info.version.clone(),
            kind: info.kind,
            sha256: info.sha256.clone(),
            candidates,
            fuel_used: stats.fuel_used,
            wall_time_us: self
                .job
                .timings
                .then_some(stats.wall_time.as_micros() as u64),
            logs: stats.logs.clone(),
            logs_dropped: stats.logs_dropped,
        });
    }

    /// Survivor `pos`'s ratings, one per manifest dimension.
    fn ratings_of(&self, pos: usize) -> &[Rating] {
        let dimensions = self.vertical.manifest().dimensions.len();
        &self.ratings[pos * dimensions..(pos + 1) * dimensions]
    }

    /// Survivor `pos`'s ratings with the scorer of each, where one rated it.
    fn rated(&self, pos: usize) -> impl Iterator<Item = Option<(&Rating, usize)>> {
        let dimensions = self.vertical.manifest().dimensions.len();
        let raters = &self.raters[pos * dimensions..(pos + 1) * dimensions];
        self.ratings_of(pos)
            .iter()
            .zip(raters)
            .map(|(r, &s)| (s != UNRATED).then_some((r, s as usize)))
    }

    /// Aggregates every survivor and ranks them: (survivor, aggregation), best first.
    /// Only when every stage finished.
    fn rank(&self) -> Vec<(usize, Aggregated)> {
        let rules = Rules::new(self.vertical.manifest());
        let names = self.prepared.pool().names();
        let mut ranked: Vec<(usize, Aggregated)> = (0..self.survivors.len())
            .map(|pos| (pos, rules.aggregate(self.ratings_of(pos))))
            .collect();
        // Tie-break: tier, then fit (higher first), then confidence, then name, then pool position.
        ranked.sort_by(|(pa, a), (pb, b)| {
            a.tier
                .cmp(&b.tier)
                .then(b.fit.total_cmp(&a.fit))
                .then(a.confidence.cmp(&b.confidence))
                .then_with(|| {
                    names[self.survivors[*pa] as usize].cmp(&names[self.survivors[*pb] as usize])
                })
                .then(pa.cmp(pb))
        });
        ranked
    }

    /// The shortlist, as clients see it: the ranked survivors.
    fn shortlist(&self, ranked: &[(usize, Aggregated)], names: &Names) -> Vec<RankedCandidate> {
        let pool = self.prepared.pool().names();
        ranked
            .iter()
            .map(|(pos, agg)| RankedCandidate {
                tier: names.tiers[agg.tier].clone(),
                name: pool[self.survivors[*pos] as usize].clone(),
                confidence: agg.confidence,
                scores: Scores(
                    names
                        .dimensions
                        .iter()
                        .zip(self.ratings_of(*pos))
                        .map(|(d, r)| (d.clone(), r.level.as_str()))
                        .collect(),
                ),
                reasoning: agg.reasoning.clone(),
            })
            .collect()
    }

    /// Every candidate of the pool, in pool order, as the trace tells it: each filter's
    /// verdict, and for the survivors their ratings and (`ranked`) their aggregation.
    fn trace_candidates(
        &self,
        ranked: &[(usize, Aggregated)],
        names: &Names,
    ) -> Vec<CandidateTrace> {
        let pool = self.prepared.pool().names();
        let mut aggregates: Vec<Option<(u32, &Aggregated)>> = vec![None; self.survivors.len()];
        for (rank, (pos, agg)) in ranked.iter().enumerate() {
            aggregates[*pos] = Some((rank as u32 + 1, agg));
        }
        let mut survivors = self.survivors.iter().enumerate().peekable();
        (0..pool.len())
            .map(|index| {
                let verdicts = self
                    .rejections
                    .iter()
                    .zip(&names.filters)
                    .map(|(rejected, module)| Verdict {
                        module: module.clone(),
                        eligible: rejected[index].is_none(),
                        reason: rejected[index].clone(),
                    })
                    .collect();
                let pos = survivors
                    .next_if(|&(_, &c)| c as usize == index)
                    .map(|(pos, _)| pos);
                let scores = pos
                    .map(|pos| {
                        names
                            .dimensions
                            .iter()
                            .zip(self.rated(pos))
                            .filter_map(|(d, rated)| {
                                let (r, s) = rated?;
                                Some(ScoreTrace {
                                    dimension: d.clone(),
                                    level: r.level.as_str(),
                                    note: r.note.clone(),
                                    evidence: evidence_name(r.evidence),
                                    module: names.scorers[s].clone(),
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let result =
                    pos.and_then(|pos| aggregates[pos])
                        .map(|(rank, agg)| traces::Aggregate {
                            fit: (agg.fit * 10.0).round() / 10.0,
                            tier: names.tiers[agg.tier].clone(),
                            confidence: agg.confidence,
                            evidence_share: (agg.evidence_share * 1000.0).round() / 1000.0,
                            reasoning: agg.reasoning.clone(),
                            rank,
                        });
                CandidateTrace {
                    index: index as u32,
                    name: pool[index].clone(),
                    verdicts,
                    scores,
                    result,
                }
            })
            .collect()
    }

    /// The result and the trace, from what the run recorded and `error`, what stopped it.
    fn finish(self, error: Option<Error>) -> Evaluation {
        let manifest = self.vertical.manifest();
        let pool = self.prepared.pool();
        let completed = error.is_none();
        let ranked = if completed { self.rank() } else { Vec::new() };
        let names = Names::new(self.vertical);
        let candidates = self.shortlist(&ranked, &names);
        let trace_candidates = self.trace_candidates(&ranked, &names);

        let status = if completed {
            EvalStatus::Completed
        } else {
            EvalStatus::Failed
        };
        let transient = matches!(error, Some(Error::Runtime(runtime::Error::Host(_))));
        let (result_error, trace_error) = match &error {
            None => (None, None),
            Some(e) => {
                let code = e.code();
                (
                    Some(ResultError {
                        code,
                        message: e.summary(),
                    }),
                    Some(TraceError {
                        code,
                        message: e.to_string(),
                        module: e.module().map(str::to_owned),
                    }),
                )
            }
        };
        let filtered = if completed {
            pool.len() - self.survivors.len()
        } else {
            0
        };
        let result = EvalResult {
            eval_id: self.job.eval_id.clone(),
            status,
            pool_size: pool.len(),
            filtered,
            candidates,
            error: result_error,
            audit: self.job.audit_url.clone(),
        };
        let trace = Trace {
            eval_id: self.job.eval_id.clone(),
            status,
            error: trace_error,
            vertical: manifest.vertical.clone(),
            release: self.job.release.clone(),
            pool: traces::PoolRef {
                id: pool.id().to_owned(),
                version: pool.version().to_owned(),
                size: pool.len(),
            },
            profile: self.job.profile.clone(),
            redacted: None,
            sandbox: traces::SandboxRef {
                clock_unix_seconds: self.job.sandbox.clock.as_secs(),
                seed: hex::encode(self.job.sandbox.seed),
            },
            modules: self.modules,
            aggregation: manifest.clone(),
            candidates: trace_candidates,
        };
        Evaluation {
            result,
            trace,
            wall_times: self.wall_times,
            transient,
        }
    }
}

/// The names a result and a trace repeat for every candidate, each made once per
/// evaluation and shared.
struct Names {
    /// The manifest's dimensions, in order.
    dimensions: Vec<SharedStr>,
    /// The manifest's tiers, best first.
    tiers: Vec<SharedStr>,
    /// The vertical's filters, in order.
    filters: Vec<SharedStr>,
    /// The vertical's scorers, in order.
    scorers: Vec<SharedStr>,
}

impl Names {
    fn new(vertical: &Vertical) -> Self {
        let manifest = vertical.manifest();
        let named = |modules: &[Module]| {
            modules
                .iter()
                .map(|m| SharedStr::from(m.info().name.as_str()))
                .collect()
        };
        Self {
            dimensions: manifest
                .dimensions
                .iter()
                .map(|d| d.as_str().into())
                .collect(),
            tiers: manifest
                .tiers
                .iter()
                .map(|t| t.name.as_str().into())
                .collect(),
            filters: named(vertical.filters()),
            scorers: named(vertical.scorers()),
        }
    }
}

fn invalid(module: &Module, message: String) -> Error {
    Error::Runtime(runtime::Error::InvalidOutput {
        module: module.info().name.clone(),
        function: "evaluate",
        message,
    })
}

fn evidence_name(evidence: Evidence) -> &'static str {
    match evidence {
        Evidence::Full => "full",
        Evidence::Partial => "partial",
        Evidence::None => "none",
    }
}

/// Whether a module is a filter (for callers that only hold its info).
pub fn is_filter(module: &Module) -> bool {
    module.info().kind == Kind::Filter
}
