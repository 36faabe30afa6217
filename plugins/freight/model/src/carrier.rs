//! The carrier: one candidate of a pool, with its authority, service area, equipment,
//! insurance, safety record, price and performance.
//!
//! The pool's JSON is read once per pool version and archived; rules then read
//! [`ArchivedCarrier`] in place. So the archived form is kept small and cheap to
//! query: states are one `u64` bit mask, equipment one `u8` mask, codes single bytes,
//! and dates day numbers. Values a feed could get wrong (a percentage above 100, a
//! negative rate, an unknown code) make the pool invalid, with the reason.

use shortlist_sdk::rkyv;
use shortlist_sdk::serde::{Deserialize, Deserializer, de};

use crate::codes::{AuthorityStatus, Equipment, SafetyRating, State};
use shortlist_sdk::date::{ArchivedDate, Date};

/// One carrier in a pool. Every field but `id` and `name` may be missing: eligibility
/// rejects a carrier whose authority, service area, equipment or cargo insurance it
/// cannot confirm, and scorers fall back to a default level with `Evidence::Partial` or
/// `Evidence::None`.
#[derive(Debug, Deserialize, rkyv::Archive, rkyv::Serialize)]
#[serde(crate = "shortlist_sdk::serde")]
#[rkyv(crate = shortlist_sdk::rkyv)]
pub struct Carrier {
    /// Stable identifier within the pool, e.g. `lone-star-logistics`.
    ///
    /// Read from the pool (it must be there) but not archived, like `name` and the
    /// FMCSA numbers: no rule reads them, and the host shows them from the pool itself.
    #[rkyv(with = shortlist_sdk::rkyv::with::Skip)]
    pub id: String,
    /// Display name, e.g. `Lone Star Logistics`. Not archived (see `id`).
    #[rkyv(with = shortlist_sdk::rkyv::with::Skip)]
    pub name: String,
    /// USDOT number. Not archived (see `id`).
    #[serde(default)]
    #[rkyv(with = shortlist_sdk::rkyv::with::Skip)]
    pub dot_number: Option<u32>,
    /// MC (docket) number of its for-hire authority. Not archived (see `id`).
    #[serde(default)]
    #[rkyv(with = shortlist_sdk::rkyv::with::Skip)]
    pub mc_number: Option<u32>,
    /// Operating authority status.
    #[serde(default)]
    pub authority_status: Option<AuthorityStatus>,
    /// When the authority was granted (`YYYY-MM-DD`).
    #[serde(default)]
    pub authority_since: Option<Date>,
    /// States served, as a mask of [`State::bit`]; JSON: a list of state codes.
    #[serde(default, deserialize_with = "states_mask")]
    pub states: u64,
    /// Where the carrier is domiciled.
    #[serde(default)]
    pub home_state: Option<State>,
    /// The lanes the carrier runs regularly; JSON: `["TX-CA", "CA-TX"]`. Absent when
    /// the carrier publishes none (an empty list says it runs no regular lane).
    #[serde(default, deserialize_with = "lanes")]
    pub lanes: Option<Vec<Lane>>,
    /// Equipment operated, as a mask of [`Equipment::bit`]; JSON: a list of equipment codes.
    #[serde(default, deserialize_with = "equipment_mask")]
    pub equipment: u8,
    /// Power units (tractors) in the fleet.
    #[serde(default)]
    pub power_units: Option<u32>,
    /// Whether the carrier holds a hazmat safety permit and endorsed drivers.
    #[serde(default)]
    pub hazmat: Option<bool>,
    /// Cargo insurance on file, in US dollars.
    #[serde(default)]
    pub cargo_insurance: Option<u32>,
    /// FMCSA safety rating.
    #[serde(default)]
    pub safety_rating: Option<SafetyRating>,
    /// Vehicle out-of-service rate over the last 24 months of inspections, in percent.
    #[serde(default, deserialize_with = "percent")]
    pub vehicle_oos_pct: Option<f32>,
    /// Driver out-of-service rate over the last 24 months of inspections, in percent.
    #[serde(default, deserialize_with = "percent")]
    pub driver_oos_pct: Option<f32>,
    /// Roadside inspections behind the out-of-service rates.
    #[serde(default)]
    pub inspections: Option<u32>,
    /// The carrier's rate for the lane, in US dollars per mile.
    #[serde(default, deserialize_with = "rate")]
    pub rate_per_mile: Option<f32>,
    /// The lane's market rate (e.g. a rate index's average), in US dollars per mile.
    #[serde(default, deserialize_with = "rate")]
    pub market_rate_per_mile: Option<f32>,
    /// Share of loads picked up on time, in percent.
    #[serde(default, deserialize_with = "percent")]
    pub on_time_pickup_pct: Option<f32>,
    /// Share of loads delivered on time, in percent.
    #[serde(default, deserialize_with = "percent")]
    pub on_time_delivery_pct: Option<f32>,
    /// Share of tendered loads the carrier accepted, in percent.
    #[serde(default, deserialize_with = "percent")]
    pub tender_acceptance_pct: Option<f32>,
    /// Trucks the carrier can commit to the shipper each week.
    #[serde(default)]
    pub trucks_per_week: Option<u32>,
}

