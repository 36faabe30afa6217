//! How releases are named: `vertical@number`, e.g. `insurance@2`.

use std::fmt;
use std::str::FromStr;

/// A release's name: its vertical and its number within the vertical (from 1).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReleaseId {
    /// The vertical.
    pub vertical: String,
    /// The release's number.
    pub number: i64,
}

impl ReleaseId {
    /// `vertical@number`.
    pub fn new(vertical: impl Into<String>, number: i64) -> Self {
        Self {
            vertical: vertical.into(),
            number,
        }
    }
}

impl fmt::Display for ReleaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.vertical, self.number)
    }
}

/// A text that names no release.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a release: write vertical@number, e.g. insurance@2")]
pub struct InvalidReleaseId(pub String);

impl FromStr for ReleaseId {
    type Err = InvalidReleaseId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match ReleaseRef::from_str(s)? {
            ReleaseRef {
                vertical,
                number: Some(number),
            } => Ok(Self { vertical, number }),
            _ => Err(InvalidReleaseId(s.to_owned())),
        }
    }
}

/// A vertical's release by number, or its active release: `insurance@2` or `insurance`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseRef {
    /// The vertical.
    pub vertical: String,
    /// The number; `None` for the active release.
    pub number: Option<i64>,
}

impl FromStr for ReleaseRef {
    type Err = InvalidReleaseId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidReleaseId(s.to_owned());
        let (vertical, number) = match s.rsplit_once('@') {
            Some((vertical, number)) => {
                let number: i64 = number.parse().map_err(|_| invalid())?;
                (vertical, Some(number))
            }
            None => (s, None),
        };
        let valid_name = !vertical.is_empty()
            && vertical
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid_name || number.is_some_and(|n| n < 1) {
            return Err(invalid());
        }
        Ok(Self {
            vertical: vertical.to_owned(),
            number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_bad_ones_are_named() {
        let id: ReleaseId = "insurance@12".parse().unwrap();
        assert_eq!(id, ReleaseId::new("insurance", 12));
        assert_eq!(id.to_string(), "insurance@12");
        for bad in ["insurance", "@2", "insurance@0", "insurance@x", "a b@1", ""] {
            let err = bad.parse::<ReleaseId>().unwrap_err();
            assert!(err.to_string().contains("vertical@number"), "{bad}: {err}");
        }
        let active: ReleaseRef = "freight".parse().unwrap();
        assert_eq!(active.number, None);
    }
}
