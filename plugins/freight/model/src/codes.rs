//! The fixed vocabularies of the vertical: equipment types, authority statuses and
//! safety ratings (and US states, which the SDK defines for every vertical).
//!
//! Each is a one-byte enum parsed from its JSON code. It archives as itself, so a
//! rule compares an archived carrier's home state with the profile's origin directly.

use shortlist_sdk::code_enum;
pub use shortlist_sdk::codes::{Code, State, UnknownCode};

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