/// A lane a carrier runs regularly: from one state to another (or within one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, rkyv::Archive, rkyv::Serialize)]
#[rkyv(crate = shortlist_sdk::rkyv)]
pub struct Lane {
    /// Where loads pick up.
    pub origin: State,
    /// Where loads deliver.
    pub destination: State,
}

impl std::str::FromStr for Lane {
    type Err = String;

    /// Parses `TX-CA`.
    fn from_str(text: &str) -> Result<Self, String> {
        let error =
            || format!("lane {text:?} must be two state codes as ORIGIN-DESTINATION, e.g. TX-CA");
        let (origin, destination) = text.split_once('-').ok_or_else(error)?;
        Ok(Self {
            origin: origin.parse().map_err(|_| error())?,
            destination: destination.parse().map_err(|_| error())?,
        })
    }
}

impl ArchivedCarrier {
    /// The authority status, if on file.
    pub fn authority_status(&self) -> Option<AuthorityStatus> {
        self.authority_status.as_ref().copied()
    }

    /// When the authority was granted, if known.
    pub fn authority_since(&self) -> Option<Date> {
        self.authority_since.as_ref().map(ArchivedDate::to_native)
    }

    /// Whether the carrier serves `state`.
    pub fn serves(&self, state: State) -> bool {
        self.states.to_native() & state.bit() != 0
    }

    /// Whether the carrier has a service area on file at all.
    pub fn has_service_area(&self) -> bool {
        self.states.to_native() != 0
    }

    /// Where the carrier is domiciled, if known.
    pub fn home_state(&self) -> Option<State> {
        self.home_state.as_ref().copied()
    }

    /// Whether the carrier runs `origin`-`destination` regularly; `None` when it publishes
    /// no lanes.
    pub fn runs_lane(&self, origin: State, destination: State) -> Option<bool> {
        let lanes = self.lanes.as_ref()?;
        Some(
            lanes
                .iter()
                .any(|l| l.origin == origin && l.destination == destination),
        )
    }

    /// Whether the carrier operates `equipment`.
    pub fn has_equipment(&self, equipment: Equipment) -> bool {
        self.equipment & equipment.bit() != 0
    }

    /// Power units in the fleet, if known.
    pub fn power_units(&self) -> Option<u32> {
        self.power_units.as_ref().map(|p| p.to_native())
    }

    /// Whether the carrier hauls hazmat, if known.
    pub fn hazmat(&self) -> Option<bool> {
        self.hazmat.as_ref().copied()
    }

    /// Cargo insurance on file in US dollars, if any.
    pub fn cargo_insurance(&self) -> Option<u32> {
        self.cargo_insurance.as_ref().map(|c| c.to_native())
    }

    /// The safety rating, if on file.
    pub fn safety_rating(&self) -> Option<SafetyRating> {
        self.safety_rating.as_ref().copied()
    }

    /// Vehicle out-of-service rate in percent, if known.
    pub fn vehicle_oos_pct(&self) -> Option<f64> {
        float(self.vehicle_oos_pct.as_ref().map(|v| v.to_native()))
    }

    /// Driver out-of-service rate in percent, if known.
    pub fn driver_oos_pct(&self) -> Option<f64> {
        float(self.driver_oos_pct.as_ref().map(|v| v.to_native()))
    }

    /// Inspections behind the out-of-service rates, if known.
    pub fn inspections(&self) -> Option<u32> {
        self.inspections.as_ref().map(|i| i.to_native())
    }

    /// The carrier's rate in US dollars per mile, if quoted.
    pub fn rate_per_mile(&self) -> Option<f64> {
        float(self.rate_per_mile.as_ref().map(|v| v.to_native()))
    }

