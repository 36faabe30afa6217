//! Fixed vocabularies: one-byte enums parsed from their JSON codes
//! ([`code_enum!`](crate::code_enum)), profile values that keep an unknown code for
//! `check_profile` to name ([`Code`]), and
//! the vocabulary every US vertical shares, [`State`].
//!
//! A code enum archives as itself, so a rule compares an archived candidate's code with
//! the profile's directly.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

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

/// Defines a one-byte code enum that archives as itself and parses from its JSON code:
/// `ALL`, `code()`, `FromStr` (an [`UnknownCode`] naming what was expected), `Display`
/// and `Deserialize`.
///
/// ```
/// shortlist_sdk::code_enum! {
///     /// A trailer type.
///     pub enum Trailer ("trailer type", "one of van, reefer") {
///         /// A dry van.
///         Van = "van",
///         /// A refrigerated van.
///         Reefer = "reefer",
///     }
/// }
/// assert_eq!("reefer".parse::<Trailer>(), Ok(Trailer::Reefer));
/// assert_eq!(Trailer::Van.code(), "van");
/// assert!("tank".parse::<Trailer>().unwrap_err().to_string().contains("one of van, reefer"));
/// ```
#[macro_export]
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
            $crate::rkyv::Archive,
            $crate::rkyv::Serialize,
            $crate::rkyv::Portable,
            $crate::rkyv::bytecheck::CheckBytes,
        )]
        #[rkyv(crate = $crate::rkyv, as = Self)]
        #[bytecheck(crate = $crate::rkyv::bytecheck)]
        #[repr(u8)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The JSON code.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::codes::UnknownCode;

            fn from_str(text: &str) -> Result<Self, $crate::codes::UnknownCode> {
                match text {
                    $($code => Ok(Self::$variant),)+
                    _ => Err($crate::codes::UnknownCode {
                        what: $what,
                        code: text.to_owned(),
                        expected: $expected,
                    }),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let text = <String as $crate::serde::Deserialize>::deserialize(deserializer)?;
                text.parse().map_err(<D::Error as $crate::serde::de::Error>::custom)
            }
        }
    };
}

crate::code_enum! {
    /// A US state or DC, by its USPS code. Its position is its bit in a state mask
    /// ([`State::bit`]), e.g. the states a candidate serves.
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
    /// This state's bit in a state mask.
    pub const fn bit(self) -> u64 {
        1 << self as u8
    }

    /// The mask with every state set.
    pub const ALL_MASK: u64 = (1 << Self::ALL.len()) - 1;
}
