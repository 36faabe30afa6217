//! How amounts, rates and percentages read in notes and reasons, e.g. `$100K`, `$2.45/mi`, `5.5%`.

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

/// A rate in US dollars per mile, to the cent: `$2.45/mi`.
#[derive(Clone, Copy, Debug)]
pub struct PerMile(pub f64);

impl fmt::Display for PerMile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.is_finite() {
            return f.write_str("$?/mi");
        }
        let cents = crate::cents(self.0);
        let sign = if cents < 0 { "-" } else { "" };
        let cents = cents.unsigned_abs();
        write!(f, "{sign}${}.{:02}/mi", cents / 100, cents % 100)
    }
}

/// A percentage with one decimal at most, dropped when it is zero: `21%`, `5.5%`.
#[derive(Clone, Copy, Debug)]
pub struct Percent(pub f64);

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = crate::tenths(self.0.max(0.0));
        if tenths.is_multiple_of(10) {
            write!(f, "{}%", tenths / 10)
        } else {
            write!(f, "{}.{}%", tenths / 10, tenths % 10)
        }
    }
}

/// A non-negative number with one decimal at most, dropped when it is zero: `2.8`, `3`.
#[derive(Clone, Copy, Debug)]
pub struct Tenths(pub f64);

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = crate::tenths(self.0.max(0.0));
        if tenths.is_multiple_of(10) {
            write!(f, "{}", tenths / 10)
        } else {
            write!(f, "{}.{}", tenths / 10, tenths % 10)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_short() {
        assert_eq!(money(0.0), "$0");
        assert_eq!(money(750.0), "$750");
        assert_eq!(money(75_000.0), "$75K");
        assert_eq!(money(100_000.0), "$100K");
        assert_eq!(money(250_000.0), "$250K");
        assert_eq!(money(999_950.0), "$1M");
        assert_eq!(money(1_500_000.0), "$1.5M");
        assert_eq!(money(-5_000.0), "-$5K");
        assert_eq!(money(f64::NAN), "$?");
    }

    #[test]
    fn rates_are_to_the_cent() {
        assert_eq!(PerMile(2.45).to_string(), "$2.45/mi");
        assert_eq!(PerMile(f64::from(2.45f32)).to_string(), "$2.45/mi");
        assert_eq!(PerMile(3.0).to_string(), "$3.00/mi");
        assert_eq!(PerMile(0.999).to_string(), "$1.00/mi");
        assert_eq!(PerMile(f64::NAN).to_string(), "$?/mi");
    }

    #[test]
    fn percentages_and_tenths() {
        assert_eq!(Percent(21.0).to_string(), "21%");
        assert_eq!(Percent(5.5).to_string(), "5.5%");
        assert_eq!(Percent(f64::from(5.5f32)).to_string(), "5.5%");
        assert_eq!(Percent(97.04).to_string(), "97%");
        assert_eq!(Percent(-3.0).to_string(), "0%");
        assert_eq!(Tenths(12.0 * 12.0 / 52.0).to_string(), "2.8");
        assert_eq!(Tenths(3.0).to_string(), "3");
    }
}
