//! The columnar form of a stored trace: the trace's JSON before its candidates kept as
//! it is (the head: identity, profile, modules, manifest), and the candidates turned into
//! columns (names, filter reasons, levels, evidence, notes by dimension, aggregates), which
//! compress several times better than the same values interleaved in JSON objects.
//!
//! Nothing is recomputed on read, so a stored trace does not change when the code that
//! aggregates does: the columns hold every value, and reading them back builds the same
//! [`CandidateTrace`]s that were written, serialised by the same code. The values are
//! written compactly instead: module, dimension and tier names as positions in lists, a
//! level as a digit, a fit as tenths (the aggregation rounds it to tenths), an evidence
//! share as thousandths, and a reasoning sentence as references to the candidate's own
//! notes with the text between them.
//!
//! [`Columns::of`] checks that every value fits this shape and returns `None` when one
//! does not (an index out of order, a fit with more decimals); the caller then stores the
//! trace's JSON as it is. So what is read back is always what was written.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Aggregate, CandidateTrace, ScoreTrace, Trace, Verdict};
use crate::eval::CONFIDENCE;
use crate::vertical::Level;

/// The evidence names, by their letter in [`Columns::evidence`].
const EVIDENCE: [(&str, char); 3] = [("full", 'f'), ("partial", 'p'), ("none", 'n')];

/// A trace's candidates as columns, with the JSON before them.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Columns {
    /// The trace's JSON up to and including the `[` that opens its candidates.
    head: String,
    /// Filter names in pipeline order: a candidate's verdict `i` is filter `i`'s.
    filters: Vec<String>,
    /// Scorer names, as [`Columns::rating_scorers`] refers to them.
    scorers: Vec<String>,
    /// Dimension names, as [`Columns::rating_dimensions`] and `notes` refer to them.
    dimensions: Vec<String>,
    /// Tier names, as [`Columns::tiers`] refers to them.
    tier_names: Vec<String>,
    /// Per candidate, its name (its index is its position).
    names: Vec<String>,
    /// Per candidate, per filter that ran: the rejection reason, none when kept.
    reasons: Vec<Vec<Option<String>>>,
    /// Per candidate, its number of ratings.
    rated: Vec<u8>,
    /// Per rating, in candidate order: its dimension.
    rating_dimensions: Vec<u8>,
    /// Per rating: its scorer.
    rating_scorers: Vec<u8>,
    /// Per rating: its level's digit, `1`..`4`.
    levels: String,
    /// Per rating: its evidence's letter.
    evidence: String,
    /// Per dimension, the notes of its ratings in candidate order.
    notes: Vec<Vec<String>>,
    /// Per candidate, its tier when it has a result.
    tiers: Vec<Option<u16>>,
    /// Per result, in candidate order: fit in tenths.
    fit_tenths: Vec<i64>,
    /// Per result: confidence's position in [`CONFIDENCE`], as a digit.
    confidence: String,
    /// Per result: evidence share in thousandths.
    share_thousandths: Vec<i64>,
    /// Per result: rank.
    ranks: Vec<u32>,
    /// Per result: the reasoning sentence.
    reasoning: Vec<Vec<Part>>,
}

/// A piece of a reasoning sentence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Part {
    /// The note of the candidate's rating `n` (counted from 0), or for `-(n + 1)` that
    /// note with its first letter in upper case.
    Note(i32),
    /// Text as it is.
    Text(String),
}

