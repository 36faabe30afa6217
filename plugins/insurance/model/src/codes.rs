//! The fixed vocabularies of the vertical: lines, AM Best ratings, quote methods, appetite
//! sources (and US states, which the SDK defines for every vertical).
//!
//! Each is a one-byte enum parsed from its JSON code. It archives as itself, so a
//! rule compares an archived carrier's line with the profile's line directly.

use std::fmt;
use std::str::FromStr;

use shortlist_sdk::code_enum;
pub use shortlist_sdk::codes::{Code, State, UnknownCode};

code_enum! {
    /// A line of business: the coverage a submission asks for.
    pub enum Line (
        "line",
        "one of professional_liability, general_liability, workers_compensation, bop, cyber, commercial_auto, property"
    ) {
        /// Professional liability (errors and omissions).
        ProfessionalLiability = "professional_liability",
        /// General liability.
        GeneralLiability = "general_liability",
        /// Workers' compensation and employer's liability.
        WorkersCompensation = "workers_compensation",
        /// Business owner's policy (property and liability package for small businesses).
        Bop = "bop",
        /// Cyber liability.
        Cyber = "cyber",
        /// Commercial auto.
        CommercialAuto = "commercial_auto",
        /// Commercial property.
        Property = "property",
    }
}

impl Line {
    /// The name used in notes and reasons, e.g. `prof. liability`.
    pub const fn display(self) -> &'static str {
        match self {
            Self::ProfessionalLiability => "prof. liability",
            Self::GeneralLiability => "gen. liability",
            Self::WorkersCompensation => "workers' comp",
            Self::Bop => "BOP",
            Self::Cyber => "cyber",
            Self::CommercialAuto => "commercial auto",
            Self::Property => "property",
        }
    }

    /// The short form used when listing several lines, e.g. `GL + cyber`.
    pub const fn abbreviation(self) -> &'static str {
        match self {
            Self::ProfessionalLiability => "PL",
            Self::GeneralLiability => "GL",
            Self::WorkersCompensation => "WC",
            Self::Bop => "BOP",
            Self::Cyber => "cyber",
            Self::CommercialAuto => "auto",
            Self::Property => "property",
        }
    }

    /// The lines usually placed with this one: a carrier that writes them can round out the account.
    pub const fn companions(self) -> &'static [Line] {
        match self {
            Self::ProfessionalLiability => &[Self::GeneralLiability, Self::Cyber],
            Self::GeneralLiability => &[Self::Property, Self::CommercialAuto],
            Self::WorkersCompensation => &[Self::GeneralLiability, Self::CommercialAuto],
            Self::Bop => &[Self::WorkersCompensation, Self::CommercialAuto],
            Self::Cyber => &[Self::ProfessionalLiability],
            Self::CommercialAuto => &[Self::GeneralLiability, Self::WorkersCompensation],
            Self::Property => &[Self::GeneralLiability],
        }
    }

    /// The limits (per occurrence, aggregate) a submission gets when it asks for none;
    /// `None` for lines whose limits are not chosen this way (statutory workers' comp,
    /// property insured to value).
    pub const fn standard_limits(self) -> Option<(u64, u64)> {
        match self {
            Self::ProfessionalLiability | Self::GeneralLiability | Self::Bop => {
                Some((1_000_000, 2_000_000))
            }
            Self::Cyber | Self::CommercialAuto => Some((1_000_000, 1_000_000)),
            Self::WorkersCompensation | Self::Property => None,
        }
    }
}

code_enum! {
    /// An AM Best financial strength rating, best first.
    pub enum Rating ("AM Best rating", "an AM Best rating such as A+, A, A- or B++, or NR") {
        /// Superior.
        APlusPlus = "A++",
        /// Superior.
        APlus = "A+",
        /// Excellent.
        A = "A",
        /// Excellent.
        AMinus = "A-",
        /// Good.
        BPlusPlus = "B++",
        /// Good.
        BPlus = "B+",
        /// Fair.
        B = "B",
        /// Fair.
        BMinus = "B-",
        /// Marginal.
        CPlusPlus = "C++",
        /// Marginal.
        CPlus = "C+",
        /// Weak.
        C = "C",
        /// Weak.
        CMinus = "C-",
        /// Poor.
        D = "D",
        /// Under regulatory supervision.
        E = "E",
        /// In liquidation.
        F = "F",
        /// Rating suspended.
        S = "S",
        /// Not rated.
        Nr = "NR",
    }
}

impl Rating {
    /// Whether this rating is `other` or better.
    pub fn at_least(self, other: Rating) -> bool {
        self <= other
    }
}

code_enum! {
    /// How a carrier produces a quote.
    pub enum QuoteMethod ("quote method", "one of api, portal, referral") {
        /// An API returns a bindable quote without an underwriter.
        Api = "api",
        /// The broker keys the submission into the carrier's portal.
        Portal = "portal",
        /// An underwriter reviews the submission.
        Referral = "referral",
    }
}

