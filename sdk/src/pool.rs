//! The module side of a job: profile checks, pool preparation and in-place evaluation.
//!
//! These functions are what the exported component calls, and what authors
//! and benchmarks call natively: the sandboxed and native paths run the same code.

use rkyv::rancor;
use rkyv::vec::ArchivedVec;
use serde_json::Value;

use crate::bindings::shortlist::plugin::types::{FieldProblem, PluginError, Rejections, Scores};
use crate::{Archived, Filter, Module, Ratings, Scorer};

/// Checks a profile (JSON text) for what module `M` needs: a JSON object, its
/// required fields present, its fields of the right types, then the module's
/// own [`Module::check_profile`]. An empty list means `M` can evaluate it.
pub fn validate_profile<M: Module>(profile: &str) -> Vec<FieldProblem> {
    let value: Value = match serde_json::from_str(profile) {
        Ok(value @ Value::Object(_)) => value,
        Ok(_) => {
            return vec![problem(
                "profile",
                "The profile must be a JSON object.".to_owned(),
            )];
        }
        Err(e) => {
            return vec![problem(
                "profile",
                format!("The profile is not valid JSON: {e}."),
            )];
        }
    };
    let missing: Vec<FieldProblem> = M::metadata()
        .fields
        .iter()
        .filter(|f| f.required && lookup(&value, f.path).is_none_or(Value::is_null))
        .map(|f| {
            let field = format!("profile.{}", f.path);
            let message = format!("Missing required field: {field}");
            FieldProblem { field, message }
        })
        .collect();
    if !missing.is_empty() {
        return missing;
    }
    match serde_json::from_value::<M::Profile>(value) {
        Ok(parsed) => M::check_profile(&parsed),
        Err(e) => vec![problem("profile", format!("Invalid profile: {e}."))],
    }
}

/// Turns a pool (a JSON array of candidate objects) into the archived form
/// that [`filter`] and [`score`] read in place.
///
/// # Errors
///
/// `invalid_pool` when the text is not an array of candidates `M` can read;
/// the message names the first offending candidate.
pub fn prepare_pool<M: Module>(candidates: &str) -> Result<Vec<u8>, PluginError> {
    let parsed: Vec<M::Candidate> = serde_json::from_str(candidates).map_err(|e| PluginError {
        code: "invalid_pool".to_owned(),
        message: format!("The pool cannot be read: {e}."),
    })?;
    let bytes = rkyv::to_bytes::<rancor::Error>(&parsed).map_err(|e| PluginError {
        code: "invalid_pool".to_owned(),
        message: format!("The pool cannot be archived: {e}."),
    })?;
    Ok(bytes.into_vec())
}

/// Runs filter `M` over the candidates at `indices` of a prepared pool and
/// returns its rejections, in the order of `indices`.
///
/// # Errors
///
/// `invalid_profile` for a profile `M` cannot read, `corrupt_pool` for bytes
/// that are not a pool prepared by `M`, `unknown_candidate` for an index past its end.
pub fn filter<M: Filter>(
    profile: &str,
    pool: &[u8],
    indices: &[u32],
) -> Result<Rejections, PluginError> {
    let profile = parse_profile::<M>(profile)?;
    let pool = access::<M>(pool)?;
    let mut rejected = Rejections::new();
    for &index in indices {
        if let Err(reason) = M::check(&profile, candidate::<M>(pool, index)?) {
            rejected.push(index, reason);
        }
    }
    Ok(rejected)
}

/// Runs scorer `M` over the candidates at `indices` of a prepared pool and
/// returns its ratings: for each candidate in turn, one per dimension it rated.
///
/// # Errors
///
/// As [`filter`].
pub fn score<M: Scorer>(
    profile: &str,
    pool: &[u8],
    indices: &[u32],
) -> Result<Scores, PluginError> {
    let profile = parse_profile::<M>(profile)?;
    let pool = access::<M>(pool)?;
    let mut out = Scores::with_capacity(indices.len() * M::DIMENSIONS.len());
    for &index in indices {
        let candidate = candidate::<M>(pool, index)?;
        let mut ratings = Ratings {
            candidate: index,
            dimensions: M::DIMENSIONS,
            out: &mut out,
        };
        M::score(&profile, candidate, &mut ratings);
    }
    Ok(out)
}

fn parse_profile<M: Module>(profile: &str) -> Result<M::Profile, PluginError> {
    serde_json::from_str(profile).map_err(|e| PluginError {
        code: "invalid_profile".to_owned(),
        message: format!("The profile cannot be read: {e}."),
    })
}

fn access<M: Module>(pool: &[u8]) -> Result<&ArchivedVec<Archived<M::Candidate>>, PluginError> {
    rkyv::access::<ArchivedVec<Archived<M::Candidate>>, rancor::Error>(pool).map_err(|e| {
        PluginError {
            code: "corrupt_pool".to_owned(),
            message: format!("The prepared pool is not one this module wrote: {e}."),
        }
    })
}

fn candidate<M: Module>(
    pool: &ArchivedVec<Archived<M::Candidate>>,
    index: u32,
) -> Result<&Archived<M::Candidate>, PluginError> {
    pool.get(index as usize).ok_or_else(|| PluginError {
        code: "unknown_candidate".to_owned(),
        message: format!(
            "Candidate {index} is past the end of the pool ({} candidates).",
            pool.len()
        ),
    })
}

fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

fn problem(field: &str, message: String) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        message,
    }
}