    /// The lane's market rate in US dollars per mile, if known.
    pub fn market_rate_per_mile(&self) -> Option<f64> {
        float(self.market_rate_per_mile.as_ref().map(|v| v.to_native()))
    }

    /// On-time pickup share in percent, if known.
    pub fn on_time_pickup_pct(&self) -> Option<f64> {
        float(self.on_time_pickup_pct.as_ref().map(|v| v.to_native()))
    }

    /// On-time delivery share in percent, if known.
    pub fn on_time_delivery_pct(&self) -> Option<f64> {
        float(self.on_time_delivery_pct.as_ref().map(|v| v.to_native()))
    }

    /// Tender acceptance share in percent, if known.
    pub fn tender_acceptance_pct(&self) -> Option<f64> {
        float(self.tender_acceptance_pct.as_ref().map(|v| v.to_native()))
    }

    /// Trucks a week the carrier can commit, if known.
    pub fn trucks_per_week(&self) -> Option<u32> {
        self.trucks_per_week.as_ref().map(|t| t.to_native())
    }
}

/// An archived `f32` as the `f64` its decimal text meant: `2.45f32` is 2.4500000477, which
/// would otherwise miss a 2.45 threshold. Rounding to four decimals recovers the decimal
/// (both sides round the same rational), and an `f32` holds rates and percentages to that
/// precision.
fn float(value: Option<f32>) -> Option<f64> {
    value.map(|v| (f64::from(v) * 10_000.0).round() / 10_000.0)
}

fn states_mask<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let codes = Vec::<State>::deserialize(deserializer)?;
    Ok(codes.iter().fold(0, |mask, state| mask | state.bit()))
}

fn equipment_mask<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u8, D::Error> {
    let codes = Vec::<Equipment>::deserialize(deserializer)?;
    Ok(codes
        .iter()
        .fold(0, |mask, equipment| mask | equipment.bit()))
}

fn lanes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<Lane>>, D::Error> {
    let Some(texts) = Option::<Vec<String>>::deserialize(deserializer)? else {
        return Ok(None);
    };
    texts
        .iter()
        .map(|text| text.parse().map_err(de::Error::custom))
        .collect::<Result<Vec<Lane>, D::Error>>()
        .map(Some)
}

fn percent<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f32>, D::Error> {
    let Some(value) = Option::<f32>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if (0.0..=100.0).contains(&value) {
        Ok(Some(value))
    } else {
        Err(de::Error::custom(format!(
            "{value} must be a percentage from 0 to 100"
        )))
    }
}

