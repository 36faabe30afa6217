//! Redaction of stored traces: the profile and candidate fields a vertical's manifest
//! marks `[sensitive]` do not reach a stored trace, so no audit link, viewer or export
//! shows them.
//!
//! - In the trace's `profile`, each sensitive field's value is replaced by
//!   [`MASK`]; the field itself stays, so an auditor sees that it was there.
//! - The free text the modules wrote (filter reasons, rating notes, the reasoning
//!   sentence, log lines) is searched for the sensitive values as written (strings, and
//!   numbers as digits or grouped by thousands): each occurrence is replaced by
//!   [`MASK`]. A profile's values are masked in every candidate's text and the logs, a
//!   candidate's in its own text. Values shorter than [`MIN_TEXT_VALUE`] characters
//!   (a state code, a small count) are masked in the profile but not searched for in
//!   text: they would mask unrelated words. A module that reformats a value (12000000
//!   written as "$12.0M") is not caught: what an author writes in notes is theirs to keep
//!   clean, and the fixtures are where to check it.
//! - The trace's `redacted` field lists the masked fields: the sensitive profile fields
//!   the profile had, and the sensitive candidate fields. A trace with neither has none.
//!
//! The inputs themselves are kept as they were, where they already were: the profile in
//! the job's record and the candidates in the pool version, both scoped to the
//! organisation and never served by a trace path. They are what a replay re-runs, and the
//! re-run trace is masked the same way, so a replay still reproduces the stored trace
//! byte for byte. Retention deletes the job's record with its trace.

use serde::Serialize;
use serde_json::Value;

use super::Trace;
use crate::shared_str::SharedStr;
use crate::vertical::Sensitive;

/// What a masked value reads as.
pub const MASK: &str = "[redacted]";

/// The shortest value searched for in free text, in characters.
pub const MIN_TEXT_VALUE: usize = 4;

/// The fields a trace had masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Redacted {
    /// The sensitive profile fields this profile had, as the manifest names them: their
    /// values read [`MASK`].
    pub profile: Vec<String>,
    /// The sensitive candidate fields: their values are masked wherever a module wrote
    /// them.
    pub candidate: Vec<String>,
}

/// Masks `trace` as `sensitive` says; `candidate_values[i]` holds the sensitive values of
/// the pool's candidate `i` as [`candidate_values`] gives them, empty when the manifest
/// marks none.
pub fn redact(trace: &mut Trace, sensitive: &Sensitive, candidate_values: &[Vec<String>]) {
    if sensitive.is_empty() {
        return;
    }
    let mut profile_values = Vec::new();
    let mut masked = Vec::new();
    for path in &sensitive.profile {
        if let Some(value) = field_mut(&mut trace.profile, path) {
            collect(value, &mut profile_values);
            *value = Value::String(MASK.to_owned());
            masked.push(path.clone());
        }
    }
    let profile_values = searchable(profile_values);
    for module in &mut trace.modules {
        for line in &mut module.logs {
            mask_text(&mut line.message, &profile_values);
        }
    }
    for candidate in &mut trace.candidates {
        let own = candidate_values
            .get(candidate.index as usize)
            .map_or(&[][..], Vec::as_slice);
        let mask = |text: &mut SharedStr| {
            if [&profile_values[..], own]
                .iter()
                .flat_map(|values| values.iter())
                .any(|value| text.contains(value.as_str()))
            {
                let mut masked = text.to_string();
                mask_text(&mut masked, &profile_values);
                mask_text(&mut masked, own);
                *text = masked.into();
            }
        };
        for verdict in &mut candidate.verdicts {
            if let Some(reason) = &mut verdict.reason {
                mask(reason);
            }
        }
        for score in &mut candidate.scores {
            mask(&mut score.note);
        }
        if let Some(result) = &mut candidate.result {
            mask(&mut result.reasoning);
        }
    }
    if !masked.is_empty() || !sensitive.candidate.is_empty() {
        trace.redacted = Some(Redacted {
            profile: masked,
            candidate: sensitive.candidate.clone(),
        });
    }
}

/// The values of a candidate at the sensitive `paths` that its text is searched for: as
/// [`values_at`], ready to search (long enough, longest first, once each). Worked out once
/// per pool, not per job.
pub fn candidate_values(candidate: &Value, paths: &[String]) -> Vec<String> {
    searchable(values_at(candidate, paths))
}

/// The values of a candidate (or profile) at the sensitive `paths`, as they may be
/// written in text: strings as they are, numbers as digits and grouped by thousands;
/// every value under an array or object.
pub fn values_at(object: &Value, paths: &[String]) -> Vec<String> {
    let mut values = Vec::new();
    for path in paths {
        let mut current = Some(object);
        for segment in path.split('.') {
            current = current.and_then(|v| v.get(segment));
        }
        if let Some(value) = current {
            collect(value, &mut values);
        }
    }
    values
}

/// The field at a dotted path, if the object has it.
fn field_mut<'v>(object: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    path.split('.')
        .try_fold(object, |current, segment| current.get_mut(segment))
}

/// Every scalar under `value`, as text may write it.
fn collect(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::String(s) => into.push(s.clone()),
        Value::Number(n) => {
            into.push(n.to_string());
            if let Some(grouped) = n.as_i64().and_then(grouped) {
                into.push(grouped);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, into)),
        Value::Object(fields) => fields.values().for_each(|v| collect(v, into)),
        Value::Bool(_) | Value::Null => {}
    }
}

