//! Reading what `evaluate` returned: columns checked once, then read by index.
//!
//! The WIT contract (`wit/world.wit`) sends a call's rejections and ratings as
//! columns, with their reasons and notes back to back in one string ([`Texts`]).
//! [`Outcome::check`] verifies the columns agree before anything reads them, so
//! the accessors here never see a malformed outcome from a well-behaved runtime.

use std::sync::Arc;

use super::bindings::{Evidence, Outcome, Rejections, Scores, Texts};
use crate::shared_str::SharedStr;

impl Texts {
    /// Text `index`; `None` past the end or where the ends are malformed.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1] as usize,
        };
        self.text.get(start..end)
    }

    /// How many texts there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The texts, each readable as a [`SharedStr`] of one buffer: what a caller keeps
    /// beyond the call takes no copy of its own.
    pub fn shared(&self) -> SharedTexts {
        SharedTexts {
            text: Arc::from(self.text.as_str()),
            ends: self.ends.clone(),
        }
    }

    /// Checks that the ends never decrease, stay within the text and fall on
    /// character boundaries, and that there are `expected` of them.
    fn check(&self, what: &str, expected: usize) -> Result<(), String> {
        if self.ends.len() != expected {
            return Err(format!("{} {what} for {expected} entries", self.ends.len()));
        }
        let mut start = 0;
        for (i, &end) in self.ends.iter().enumerate() {
            let end = end as usize;
            if end < start || !self.text.is_char_boundary(end) {
                return Err(format!(
                    "{what} {i} ends at byte {end}, which is not after the previous one within the text at a character boundary"
                ));
            }
            start = end;
        }
        Ok(())
    }
}

/// [`Texts`] in a shared buffer.
#[derive(Clone, Debug)]
pub struct SharedTexts {
    text: Arc<str>,
    ends: Vec<u32>,
}

impl SharedTexts {
    /// Text `index`; `None` past the end or where the ends are malformed.
    pub fn get(&self, index: usize) -> Option<SharedStr> {
        let end = *self.ends.get(index)? as usize;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1] as usize,
        };
        SharedStr::slice(&self.text, start..end)
    }
}

/// One rating of [`Scores`], borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Score<'a> {
    /// Index of the candidate in the pool.
    pub candidate: u32,
    /// Index of the dimension in the module's dimensions.
    pub dimension: u8,
    /// 1 (best) to 4, as the module sent it.
    pub level: u8,
    /// How much data backed the level.
    pub evidence: Evidence,
    /// Why this level.
    pub note: &'a str,
}

impl Rejections {
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
        self.candidates
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, self.reasons.get(i).unwrap_or_default()))
    }
}

impl Scores {
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
}

impl Outcome {
    /// Checks that the columns have one entry per row and that the texts are
    /// well formed; returns the outcome's size in bytes, for the output cap.
    ///
    /// # Errors
    ///
    /// What is malformed, for a `plugin_invalid_output` error.
    pub fn check(&self) -> Result<usize, String> {
        match self {
            Outcome::Rejected(r) => {
                r.reasons.check("reasons", r.candidates.len())?;
                Ok(r.candidates.len() * 8 + r.reasons.text.len())
            }
            Outcome::Scored(s) => {
                let n = s.candidates.len();
                let columns = [
                    ("dimensions", s.dimensions.len()),
                    ("levels", s.levels.len()),
                    ("evidence", s.evidence.len()),
                ];
                if let Some((name, len)) = columns.iter().find(|(_, len)| *len != n) {
                    return Err(format!("{len} {name} for {n} rated candidates"));
                }
                s.notes.check("notes", n)?;
                Ok(n * 12 + s.notes.text.len())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, ends: &[u32]) -> Texts {
        Texts {
            text: text.to_owned(),
            ends: ends.to_vec(),
        }
    }

    #[test]
    fn texts_are_read_between_their_ends() {
        let t = texts("does not write CAno cyber", &[17, 17, 25]);
        assert_eq!(t.get(0), Some("does not write CA"));
        assert_eq!(t.get(1), Some(""));
        assert_eq!(t.get(2), Some("no cyber"));
        assert_eq!(t.get(3), None);
        assert_eq!(t.check("notes", 3), Ok(()));
    }

    #[test]
    fn malformed_texts_are_refused() {
        let n = |t: &Texts| t.check("notes", t.ends.len());
        assert!(n(&texts("abc", &[2, 1])).unwrap_err().contains("notes 1"));
        assert!(n(&texts("abc", &[4])).is_err());
        // "é" is two bytes: an end between them is not a character boundary.
        assert!(n(&texts("é", &[1])).is_err());
        assert!(
            texts("ab", &[1, 2])
                .check("reasons", 3)
                .unwrap_err()
                .contains("2 reasons for 3")
        );
    }

    #[test]
    fn columns_of_different_lengths_are_refused() {
        let scores = Scores {
            candidates: vec![0, 1],
            dimensions: vec![0, 0],
            levels: vec![1],
            evidence: vec![Evidence::Full, Evidence::Full],
            notes: texts("ab", &[1, 2]),
        };
        let error = Outcome::Scored(scores).check().unwrap_err();
        assert_eq!(error, "1 levels for 2 rated candidates");
    }
}