impl Columns {
    /// The columns of `trace`, or the trace back when a value does not fit them (it is
    /// then stored as JSON). The trace's texts move into the columns, uncopied.
    ///
    /// # Errors
    ///
    /// The trace, unchanged, when a value does not fit.
    pub fn of(mut trace: Trace) -> Result<Self, Box<Trace>> {
        let candidates = std::mem::take(&mut trace.candidates);
        let head = serde_json::to_string(&trace)
            .ok()
            .and_then(|head| head.strip_suffix("]}").map(str::to_owned))
            .filter(|head| head.ends_with("\"candidates\":["));
        let Some(head) = head else {
            trace.candidates = candidates;
            return Err(Box::new(trace));
        };
        let n = candidates.len();
        let dimensions = std::mem::take(&mut trace.aggregation.dimensions);
        let tier_names = trace
            .aggregation
            .tiers
            .iter()
            .map(|t| t.name.clone())
            .collect();
        let mut columns = Columns {
            head,
            filters: Vec::new(),
            scorers: Vec::new(),
            notes: vec![Vec::new(); dimensions.len()],
            dimensions,
            tier_names,
            names: Vec::with_capacity(n),
            reasons: Vec::with_capacity(n),
            rated: Vec::with_capacity(n),
            rating_dimensions: Vec::new(),
            rating_scorers: Vec::new(),
            levels: String::new(),
            evidence: String::new(),
            tiers: Vec::with_capacity(n),
            fit_tenths: Vec::new(),
            confidence: String::new(),
            share_thousandths: Vec::new(),
            ranks: Vec::new(),
            reasoning: Vec::new(),
        };
        // First every value is checked and coded, then the texts move in: a trace that
        // does not fit goes back whole.
        for (position, candidate) in candidates.iter().enumerate() {
            if columns.code(position, candidate).is_none() {
                trace.aggregation.dimensions = columns.dimensions;
                trace.candidates = candidates;
                return Err(Box::new(trace));
            }
        }
        let mut rating = 0;
        for candidate in candidates {
            columns.names.push(candidate.name);
            columns
                .reasons
                .push(candidate.verdicts.into_iter().map(|v| v.reason).collect());
            for score in candidate.scores {
                let d = usize::from(columns.rating_dimensions[rating]);
                columns.notes[d].push(score.note);
                rating += 1;
            }
        }
        Ok(columns)
    }

    /// Codes every value of a candidate but its texts; `None` when one does not fit.
    fn code(&mut self, position: usize, c: &CandidateTrace) -> Option<()> {
        if c.index as usize != position {
            return None;
        }
        for (i, verdict) in c.verdicts.iter().enumerate() {
            match self.filters.get(i) {
                Some(name) if **name == *verdict.module => {}
                Some(_) => return None,
                None => self.filters.push(verdict.module.to_string()),
            }
            if verdict.eligible != verdict.reason.is_none() {
                return None;
            }
        }
        self.rated.push(u8::try_from(c.scores.len()).ok()?);
        for score in &c.scores {
            let dimension = self
                .dimensions
                .iter()
                .position(|d| **d == *score.dimension)?;
            let scorer = match self.scorers.iter().position(|s| **s == *score.module) {
                Some(i) => i,
                None => {
                    self.scorers.push(score.module.to_string());
                    self.scorers.len() - 1
                }
            };
            let level = Level::ALL.iter().position(|l| l.as_str() == score.level)?;
            let evidence = EVIDENCE.iter().find(|(name, _)| *name == score.evidence)?.1;
            self.rating_dimensions.push(u8::try_from(dimension).ok()?);
            self.rating_scorers.push(u8::try_from(scorer).ok()?);
            self.levels.push(char::from(b'1' + level as u8));
            self.evidence.push(evidence);
        }
        let Some(result) = &c.result else {
            self.tiers.push(None);
            return Some(());
        };
        let tier = self.tier_names.iter().position(|t| *t == result.tier)?;
        self.tiers.push(Some(u16::try_from(tier).ok()?));
        self.fit_tenths.push(scaled(result.fit, 10.0)?);
        self.share_thousandths
            .push(scaled(result.evidence_share, 1000.0)?);
        let confidence = CONFIDENCE.iter().position(|n| *n == result.confidence)?;
        self.confidence.push(char::from(b'0' + confidence as u8));
        self.ranks.push(result.rank);
        self.reasoning.push(parts(&result.reasoning, &c.scores)?);
        Some(())
    }

