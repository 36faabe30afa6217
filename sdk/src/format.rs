//! How amounts read in notes and reasons: [`Money`] (`$750`, `$2.5K`, `$12M`), and the
//! [`Digits`] buffer a vertical's own formats are written with.

use std::fmt;

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

/// A short ASCII string built on the stack: how [`Money`] and a vertical's own formats
/// write numbers without float formatting (which costs ~150 ns a number, and notes are
/// written once per candidate). Text past 40 bytes is cut.
#[derive(Clone, Copy, Debug)]
pub struct Digits {
    bytes: [u8; 40],
    len: usize,
}

impl Default for Digits {
    fn default() -> Self {
        Self::new()
    }
}

impl Digits {
    /// An empty string.
    pub fn new() -> Self {
        Self {
            bytes: [0; 40],
            len: 0,
        }
    }

    /// Appends ASCII text.
    pub fn push(&mut self, text: &[u8]) {
        let end = (self.len + text.len()).min(self.bytes.len());
        self.bytes[self.len..end].copy_from_slice(&text[..end - self.len]);
        self.len = end;
    }

    /// Appends a whole number.
    pub fn number(&mut self, mut value: u64) {
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
    pub fn tenths(&mut self, tenths: u64, keep_zero: bool) {
        self.number(tenths / 10);
        if keep_zero || !tenths.is_multiple_of(10) {
            self.push(&[b'.', b'0' + (tenths % 10) as u8]);
        }
    }

    /// The text, for `Formatter::write_str`.
    ///
    /// # Errors
    ///
    /// Never for ASCII pushed; `fmt::Error` if a push put other bytes.
    pub fn as_str(&self) -> Result<&str, fmt::Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_short() {
        assert_eq!(money(0.0), "$0");
        assert_eq!(money(750.0), "$750");
        assert_eq!(money(75_000.0), "$75K");
        assert_eq!(money(250_000.0), "$250K");
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
}
