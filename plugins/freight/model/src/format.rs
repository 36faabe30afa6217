//! How amounts, rates and percentages read in notes and reasons, e.g. `$100K`, `$2.45/mi`, `5.5%`.

use std::fmt;

pub use shortlist_sdk::format::{Digits, Money, money};

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