fn rate<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f32>, D::Error> {
    let Some(value) = Option::<f32>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if value.is_finite() && value > 0.0 {
        Ok(Some(value))
    } else {
        Err(de::Error::custom(format!(
            "rate {value} must be a positive amount in US dollars per mile"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shortlist_sdk::rkyv::rancor;
    use shortlist_sdk::serde_json;

    const LONE_STAR: &str = r#"{
        "id": "lone-star-logistics", "name": "Lone Star Logistics", "dot_number": 2841137, "mc_number": 912044,
        "authority_status": "active", "authority_since": "2011-06-14",
        "states": ["TX", "NM", "AZ", "CA"], "home_state": "TX", "lanes": ["TX-CA", "CA-TX"],
        "equipment": ["dry_van", "reefer"], "power_units": 140, "hazmat": false, "cargo_insurance": 250000,
        "safety_rating": "satisfactory", "vehicle_oos_pct": 12.5, "driver_oos_pct": 2.1, "inspections": 310,
        "rate_per_mile": 2.45, "market_rate_per_mile": 2.6,
        "on_time_pickup_pct": 97.5, "on_time_delivery_pct": 96, "tender_acceptance_pct": 91,
        "trucks_per_week": 8, "extra": "ignored"
    }"#;

    fn archive(json: &str) -> Vec<u8> {
        let carriers: Vec<Carrier> = serde_json::from_str(json).unwrap();
        rkyv::to_bytes::<rancor::Error>(&carriers)
            .unwrap()
            .into_vec()
    }

    fn with<R>(json: &str, f: impl FnOnce(&ArchivedCarrier) -> R) -> R {
        let bytes = archive(&format!("[{json}]"));
        let pool =
            rkyv::access::<rkyv::vec::ArchivedVec<ArchivedCarrier>, rancor::Error>(&bytes).unwrap();
        f(&pool[0])
    }

    #[test]
    fn a_full_record_archives_and_reads_back() {
        with(LONE_STAR, |c| {
            assert_eq!(c.authority_status(), Some(AuthorityStatus::Active));
            assert_eq!(c.authority_since(), Date::from_ymd(2011, 6, 14));
            assert!(c.serves(State::Tx) && c.serves(State::Ca));
            assert!(!c.serves(State::Ny));
            assert_eq!(c.home_state(), Some(State::Tx));
            assert_eq!(c.runs_lane(State::Tx, State::Ca), Some(true));
            assert_eq!(c.runs_lane(State::Tx, State::Az), Some(false));
            assert!(c.has_equipment(Equipment::Reefer));
            assert!(!c.has_equipment(Equipment::Flatbed));
            assert_eq!(c.power_units(), Some(140));
            assert_eq!(c.hazmat(), Some(false));
            assert_eq!(c.cargo_insurance(), Some(250_000));
            assert_eq!(c.safety_rating(), Some(SafetyRating::Satisfactory));
            assert_eq!(c.vehicle_oos_pct(), Some(12.5));
            assert_eq!(c.driver_oos_pct(), Some(2.1));
            assert_eq!(c.inspections(), Some(310));
            assert_eq!(c.rate_per_mile(), Some(2.45));
            assert_eq!(c.market_rate_per_mile(), Some(2.6));
            assert_eq!(c.on_time_pickup_pct(), Some(97.5));
            assert_eq!(c.on_time_delivery_pct(), Some(96.0));
            assert_eq!(c.tender_acceptance_pct(), Some(91.0));
            assert_eq!(c.trucks_per_week(), Some(8));
        });
    }

    #[test]
    fn a_minimal_record_has_no_optional_data() {
        with(r#"{"id": "m", "name": "M"}"#, |c| {
            assert_eq!(c.authority_status(), None);
            assert!(!c.has_service_area());
            assert!(!c.serves(State::Tx));
            assert_eq!(c.runs_lane(State::Tx, State::Ca), None);
            assert!(!c.has_equipment(Equipment::DryVan));
            assert_eq!(c.cargo_insurance(), None);
            assert_eq!(c.safety_rating(), None);
            assert_eq!(c.vehicle_oos_pct(), None);
            assert_eq!(c.rate_per_mile(), None);
            assert_eq!(c.trucks_per_week(), None);
        });
        with(r#"{"id": "m", "name": "M", "lanes": []}"#, |c| {
            assert_eq!(c.runs_lane(State::Tx, State::Ca), Some(false));
        });
    }

    #[test]
    fn bad_records_are_rejected_with_the_reason() {
        let cases = [
            (
                r#"{"id": "x", "name": "X", "states": ["ZZ"]}"#,
                "unknown state code \"ZZ\"",
            ),
            (
                r#"{"id": "x", "name": "X", "equipment": ["van"]}"#,
                "unknown equipment type \"van\"",
            ),
            (
                r#"{"id": "x", "name": "X", "lanes": ["TXCA"]}"#,
                "ORIGIN-DESTINATION",
            ),
            (
                r#"{"id": "x", "name": "X", "lanes": ["TX-ZZ"]}"#,
                "ORIGIN-DESTINATION",
            ),
            (
                r#"{"id": "x", "name": "X", "authority_status": "pending"}"#,
                "authority status",
            ),
            (
                r#"{"id": "x", "name": "X", "safety_rating": "good"}"#,
                "safety rating",
            ),
            (
                r#"{"id": "x", "name": "X", "vehicle_oos_pct": 140}"#,
                "percentage from 0 to 100",
            ),
            (
                r#"{"id": "x", "name": "X", "tender_acceptance_pct": -1}"#,
                "percentage from 0 to 100",
            ),
            (
                r#"{"id": "x", "name": "X", "rate_per_mile": 0}"#,
                "positive amount",
            ),
            (
                r#"{"id": "x", "name": "X", "authority_since": "2026-02-30"}"#,
                "YYYY-MM-DD",
            ),
            (r#"{"name": "X"}"#, "missing field `id`"),
        ];
        for (json, expected) in cases {
            let error = serde_json::from_str::<Carrier>(json)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains(expected),
                "{error} should contain {expected}"
            );
        }
    }

    #[test]
    fn the_archived_form_is_compact() {
        let bytes = archive(&format!("[{LONE_STAR}]"));
        assert!(bytes.len() < 200, "{} bytes", bytes.len());
    }
}
