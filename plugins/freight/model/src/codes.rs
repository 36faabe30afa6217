//! The fixed vocabularies of the vertical: states, equipment types, authority statuses and
//! safety ratings.
//!
//! Each is a one-byte enum parsed from its JSON code. It archives as itself, so a
//! rule compares an archived carrier's home state with the profile's origin directly.

use std::fmt;
use std::str::FromStr;

use shortlist_sdk::serde::{Deserialize, Deserializer, de};

/// A code that is not in its vocabulary, e.g. state `ZZ`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCode {
    /// What the code should have been, e.g. `state code`.
    pub what: &'static str,
    /// The text as given.
    pub code: String,
    /// Which codes are accepted, as a phrase, e.g. `a two-letter US state code such as CA`.
    pub expected: &'static str,
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {:?}: expected {}",
            self.what, self.code, self.expected
        )
    }
}

impl std::error::Error for UnknownCode {}

/// A profile value drawn from a vocabulary: recognised, or kept as given.
///
/// Profiles keep unknown codes instead of failing to parse, so that
/// `check_profile` can name the field and the accepted values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code<T> {
    /// A recognised code.
    Known(T),
    /// Text that is not in the vocabulary, as given.
    Unknown(String),
}

impl<T: Copy> Code<T> {
    /// The recognised value, if any.
    pub fn known(&self) -> Option<T> {
        match self {
            Self::Known(value) => Some(*value),
            Self::Unknown(_) => None,
        }
    }
}

impl<T: fmt::Display> fmt::Display for Code<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Known(value) => value.fmt(f),
            Self::Unknown(text) => f.write_str(text),
        }
    }
}

impl<'de, T: FromStr> Deserialize<'de> for Code<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.parse() {
            Ok(value) => Self::Known(value),
            Err(_) => Self::Unknown(text),
        })
    }
}

/// Defines a one-byte code enum that archives as itself and parses from its JSON code.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal, $expected:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            shortlist_sdk::rkyv::Archive,
            shortlist_sdk::rkyv::Serialize,
            shortlist_sdk::rkyv::Portable,
            shortlist_sdk::rkyv::bytecheck::CheckBytes,
        )]
        #[rkyv(crate = shortlist_sdk::rkyv, as = Self)]
        #[bytecheck(crate = shortlist_sdk::rkyv::bytecheck)]
        #[repr(u8)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The JSON code, e.g. `dry_van`.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownCode;

            fn from_str(text: &str) -> Result<Self, UnknownCode> {
                match text {
                    $($code => Ok(Self::$variant),)+
                    _ => Err(UnknownCode { what: $what, code: text.to_owned(), expected: $expected }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(de::Error::custom)
            }
        }
    };
}

code_enum! {
    /// A US state or DC, by its USPS code. Its position is its bit in a carrier's state mask.
    pub enum State ("state code", "a two-letter US state code such as CA or NY") {
        /// Alabama.
        Al = "AL",
        /// Alaska.
        Ak = "AK",
        /// Arizona.
        Az = "AZ",
        /// Arkansas.
        Ar = "AR",
        /// California.
        Ca = "CA",
        /// Colorado.
        Co = "CO",
        /// Connecticut.
        Ct = "CT",
        /// Delaware.
        De = "DE",
        /// District of Columbia.
        Dc = "DC",
        /// Florida.
        Fl = "FL",
        /// Georgia.
        Ga = "GA",
        /// Hawaii.
        Hi = "HI",
        /// Idaho.
        Id = "ID",
        /// Illinois.
        Il = "IL",
        /// Indiana.
        In = "IN",
        /// Iowa.
        Ia = "IA",
        /// Kansas.
        Ks = "KS",
        /// Kentucky.
        Ky = "KY",
        /// Louisiana.
        La = "LA",
        /// Maine.
        Me = "ME",
        /// Maryland.
        Md = "MD",
        /// Massachusetts.
        Ma = "MA",
        /// Michigan.
        Mi = "MI",
        /// Minnesota.
        Mn = "MN",
        /// Mississippi.
        Ms = "MS",
        /// Missouri.
        Mo = "MO",
        /// Montana.
        Mt = "MT",
        /// Nebraska.
        Ne = "NE",
        /// Nevada.
        Nv = "NV",
        /// New Hampshire.
        Nh = "NH",
        /// New Jersey.
        Nj = "NJ",
        /// New Mexico.
        Nm = "NM",
        /// New York.
        Ny = "NY",
        /// North Carolina.
        Nc = "NC",
        /// North Dakota.
        Nd = "ND",
        /// Ohio.
        Oh = "OH",
        /// Oklahoma.
        Ok = "OK",
        /// Oregon.
        Or = "OR",
        /// Pennsylvania.
        Pa = "PA",
        /// Rhode Island.
        Ri = "RI",
        /// South Carolina.
        Sc = "SC",
        /// South Dakota.
        Sd = "SD",
        /// Tennessee.
        Tn = "TN",
        /// Texas.
        Tx = "TX",
        /// Utah.
        Ut = "UT",
        /// Vermont.
        Vt = "VT",
        /// Virginia.
        Va = "VA",
        /// Washington.
        Wa = "WA",
        /// West Virginia.
        Wv = "WV",
        /// Wisconsin.
        Wi = "WI",
        /// Wyoming.
        Wy = "WY",
    }
}

