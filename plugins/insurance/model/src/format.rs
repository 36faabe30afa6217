//! How amounts, ranges and durations read in notes and reasons, e.g. `$10M–$15M`, `quotes in 4 h`.

use std::fmt;

use crate::Line;

pub use shortlist_sdk::format::{Digits, Money, money};

/// A range of amounts: `$10M–$15M`, or `up to $15M` when it starts at zero.
#[derive(Clone, Copy, Debug)]
pub struct MoneyRange(pub f64, pub f64);

impl fmt::Display for MoneyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 <= 0.0 {
            write!(f, "up to {}", Money(self.1))
        } else {
            write!(f, "{}–{}", Money(self.0), Money(self.1))
        }
    }
}

/// [`MoneyRange`] as a `String`.
pub fn money_range(low: f64, high: f64) -> String {
    MoneyRange(low, high).to_string()
}

/// How long a carrier takes to quote: `quotes instantly`, `quotes in 4 h`, `quotes in 3 days`.
#[derive(Clone, Copy, Debug)]
pub struct Turnaround(pub u32);

impl fmt::Display for Turnaround {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("quotes instantly"),
            hours @ 1..48 => write!(f, "quotes in {hours} h"),
            hours => write!(f, "quotes in {} days", (hours + 12) / 24),
        }
    }
}

/// [`Turnaround`] as a `String`.
pub fn turnaround(hours: u32) -> String {
    Turnaround(hours).to_string()
}

/// A non-negative number with one decimal, e.g. `3.8` (integer formatting, as for [`Money`]).
#[derive(Clone, Copy, Debug)]
pub struct Tenths(pub f64);

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Digits::new();
        out.tenths((self.0.max(0.0) * 10.0).round() as u64, true);
        f.write_str(out.as_str()?)
    }
}

/// Lines' short names joined: `GL + cyber`.
#[derive(Clone, Copy, Debug)]
pub struct Lines<'a>(pub &'a [Line]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, line) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" + ")?;
            }
            f.write_str(line.abbreviation())?;
        }
        Ok(())
    }
}

/// [`Lines`] as a `String`.
pub fn lines(lines: &[Line]) -> String {
    Lines(lines).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Line;

    #[test]
    fn tenths() {
        assert_eq!(Tenths(3.8).to_string(), "3.8");
        assert_eq!(Tenths(4.0).to_string(), "4.0");
        assert_eq!(Tenths(4.099_999_904).to_string(), "4.1");
        assert_eq!(Tenths(12.34).to_string(), "12.3");
    }

    #[test]
    fn ranges() {
        assert_eq!(money_range(10_000_000.0, 15_000_000.0), "$10M–$15M");
        assert_eq!(money_range(0.0, 5_000_000.0), "up to $5M");
    }

    #[test]
    fn turnarounds() {
        assert_eq!(turnaround(0), "quotes instantly");
        assert_eq!(turnaround(4), "quotes in 4 h");
        assert_eq!(turnaround(47), "quotes in 47 h");
        assert_eq!(turnaround(48), "quotes in 2 days");
        assert_eq!(turnaround(120), "quotes in 5 days");
    }

    #[test]
    fn line_lists() {
        assert_eq!(lines(&[Line::GeneralLiability, Line::Cyber]), "GL + cyber");
        assert_eq!(lines(&[]), "");
    }
}