code_enum! {
    /// Where a carrier's appetite record comes from, most trusted last.
    pub enum AppetiteSource ("appetite source", "one of observed, stated, verified") {
        /// Inferred from the carrier's quoting and binding activity.
        Observed = "observed",
        /// Taken from the carrier's published appetite guide.
        Stated = "stated",
        /// Confirmed with the carrier by an underwriter or a recent bind.
        Verified = "verified",
    }
}

/// Converts an AM Best financial size category (`I` to `XV`) to its number.
pub fn size_from_roman(text: &str) -> Option<u8> {
    SIZE_CLASSES
        .iter()
        .position(|s| *s == text)
        .and_then(|i| u8::try_from(i + 1).ok())
}

/// Writes an AM Best financial size category (1 to 15) as its numeral, e.g. `XV`.
pub fn size_to_roman(size: u8) -> &'static str {
    size.checked_sub(1)
        .and_then(|i| SIZE_CLASSES.get(usize::from(i)))
        .copied()
        .unwrap_or("?")
}

const SIZE_CLASSES: [&str; 15] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
];

/// A six-digit NAICS code, e.g. `332710` (machine shops).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Naics(u32);

impl Naics {
    /// The code as a number, e.g. `332710`.
    pub const fn value(self) -> u32 {
        self.0
    }

    /// The code's first `digits` digits (2 to 6) as a number, e.g. `3327` for 4.
    pub const fn prefix(self, digits: u8) -> u32 {
        let drop = 6u32.saturating_sub(digits as u32);
        self.0 / 10u32.pow(drop)
    }
}

impl FromStr for Naics {
    type Err = UnknownCode;

    fn from_str(text: &str) -> Result<Self, UnknownCode> {
        if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse().map(Self).map_err(|_| naics_error(text))
        } else {
            Err(naics_error(text))
        }
    }
}

fn naics_error(text: &str) -> UnknownCode {
    UnknownCode {
        what: "NAICS code",
        code: text.to_owned(),
        expected: "six digits, e.g. 332710",
    }
}

impl fmt::Display for Naics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_codes_round_trip_and_fit_a_mask() {
        assert_eq!(State::ALL.len(), 51);
        for state in State::ALL {
            assert_eq!(state.code().parse::<State>(), Ok(*state));
            assert_eq!(state.code().len(), 2);
        }
        assert_eq!(State::Al.bit(), 1);
        assert_eq!(State::ALL_MASK.count_ones(), 51);
        assert_eq!("CA".parse::<State>(), Ok(State::Ca));
        let error = "ZZ".parse::<State>().unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"unknown state code "ZZ": expected a two-letter US state code such as CA or NY"#
        );
    }

    #[test]
    fn line_names() {
        assert_eq!(
            "professional_liability".parse::<Line>(),
            Ok(Line::ProfessionalLiability)
        );
        assert_eq!(Line::ProfessionalLiability.display(), "prof. liability");
        assert_eq!(Line::WorkersCompensation.display(), "workers' comp");
        assert_eq!(Line::Bop.code(), "bop");
        assert!("auto".parse::<Line>().is_err());
        for line in Line::ALL {
            assert!(!line.companions().contains(line));
        }
    }

    #[test]
    fn ratings_are_ordered_best_first() {
        assert!(Rating::APlusPlus.at_least(Rating::APlus));
        assert!(Rating::APlus.at_least(Rating::APlus));
        assert!(!Rating::AMinus.at_least(Rating::A));
        assert!(Rating::BPlusPlus < Rating::B);
        assert_eq!("A-".parse::<Rating>(), Ok(Rating::AMinus));
        assert_eq!(Rating::BPlusPlus.code(), "B++");
    }

    #[test]
    fn size_classes() {
        assert_eq!(size_from_roman("XV"), Some(15));
        assert_eq!(size_from_roman("VII"), Some(7));
        assert_eq!(size_from_roman("XVI"), None);
        assert_eq!(size_to_roman(15), "XV");
        assert_eq!(size_to_roman(0), "?");
    }

    #[test]
    fn naics_codes_and_prefixes() {
        let naics: Naics = "332710".parse().unwrap();
        assert_eq!(naics.prefix(4), 3327);
        assert_eq!(naics.prefix(2), 33);
        assert_eq!(naics.prefix(6), 332710);
        assert_eq!("054111".parse::<Naics>().unwrap().to_string(), "054111");
        assert!("5415".parse::<Naics>().is_err());
        assert!("54151a".parse::<Naics>().is_err());
        assert!("+54151".parse::<Naics>().is_err());
    }

    #[test]
    fn codes_keep_unknown_text() {
        let known: Code<State> = shortlist_sdk::serde_json::from_str(r#""CA""#).unwrap();
        assert_eq!(known, Code::Known(State::Ca));
        let unknown: Code<State> = shortlist_sdk::serde_json::from_str(r#""ZZ""#).unwrap();
        assert_eq!(unknown, Code::Unknown("ZZ".to_owned()));
        assert_eq!(unknown.known(), None);
        assert_eq!(unknown.to_string(), "ZZ");
    }
}
