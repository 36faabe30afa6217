//! The insurance vertical's data model, shared by its rule modules.
//!
//! A [`Profile`] is a broker's submission (the business and the coverage it
//! wants); a [`Carrier`] is one candidate of a pool (where and what it writes,
//! its price floors, strength and service). Rules read the archived carrier
//! ([`ArchivedCarrier`]) through the helpers here, so that the filter and the
//! scorers agree on what "writes CA" or "within the band" means, and word it
//! the same way ([`format`](mod@format)).
#![warn(missing_docs)]

mod carrier;
mod codes;
mod date;
pub mod format;
mod profile;

pub use carrier::{
    AmBest, ArchivedAmBest, ArchivedCarrier, ArchivedClassRule, ArchivedLineTerms,
    ArchivedRevenueBand, Carrier, ClassAppetite, ClassFit, ClassRule, LineTerms, RevenueBand,
    RevenueFit,
};
pub use codes::{
    AppetiteSource, Code, Line, Naics, QuoteMethod, Rating, State, UnknownCode, size_from_roman,
    size_to_roman,
};
pub use date::{ArchivedDate, Date};
pub use profile::{Limits, LossHistory, PROFILE_FIELDS, Premium, Profile, declare};

/// The vertical these types belong to, as module metadata names it.
pub const VERTICAL: &str = "insurance";

/// One dimension's rating, as a scorer's rule returns it: level, short note, evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rated {
    /// L1 (best) to L4.
    pub level: shortlist_sdk::Level,
    /// Why, in a few words usable in a reasoning sentence, e.g. `AM Best A+ (XV)`.
    pub note: Text,
    /// How much data backed the level.
    pub evidence: shortlist_sdk::Evidence,
}

impl Rated {
    /// A rating. The note is anything displayable: a `&str`, or `format_args!(...)`,
    /// which is formatted straight into the rating without a `String`.
    pub fn new(
        level: shortlist_sdk::Level,
        note: impl std::fmt::Display,
        evidence: shortlist_sdk::Evidence,
    ) -> Self {
        Self {
            level,
            note: Text::from_display(note),
            evidence,
        }
    }

    /// Records this rating as `dimension` of the candidate being scored.
    pub fn record(self, dimension: &str, ratings: &mut shortlist_sdk::Ratings<'_>) {
        ratings.rate(dimension, self.level, self.note.as_str(), self.evidence);
    }
}

/// A short text formatted in place: up to [`Text::INLINE`] bytes live in the value
/// itself, longer texts on the heap. Every candidate gets a note per dimension, and
/// notes are short, so this spares an allocation per note.
#[derive(Clone)]
pub struct Text {
    inline: [u8; Text::INLINE],
    len: usize,
    spilled: Option<String>,
}

impl Text {
    /// Bytes kept without an allocation.
    pub const INLINE: usize = 96;

    /// The text of `value`'s `Display`.
    pub fn from_display(value: impl std::fmt::Display) -> Self {
        use std::fmt::Write as _;
        let mut text = Self {
            inline: [0; Self::INLINE],
            len: 0,
            spilled: None,
        };
        // Writing to a `Text` never fails; a `Display` impl that fails leaves what it wrote.
        let _ = write!(text, "{value}");
        text
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.spilled {
            Some(text) => text,
            // Only whole `str`s are ever copied in, so the bytes are UTF-8.
            None => std::str::from_utf8(&self.inline[..self.len]).unwrap_or_default(),
        }
    }
}

impl std::fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if let Some(text) = &mut self.spilled {
            text.push_str(s);
        } else if self.len + s.len() <= Self::INLINE {
            self.inline[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
            self.len += s.len();
        } else {
            let mut text = String::with_capacity(2 * Self::INLINE);
            text.push_str(self.as_str());
            text.push_str(s);
            self.spilled = Some(text);
        }
        Ok(())
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

#[cfg(test)]
mod text_tests {
    use super::Text;

    #[test]
    fn short_texts_stay_inline_and_long_ones_spill_whole() {
        let short = Text::from_display(format_args!("AM Best {} ({})", "A+", "XV"));
        assert_eq!(short.as_str(), "AM Best A+ (XV)");
        assert!(short.spilled.is_none());
        let long = "é".repeat(Text::INLINE);
        let spilled = Text::from_display(format_args!("{long}!"));
        assert_eq!(spilled.as_str(), format!("{long}!"));
        assert!(spilled.spilled.is_some());
    }
}

/// The level for a rank from 1 (best) to 4; ranks outside are clamped.
pub fn level(rank: u8) -> shortlist_sdk::Level {
    use shortlist_sdk::Level;
    match rank {
        0 | 1 => Level::L1,
        2 => Level::L2,
        3 => Level::L3,
        _ => Level::L4,
    }
}