    /// The position of the first candidate named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The trace's JSON, byte for byte as it was written.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.head.len() + self.names.len() * 500);
        out.extend_from_slice(self.head.as_bytes());
        for (i, candidate) in self.candidates().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, &candidate).expect("a candidate serializes");
        }
        out.extend_from_slice(b"]}");
        out
    }

    /// Every candidate, in pool order, as it was written.
    pub fn candidates(&self) -> impl Iterator<Item = CandidateTrace> + '_ {
        let shared = self.shared();
        let mut cursor = self.cursor();
        (0..self.names.len()).map(move |i| self.candidate(i, &mut cursor, &shared))
    }

    /// The candidate at `position` alone, reading past those before it without building
    /// them.
    pub fn candidate_at(&self, position: usize) -> Option<CandidateTrace> {
        if position >= self.names.len() {
            return None;
        }
        let mut cursor = self.cursor();
        for i in 0..position {
            let rated = usize::from(self.rated[i]);
            for r in cursor.rating..cursor.rating + rated {
                cursor.notes[usize::from(self.rating_dimensions[r])] += 1;
            }
            cursor.rating += rated;
            cursor.result += usize::from(self.tiers[i].is_some());
        }
        Some(self.candidate(position, &mut cursor, &self.shared()))
    }

    /// Where reading starts: the first rating, result and note of every dimension.
    fn cursor(&self) -> Cursor {
        Cursor {
            notes: vec![0; self.dimensions.len()],
            ..Cursor::default()
        }
    }

    /// The names candidates share, one allocation each.
    fn shared(&self) -> Shared {
        let shared = |names: &[String]| names.iter().map(|n| Arc::from(n.as_str())).collect();
        Shared {
            filters: shared(&self.filters),
            scorers: shared(&self.scorers),
            dimensions: shared(&self.dimensions),
        }
    }

    fn candidate(&self, i: usize, cursor: &mut Cursor, shared: &Shared) -> CandidateTrace {
        let Shared {
            filters,
            scorers,
            dimensions,
        } = shared;
        let verdicts = self.reasons[i]
            .iter()
            .zip(filters)
            .map(|(reason, module)| Verdict {
                module: module.clone(),
                eligible: reason.is_none(),
                reason: reason.clone(),
            })
            .collect();
        let rated = usize::from(self.rated[i]);
        let scores: Vec<ScoreTrace> = (cursor.rating..cursor.rating + rated)
            .map(|r| {
                let d = usize::from(self.rating_dimensions[r]);
                let note = self.notes[d][cursor.notes[d]].clone();
                cursor.notes[d] += 1;
                ScoreTrace {
                    dimension: dimensions[d].clone(),
                    level: Level::ALL[usize::from(self.levels.as_bytes()[r] - b'1')].as_str(),
                    note,
                    evidence: letter_to_evidence(self.evidence.as_bytes()[r]),
                    module: scorers[usize::from(self.rating_scorers[r])].clone(),
                }
            })
            .collect();
        cursor.rating += rated;
        let result = self.tiers[i].map(|tier| {
            let r = cursor.result;
            cursor.result += 1;
            Aggregate {
                fit: self.fit_tenths[r] as f64 / 10.0,
                tier: self.tier_names[usize::from(tier)].clone(),
                confidence: CONFIDENCE[usize::from(self.confidence.as_bytes()[r] - b'0')],
                evidence_share: self.share_thousandths[r] as f64 / 1000.0,
                reasoning: sentence(&self.reasoning[r], &scores),
                rank: self.ranks[r],
            }
        });
        CandidateTrace {
            index: i as u32,
            name: self.names[i].clone(),
            verdicts,
            scores,
            result,
        }
    }
}

/// The module and dimension names of the candidates built from the columns, shared as a
/// trace shares them.
struct Shared {
    filters: Vec<Arc<str>>,
    scorers: Vec<Arc<str>>,
    dimensions: Vec<Arc<str>>,
}

/// Where reading the columns is: the next rating, the next result, and per dimension the
/// next note.
#[derive(Default)]
struct Cursor {
    rating: usize,
    result: usize,
    notes: Vec<usize>,
}

fn letter_to_evidence(letter: u8) -> &'static str {
    EVIDENCE
        .iter()
        .find(|(_, l)| *l as u8 == letter)
        .map_or("none", |(name, _)| name)
}

/// `value` as a whole number of `1 / scale`, when reading it back gives the same bits.
fn scaled(value: f64, scale: f64) -> Option<i64> {
    let n = (value * scale).round();
    (value.is_finite() && n.abs() < 1e15 && (n / scale).to_bits() == value.to_bits())
        .then_some(n as i64)
}

