//! What `evaluate` returns, built in columns: [`Rejections`] of a filter, [`Scores`] of a scorer.
//!
//! Reasons and notes are written back to back into one [`Texts`] string, so
//! that thousands of them cost one allocation, and cross the sandbox boundary
//! as one string rather than one each.

use std::fmt::Write as _;

use crate::bindings::shortlist::plugin::types::{Evidence, Rejections, Scores, Texts};

/// Text a rule writes straight into its module's output: `&str`, `String`, or
/// `format_args!(...)`, which formats in place without allocating a `String`.
///
/// ```
/// let mut notes = shortlist_sdk::Texts::new();
/// notes.push("no service data");
/// notes.push(format_args!("quotes in {} h", 4));
/// assert_eq!(notes.iter().collect::<Vec<_>>(), ["no service data", "quotes in 4 h"]);
/// assert_eq!(notes.text, "no service dataquotes in 4 h");
/// assert_eq!(notes.ends, [15, 28]);
/// ```
pub trait Note {
    /// Appends the text to `out`.
    fn write_into(self, out: &mut String);
}

impl Note for &str {
    fn write_into(self, out: &mut String) {
        out.push_str(self);
    }
}

impl Note for String {
    fn write_into(self, out: &mut String) {
        out.push_str(&self);
    }
}

impl Note for &String {
    fn write_into(self, out: &mut String) {
        out.push_str(self);
    }
}

impl Note for std::fmt::Arguments<'_> {
    fn write_into(self, out: &mut String) {
        // Writing to a `String` fails only if a `Display` impl reports an error;
        // what it wrote up to then is kept, as `format!` would panic instead.
        let _ = out.write_fmt(self);
    }
}

impl Texts {
    /// No texts.
    pub fn new() -> Self {
        Self {
            text: String::new(),
            ends: Vec::new(),
        }
    }

    /// How many texts there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Text `index`, or `None` past the end (or where `ends` is malformed).
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1] as usize,
        };
        self.text.get(start..end)
    }

    /// Every text, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }

    /// Appends one text.
    pub fn push(&mut self, note: impl Note) {
        note.write_into(&mut self.text);
        // The host caps a call's output far below 4 GiB.
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }
}

impl Default for Texts {
    fn default() -> Self {
        Self::new()
    }
}

impl Rejections {
    /// No rejections.
    pub fn new() -> Self {
        Self {
            candidates: Vec::new(),
            reasons: Texts::new(),
        }
    }

    /// How many candidates were rejected.
    pub fn len(&self) -> usize {
        self.candidates.len()
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }

    /// Each rejected candidate with its reason, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        self.candidates.iter().copied().zip(self.reasons.iter())
    }

    /// Rejects `candidate` for `reason`.
    pub fn push(&mut self, candidate: u32, reason: impl Note) {
        self.candidates.push(candidate);
        self.reasons.push(reason);
    }
}

impl Default for Rejections {
    fn default() -> Self {
        Self::new()
    }
}

/// One rating of [`Scores`], borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Score<'a> {
    /// Index of the candidate in the pool.
    pub candidate: u32,
    /// Index of the dimension in the module's dimensions.
    pub dimension: u8,
    /// 1 (best) to 4.
    pub level: u8,
    /// How much data backed the level.
    pub evidence: Evidence,
    /// Why this level.
    pub note: &'a str,
}

impl Scores {
    /// No ratings, with room for `capacity`.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            candidates: Vec::with_capacity(capacity),
            dimensions: Vec::with_capacity(capacity),
            levels: Vec::with_capacity(capacity),
            evidence: Vec::with_capacity(capacity),
            notes: Texts {
                // Notes run to a few dozen bytes.
                text: String::with_capacity(capacity * 32),
                ends: Vec::with_capacity(capacity),
            },
        }
    }

    /// How many ratings there are.
    pub fn len(&self) -> usize {
        self.candidates.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }

    /// Each rating, in order.
    pub fn iter(&self) -> impl Iterator<Item = Score<'_>> + '_ {
        (0..self.len()).map(|i| Score {
            candidate: self.candidates[i],
            dimension: self.dimensions[i],
            level: self.levels[i],
            evidence: self.evidence[i],
            note: self.notes.get(i).unwrap_or_default(),
        })
    }

    pub(crate) fn push(
        &mut self,
        candidate: u32,
        dimension: u8,
        level: u8,
        evidence: Evidence,
        note: impl Note,
    ) {
        self.candidates.push(candidate);
        self.dimensions.push(dimension);
        self.levels.push(level);
        self.evidence.push(evidence);
        self.notes.push(note);
    }
}
