//! Sample data of the freight vertical: carrier pools and shipper profiles, as a component
//! of the `samples` world that the host runs like any module (see `shortlist-sample-sdk`),
//! so that the host carries no freight code.
//!
//! The JSON is what `shortlist-freight-model` reads (`Carrier` and `Profile`); optional
//! data is left out rather than written as `null`, as real feeds do. The first carriers
//! are hand-set (e.g. `Lone Star Logistics`, a strong fit for the default Texas to
//! California dry-van lane); the rest are generated with a realistic spread of fleets,
//! authority, safety records, networks, rates and service, some with missing data.
//! Candidate `i` depends only on the seed and `i`.

mod generated;
mod named;
mod profiles;

use serde_json::{Map, Value};
use shortlist_sample_sdk::Samples;

use profiles::PROFILES;

/// The freight vertical's sample data.
pub struct FreightSamples;

impl Samples for FreightSamples {
    fn candidate(seed: u64, index: u32) -> Value {
        let index = index as usize;
        match named::NAMED.get(index) {
            Some(named) => Record::from(named).to_json(),
            None => generated::carrier(seed, index).to_json(),
        }
    }

    fn profiles() -> Vec<(&'static str, Value)> {
        PROFILES
            .iter()
            .map(|(name, make)| (*name, make()))
            .collect()
    }
}

shortlist_sample_sdk::export_samples!(FreightSamples);

/// A pool of `size` carriers for `seed`: the hand-set ones first, then generated ones.
pub fn pool(size: usize, seed: u64) -> Vec<Value> {
    shortlist_sample_sdk::pool::<FreightSamples>(size, seed)
}

/// The sample profile called `name`, or the default (a simple dry-van lane).
pub fn profile(name: Option<&str>) -> Option<Value> {
    shortlist_sample_sdk::profile::<FreightSamples>(name)
}

/// The names of the sample profiles, the default first.
pub fn profile_names() -> Vec<&'static str> {
    shortlist_sample_sdk::profile_names::<FreightSamples>()
}

pub(crate) const DRY_VAN: &str = "dry_van";
pub(crate) const REEFER: &str = "reefer";
pub(crate) const FLATBED: &str = "flatbed";
pub(crate) const STEP_DECK: &str = "step_deck";
pub(crate) const TANKER: &str = "tanker";
pub(crate) const POWER_ONLY: &str = "power_only";

/// Every equipment code, in the model's order; tests check pools and profiles against it.
#[cfg(test)]
pub(crate) const EQUIPMENT: [&str; 6] = [DRY_VAN, REEFER, FLATBED, STEP_DECK, TANKER, POWER_ONLY];

/// Every state code and DC.
pub(crate) const STATES: [&str; 51] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY",
];

/// One carrier's data before it becomes JSON; `None` is missing data.
pub(crate) struct Record {
    pub(crate) name: String,
    pub(crate) dot_number: Option<u32>,
    pub(crate) mc_number: Option<u32>,
    pub(crate) authority: Option<&'static str>,
    pub(crate) authority_since: Option<String>,
    pub(crate) states: Vec<&'static str>,
    pub(crate) home_state: Option<&'static str>,
    pub(crate) lanes: Option<Vec<String>>,
    pub(crate) equipment: Vec<&'static str>,
    pub(crate) power_units: Option<u32>,
    pub(crate) hazmat: Option<bool>,
    pub(crate) cargo_insurance: Option<u32>,
    /// Auto liability (BI/PD) on file, in US dollars.
    pub(crate) auto_liability: Option<u32>,
    pub(crate) safety_rating: Option<&'static str>,
    /// (vehicle, driver) out-of-service rates in percent.
    pub(crate) oos: (Option<f64>, Option<f64>),
    pub(crate) inspections: Option<u32>,
    /// (carrier's rate, lane's market rate) in US dollars per mile.
    pub(crate) rates: (Option<f64>, Option<f64>),
    /// (on-time pickup, on-time delivery, tender acceptance) in percent.
    pub(crate) service: (Option<f64>, Option<f64>, Option<f64>),
    pub(crate) trucks_per_week: Option<u32>,
}

impl From<&named::Named> for Record {
    fn from(n: &named::Named) -> Self {
        Self {
            name: n.name.to_owned(),
            dot_number: n.dot_number,
            mc_number: n.mc_number,
            authority: n.authority,
            authority_since: n.authority_since.map(str::to_owned),
            states: n.states.to_vec(),
            home_state: n.home_state,
            lanes: n
                .lanes
                .map(|lanes| lanes.iter().map(|l| (*l).to_owned()).collect()),
            equipment: n.equipment.to_vec(),
            power_units: n.power_units,
            hazmat: n.hazmat,
            cargo_insurance: n.cargo_insurance,
            auto_liability: n.auto_liability,
            safety_rating: n.safety_rating,
            oos: n.oos,
            inspections: n.inspections,
            rates: n.rates,
            service: n.service,
            trucks_per_week: n.trucks_per_week,
        }
    }
}

impl Record {
    /// The carrier as the model reads it.
    pub(crate) fn to_json(&self) -> Value {
        let mut c = Map::new();
        c.insert("id".into(), slug(&self.name).into());
        c.insert("name".into(), self.name.clone().into());
        insert(&mut c, "dot_number", self.dot_number);
        insert(&mut c, "mc_number", self.mc_number);
        insert(&mut c, "authority_status", self.authority);
        insert(&mut c, "authority_since", self.authority_since.clone());
        if !self.states.is_empty() {
            let states = self.states.iter().map(|s| Value::from(*s));
            c.insert("states".into(), states.collect());
        }
        insert(&mut c, "home_state", self.home_state);
        if let Some(lanes) = &self.lanes {
            let lanes = lanes.iter().map(|l| Value::from(l.as_str()));
            c.insert("lanes".into(), lanes.collect());
        }
        if !self.equipment.is_empty() {
            let equipment = self.equipment.iter().map(|e| Value::from(*e));
            c.insert("equipment".into(), equipment.collect());
        }
        insert(&mut c, "power_units", self.power_units);
        insert(&mut c, "hazmat", self.hazmat);
        insert(&mut c, "cargo_insurance", self.cargo_insurance);
        insert(&mut c, "auto_liability", self.auto_liability);
        insert(&mut c, "safety_rating", self.safety_rating);
        insert(&mut c, "vehicle_oos_pct", self.oos.0);
        insert(&mut c, "driver_oos_pct", self.oos.1);
        insert(&mut c, "inspections", self.inspections);
        insert(&mut c, "rate_per_mile", self.rates.0);
        insert(&mut c, "market_rate_per_mile", self.rates.1);
        insert(&mut c, "on_time_pickup_pct", self.service.0);
        insert(&mut c, "on_time_delivery_pct", self.service.1);
        insert(&mut c, "tender_acceptance_pct", self.service.2);
        insert(&mut c, "trucks_per_week", self.trucks_per_week);
        Value::Object(c)
    }
}

/// Inserts `key` only when there is a value: missing data is absent, not `null`.
fn insert<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value.into());
    }
}

/// A name as an id: `Peachtree Heavy Haul & Rigging` becomes `peachtree-heavy-haul-rigging`.
pub(crate) fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests;