/// A reasoning sentence as references to the candidate's notes and the text between them,
/// when reading it back gives the same text.
fn parts(reasoning: &str, scores: &[ScoreTrace]) -> Option<Vec<Part>> {
    let mut notes: Vec<(i32, &str, Option<String>)> = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.note.is_empty())
        .map(|(i, s)| Some((i32::try_from(i).ok()?, s.note.as_str(), capitalise(&s.note))))
        .collect::<Option<_>>()?;
    // Longest first, so that a note that contains another is referred to whole.
    notes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    // The bytes a note can start with here: most positions of a sentence start none.
    let mut starts = [false; 256];
    for (_, note, capitalised) in &notes {
        starts[usize::from(note.as_bytes()[0])] = true;
        if let Some(c) = capitalised {
            starts[usize::from(c.as_bytes()[0])] = true;
        }
    }
    let mut out: Vec<Part> = Vec::new();
    let mut rest = reasoning;
    'scan: while !rest.is_empty() {
        for (i, note, capitalised) in notes
            .iter()
            .filter(|_| starts[usize::from(rest.as_bytes()[0])])
        {
            if let Some(tail) = rest.strip_prefix(note) {
                out.push(Part::Note(*i));
                rest = tail;
                continue 'scan;
            }
            if let Some(tail) = capitalised.as_deref().and_then(|c| rest.strip_prefix(c)) {
                out.push(Part::Note(-i - 1));
                rest = tail;
                continue 'scan;
            }
        }
        let c = rest.chars().next()?;
        match out.last_mut() {
            Some(Part::Text(text)) => text.push(c),
            _ => out.push(Part::Text(c.to_string())),
        }
        rest = &rest[c.len_utf8()..];
    }
    (sentence(&out, scores) == reasoning).then_some(out)
}

/// The note with its first letter in upper case, when that changes it.
fn capitalise(note: &str) -> Option<String> {
    let mut chars = note.chars();
    let first = chars.next()?;
    let upper: String = first.to_uppercase().collect();
    (upper != first.to_string()).then(|| upper + chars.as_str())
}

fn sentence(parts: &[Part], scores: &[ScoreTrace]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Note(n) if *n >= 0 => {
                if let Some(s) = scores.get(*n as usize) {
                    out.push_str(&s.note);
                }
            }
            Part::Note(n) => {
                if let Some(s) = scores.get((-n - 1) as usize) {
                    out.push_str(&capitalise(&s.note).unwrap_or_else(|| s.note.clone()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(note: &str) -> ScoreTrace {
        ScoreTrace {
            dimension: Arc::from("d"),
            level: "L1",
            note: note.into(),
            evidence: "full",
            module: Arc::from("m"),
        }
    }

    #[test]
    fn a_reasoning_sentence_is_kept_as_references_to_its_notes() {
        let scores = [
            score("good CA appetite"),
            score("AM Best A"),
            score("quotes in 24 h"),
        ];
        let reasoning = "Good CA appetite, AM Best A; but quotes in 24 h.";
        let kept = parts(reasoning, &scores).unwrap();
        assert_eq!(
            kept,
            [
                Part::Note(-1),
                Part::Text(", ".into()),
                Part::Note(1),
                Part::Text("; but ".into()),
                Part::Note(2),
                Part::Text(".".into()),
            ]
        );
        assert_eq!(sentence(&kept, &scores), reasoning);
        // Text that is no note is kept as text.
        let other = "Nothing like the notes.";
        assert_eq!(parts(other, &scores).unwrap(), [Part::Text(other.into())]);
    }

    #[test]
    fn numbers_are_kept_only_when_they_read_back_the_same() {
        assert_eq!(scaled(71.0, 10.0), Some(710));
        assert_eq!(scaled(88.5, 10.0), Some(885));
        assert_eq!(scaled(0.6, 1000.0), Some(600));
        assert_eq!(scaled(0.123, 1000.0), Some(123));
        assert_eq!(scaled(88.55, 10.0), None);
        assert_eq!(scaled(f64::NAN, 10.0), None);
    }
}
