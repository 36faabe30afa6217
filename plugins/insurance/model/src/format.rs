//! How amounts, ranges and durations read in notes and reasons, e.g. `$10M–$15M`, `quotes in 4 h`.

use std::fmt;

use crate::Line;

/// A dollar amount in a few characters: `$750`, `$2.5K`, `$12M`, `$1.2B`.
///
/// One decimal at most, dropped when it is zero, so that notes stay short. A
/// `Display` wrapper, so that a note is built with one allocation.
#[derive(Clone, Copy, Debug)]
pub struct Money(pub f64);

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Integer arithmetic and one `write_str`: float formatting with a precision costs
        // ~150 ns, and notes are written once per candidate.
        let mut out = Digits::new();
        if self.0 < 0.0 {
            out.push(b"-");
        }
        out.push(b"$");
        let amount = self.0.abs();
        if !amount.is_finite() {
            out.push(b"?");
        } else if amount < 999.5 {
            out.number(amount.round() as u64);
        } else {
            // Move up a unit when the smaller one would display 1000 or more: 999,950 reads
            // `$1M`, not `$1000K`, while 950,000 stays `$950K`.
            let units = [(1e3, b"K"), (1e6, b"M"), (1e9, b"B")];
            let mut chosen = 0;
            while chosen + 1 < units.len() && displayed(amount / units[chosen].0) >= 1000.0 {
                chosen += 1;
            }
            let (divisor, unit) = units[chosen];
            let scaled = amount / divisor;
            if scaled >= 99.95 {
                out.number(scaled.round() as u64);
            } else {
                out.tenths((scaled * 10.0).round() as u64, false);
            }
            out.push(unit);
        }
        f.write_str(out.as_str()?)
    }
}

/// A short ASCII string built on the stack.
struct Digits {
    bytes: [u8; 40],
    len: usize,
}

impl Digits {
    fn new() -> Self {
        Self {
            bytes: [0; 40],
            len: 0,
        }
    }

    fn push(&mut self, text: &[u8]) {
        let end = (self.len + text.len()).min(self.bytes.len());
        self.bytes[self.len..end].copy_from_slice(&text[..end - self.len]);
        self.len = end;
    }

    fn number(&mut self, mut value: u64) {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        self.push(&digits[start..]);
    }

    /// A count of tenths as `12.5`; `12.0` drops its decimal unless `keep_zero`.
    fn tenths(&mut self, tenths: u64, keep_zero: bool) {
        self.number(tenths / 10);
        if keep_zero || !tenths.is_multiple_of(10) {
            self.push(&[b'.', b'0' + (tenths % 10) as u8]);
        }
    }

    fn as_str(&self) -> Result<&str, fmt::Error> {
        std::str::from_utf8(&self.bytes[..self.len]).map_err(|_| fmt::Error)
    }
}

/// A scaled amount as [`Money`] shows it: whole from 100 up, else to one decimal.
fn displayed(scaled: f64) -> f64 {
    if scaled >= 99.95 {
        scaled.round()
    } else {
        (scaled * 10.0).round() / 10.0
    }
}

/// [`Money`] as a `String`.
pub fn money(amount: f64) -> String {
    Money(amount).to_string()
}

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
    fn money_is_short() {
        assert_eq!(money(0.0), "$0");
        assert_eq!(money(750.0), "$750");
        assert_eq!(money(2_500.0), "$2.5K");
        assert_eq!(money(10_800.0), "$10.8K");
        assert_eq!(money(400_000.0), "$400K");
        assert_eq!(money(999_950.0), "$1M");
        assert_eq!(money(1_000_000.0), "$1M");
        assert_eq!(money(1_500_000.0), "$1.5M");
        assert_eq!(money(12_000_000.0), "$12M");
        assert_eq!(money(12_340_000.0), "$12.3M");
        assert_eq!(money(250_000_000.0), "$250M");
        assert_eq!(money(1_200_000_000.0), "$1.2B");
        assert_eq!(money(-5_000.0), "-$5K");
        assert_eq!(money(f64::NAN), "$?");
        assert_eq!(money(99_960.0), "$100K");
        assert_eq!(money(999_400.0), "$999K");
        assert_eq!(money(99_940_000.0), "$99.9M");
        assert_eq!(money(5_000_000_000.0), "$5B");
        assert_eq!(money(999.4), "$999");
        assert_eq!(money(950_000.0), "$950K");
        assert_eq!(money(f64::MAX), "$18446744073709551615B");
    }

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