/// An integer of 1,000 or more written with thousands separators.
fn grouped(n: i64) -> Option<String> {
    if n.unsigned_abs() < 1000 {
        return None;
    }
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    Some(out)
}

/// The values worth searching text for, longest first (so that a value containing
/// another is masked whole), without repeats.
fn searchable(mut values: Vec<String>) -> Vec<String> {
    values.retain(|v| v.chars().count() >= MIN_TEXT_VALUE);
    values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    values.dedup();
    values
}

fn mask_text(text: &mut String, values: &[String]) {
    for value in values {
        if text.contains(value.as_str()) {
            *text = text.replace(value.as_str(), MASK);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::traces::{Aggregate, CandidateTrace, PoolRef, SandboxRef, ScoreTrace, Verdict};
    use crate::vertical::Manifest;

    fn trace(profile: Value) -> Trace {
        let manifest = Manifest::parse(
            "test",
            include_str!("../../../plugins/insurance/vertical.toml"),
        )
        .unwrap();
        Trace {
            eval_id: "eval_x".into(),
            status: crate::eval::EvalStatus::Completed,
            error: None,
            vertical: "insurance".into(),
            release: None,
            pool: PoolRef {
                id: "p".into(),
                version: "v".into(),
                size: 2,
            },
            profile,
            redacted: None,
            sandbox: SandboxRef {
                clock_unix_seconds: 0,
                seed: "00".into(),
            },
            modules: Vec::new(),
            aggregation: manifest,
            candidates: (0..2)
                .map(|i| CandidateTrace {
                    index: i,
                    name: format!("Carrier {i}").into(),
                    verdicts: vec![Verdict {
                        module: "eligibility".into(),
                        eligible: i == 0,
                        reason: (i == 1).then(|| "tax id 99-1234567 is on the blocklist".into()),
                    }],
                    scores: vec![ScoreTrace {
                        dimension: "appetite".into(),
                        level: "L2",
                        note: "revenue 12,000,000 fits; contact ops@acme.test; CA".into(),
                        evidence: "full",
                        module: "market-fit".into(),
                    }],
                    result: Some(Aggregate {
                        fit: 70.0,
                        tier: "GOOD_FIT".into(),
                        confidence: crate::eval::Confidence::High,
                        evidence_share: 1.0,
                        reasoning: "Revenue 12000000 in appetite.".into(),
                        rank: 1,
                    }),
                })
                .collect(),
        }
    }

    #[test]
    fn sensitive_fields_are_masked_in_the_profile_and_in_what_modules_wrote() {
        let mut t = trace(json!({
            "entity": "acme", "state": "CA", "revenue": 12000000,
            "contact": { "email": "ops@acme.test", "phone": "555" },
        }));
        let sensitive = Sensitive {
            profile: vec![
                "revenue".into(),
                "contact".into(),
                "state".into(),
                "absent.field".into(),
            ],
            candidate: vec!["tax_id".into()],
        };
        let pool = [
            json!({ "name": "Carrier 0" }),
            json!({ "name": "Carrier 1", "tax_id": "99-1234567" }),
        ];
        let values: Vec<Vec<String>> = pool
            .iter()
            .map(|c| candidate_values(c, &sensitive.candidate))
            .collect();
        redact(&mut t, &sensitive, &values);

        assert_eq!(
            t.profile,
            json!({ "entity": "acme", "state": MASK, "revenue": MASK, "contact": MASK })
        );
        let note = &t.candidates[0].scores[0].note;
        // Grouped digits and nested strings are found; a two-letter state is not searched.
        assert_eq!(note, "revenue [redacted] fits; contact [redacted]; CA");
        assert_eq!(
            t.candidates[0].result.as_ref().unwrap().reasoning,
            "Revenue [redacted] in appetite."
        );
        assert_eq!(
            t.candidates[1].verdicts[0].reason.as_deref(),
            Some("tax id [redacted] is on the blocklist")
        );
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(
            json["redacted"],
            json!({ "profile": ["revenue", "contact", "state"], "candidate": ["tax_id"] })
        );
        assert!(!serde_json::to_string(&t).unwrap().contains("1234567"));
    }

    #[test]
    fn a_manifest_without_sensitive_fields_changes_nothing() {
        let mut t = trace(json!({ "entity": "acme", "revenue": 12000000 }));
        let before = serde_json::to_string(&t).unwrap();
        redact(&mut t, &Sensitive::default(), &[]);
        assert_eq!(serde_json::to_string(&t).unwrap(), before);
        assert!(!before.contains("redacted"));
        // Nor does a profile without the fields marked, when no candidate field is.
        let marked = Sensitive {
            profile: vec!["loss_history".into()],
            candidate: Vec::new(),
        };
        redact(&mut t, &marked, &[]);
        assert_eq!(serde_json::to_string(&t).unwrap(), before);
    }

    #[test]
    fn numbers_read_as_text_writes_them() {
        assert_eq!(grouped(999), None);
        assert_eq!(grouped(1000).as_deref(), Some("1,000"));
        assert_eq!(grouped(-12_345_678).as_deref(), Some("-12,345,678"));
        assert_eq!(
            values_at(&json!({ "a": { "b": [1500, "x"] } }), &["a.b".into()]),
            ["1500", "1,500", "x"]
        );
    }
}
