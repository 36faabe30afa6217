//! Calendar dates as day numbers, e.g. for the age of a record.
//!
//! The sandbox has no real clock, so ages are measured between two dates in the data
//! (e.g. the date a carrier's authority was granted and the profile's pickup date).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, de};

use crate::codes::UnknownCode;

/// A calendar date, stored as days since 1970-01-01. Parsed from `YYYY-MM-DD`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, rkyv::Archive, rkyv::Serialize,
)]
#[rkyv(crate = crate::rkyv, derive(Clone, Copy, Debug))]
pub struct Date {
    days: i32,
}

impl Date {
    /// The date of a (year, month, day), if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then(|| Self {
            days: days_from_civil(year, month, day),
        })
    }

    /// Days since 1970-01-01.
    pub const fn days(self) -> i32 {
        self.days
    }

    /// Days from `earlier` to `self` (negative when `earlier` is later).
    pub const fn days_since(self, earlier: Date) -> i32 {
        self.days - earlier.days
    }

    /// The (year, month, day) of this date.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days)
    }
}

impl ArchivedDate {
    /// The date in native form.
    pub fn to_native(&self) -> Date {
        Date {
            days: self.days.to_native(),
        }
    }
}

impl FromStr for Date {
    type Err = UnknownCode;

    fn from_str(text: &str) -> Result<Self, UnknownCode> {
        let error = || UnknownCode {
            what: "date",
            code: text.to_owned(),
            expected: "a date as YYYY-MM-DD",
        };
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return Err(error());
        }
        let number =
            |range: std::ops::Range<usize>| text[range].parse::<u32>().map_err(|_| error());
        let year = i32::try_from(number(0..4)?).map_err(|_| error())?;
        Self::from_ymd(year, number(5..7)?, number(8..10)?).ok_or_else(error)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.ymd();
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's `days_from_civil`: exact for every proleptic Gregorian date.
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400) as u32;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe as i32 + era * 400 + i32::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let date: Date = "2026-09-30".parse().unwrap();
        assert_eq!(date.to_string(), "2026-09-30");
        assert_eq!("1970-01-01".parse::<Date>().unwrap().days(), 0);
        assert_eq!("2000-03-01".parse::<Date>().unwrap().days(), 11_017);
        assert_eq!("2024-02-29".parse::<Date>().unwrap().ymd(), (2024, 2, 29));
    }

    #[test]
    fn rejects_malformed_and_impossible_dates() {
        for text in [
            "2026-9-30",
            "2026/09/30",
            "2026-13-01",
            "2025-02-29",
            "2026-04-31",
            "20260930",
            "2026-09-3x",
        ] {
            assert!(text.parse::<Date>().is_err(), "{text}");
        }
    }

    #[test]
    fn measures_ages() {
        let granted: Date = "2026-03-31".parse().unwrap();
        let pickup: Date = "2027-01-01".parse().unwrap();
        assert_eq!(pickup.days_since(granted), 276);
        assert_eq!(granted.days_since(pickup), -276);
    }

    #[test]
    fn round_trips_every_day_of_a_leap_cycle() {
        let start = Date::from_ymd(1999, 12, 31).unwrap().days();
        for days in start..start + 366 * 5 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