impl State {
    /// This state's bit in a carrier's state mask ([`crate::Carrier::states`]).
    pub const fn bit(self) -> u64 {
        1 << self as u8
    }

    /// The mask with every state set.
    pub const ALL_MASK: u64 = (1 << Self::ALL.len()) - 1;
}

code_enum! {
    /// A trailer (or tractor-only) equipment type. Its position is its bit in a carrier's
    /// equipment mask.
    pub enum Equipment (
        "equipment type",
        "one of dry_van, reefer, flatbed, step_deck, tanker, power_only"
    ) {
        /// An enclosed 53-foot van for general freight.
        DryVan = "dry_van",
        /// A refrigerated van, for produce, food and pharmaceuticals.
        Reefer = "reefer",
        /// An open flatbed, for steel, lumber and machinery.
        Flatbed = "flatbed",
        /// A step-deck (drop-deck) flatbed, for loads too tall for a flatbed.
        StepDeck = "step_deck",
        /// A tank trailer, for bulk liquids and gases.
        Tanker = "tanker",
        /// A tractor and driver that pull the shipper's own trailer.
        PowerOnly = "power_only",
    }
}

impl Equipment {
    /// This type's bit in a carrier's equipment mask ([`crate::Carrier::equipment`]).
    pub const fn bit(self) -> u8 {
        1 << self as u8
    }

    /// The name used in notes and reasons, e.g. `dry van`.
    pub const fn display(self) -> &'static str {
        match self {
            Self::DryVan => "dry van",
            Self::Reefer => "reefer",
            Self::Flatbed => "flatbed",
            Self::StepDeck => "step deck",
            Self::Tanker => "tanker",
            Self::PowerOnly => "power only",
        }
    }

    /// Roughly the heaviest load, in pounds, this equipment carries without an overweight
    /// permit: the 80,000 lb federal gross limit less a typical tractor and trailer.
    pub const fn legal_payload_lbs(self) -> u32 {
        match self {
            Self::DryVan => 45_000,
            Self::Reefer => 43_500,
            Self::Flatbed => 48_000,
            Self::StepDeck => 46_000,
            Self::Tanker => 47_000,
            // The shipper's trailer is unknown; assume a dry van's.
            Self::PowerOnly => 45_000,
        }
    }
}

code_enum! {
    /// A carrier's operating authority (FMCSA), as its record states it.
    pub enum AuthorityStatus ("authority status", "one of active, inactive, revoked") {
        /// Authorized to haul for hire.
        Active = "active",
        /// Not currently authorized, e.g. insurance lapsed or voluntarily inactive.
        Inactive = "inactive",
        /// Revoked by FMCSA.
        Revoked = "revoked",
    }
}

code_enum! {
    /// An FMCSA safety rating, best first. Most carriers have never had a compliance review
    /// and are `unrated`.
    pub enum SafetyRating (
        "safety rating",
        "one of satisfactory, conditional, unsatisfactory, unrated"
    ) {
        /// Adequate safety management controls.
        Satisfactory = "satisfactory",
        /// Controls fall short but no out-of-service order; brokers review these.
        Conditional = "conditional",
        /// Inadequate controls; shippers and brokers do not use these carriers.
        Unsatisfactory = "unsatisfactory",
        /// Never rated (no compliance review).
        Unrated = "unrated",
    }
}

impl SafetyRating {
    /// The name used in notes and reasons, e.g. `Satisfactory`.
    pub const fn display(self) -> &'static str {
        match self {
            Self::Satisfactory => "Satisfactory",
            Self::Conditional => "Conditional",
            Self::Unsatisfactory => "Unsatisfactory",
            Self::Unrated => "unrated",
        }
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
        let error = "ZZ".parse::<State>().unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"unknown state code "ZZ": expected a two-letter US state code such as CA or NY"#
        );
    }

    #[test]
    fn equipment_codes_fit_a_byte() {
        assert_eq!(Equipment::ALL.len(), 6);
        let mask = Equipment::ALL.iter().fold(0u8, |m, e| m | e.bit());
        assert_eq!(mask.count_ones(), 6);
        assert_eq!("step_deck".parse::<Equipment>(), Ok(Equipment::StepDeck));
        assert_eq!(Equipment::StepDeck.display(), "step deck");
        assert!("van".parse::<Equipment>().is_err());
        for equipment in Equipment::ALL {
            assert!((40_000..80_000).contains(&equipment.legal_payload_lbs()));
        }
    }

    #[test]
    fn statuses_and_ratings() {
        assert_eq!(
            "revoked".parse::<AuthorityStatus>(),
            Ok(AuthorityStatus::Revoked)
        );
        assert_eq!(
            "Satisfactory"
                .parse::<SafetyRating>()
                .unwrap_err()
                .to_string(),
            r#"unknown safety rating "Satisfactory": expected one of satisfactory, conditional, unsatisfactory, unrated"#
        );
        assert_eq!(SafetyRating::Unrated.display(), "unrated");
    }

    #[test]
    fn codes_keep_unknown_text() {
        let known: Code<State> = shortlist_sdk::serde_json::from_str(r#""CA""#).unwrap();
        assert_eq!(known, Code::Known(State::Ca));
        let unknown: Code<Equipment> = shortlist_sdk::serde_json::from_str(r#""van""#).unwrap();
        assert_eq!(unknown, Code::Unknown("van".to_owned()));
        assert_eq!(unknown.known(), None);
        assert_eq!(unknown.to_string(), "van");
    }
}
