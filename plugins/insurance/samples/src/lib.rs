//! Sample data of the insurance vertical: carrier pools and broker submissions, as a
//! component of the `samples` world that the host runs like any module (see
//! `shortlist-sample-sdk`), so that the host carries no insurance code.
//!
//! The JSON is what `shortlist-insurance-model` reads (`Carrier` and `Profile`);
//! optional data is left out rather than written as `null`, as real feeds do. The first
//! carriers are well-known names with hand-set data (e.g. `Hartford Financial`, a strong
//! fit for the seed profile); the rest are generated with a realistic spread of states,
//! lines, appetites, ratings, placement and service, some with missing data. Candidate
//! `i` depends only on the seed and `i`.

mod generated;
mod named;
mod profiles;

use serde_json::{Map, Value};
use shortlist_sample_sdk::Samples;

use profiles::PROFILES;

/// The insurance vertical's sample data.
pub struct InsuranceSamples;

impl Samples for InsuranceSamples {
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

shortlist_sample_sdk::export_samples!(InsuranceSamples);

/// A pool of `size` carriers for `seed`: the named ones first, then generated ones.
pub fn pool(size: usize, seed: u64) -> Vec<Value> {
    shortlist_sample_sdk::pool::<InsuranceSamples>(size, seed)
}

/// The sample profile called `name`, or the default (the public API's example).
pub fn profile(name: Option<&str>) -> Option<Value> {
    shortlist_sample_sdk::profile::<InsuranceSamples>(name)
}

/// The names of the sample profiles, the default first.
pub fn profile_names() -> Vec<&'static str> {
    shortlist_sample_sdk::profile_names::<InsuranceSamples>()
}

pub(crate) const PL: &str = "professional_liability";
pub(crate) const GL: &str = "general_liability";
pub(crate) const WC: &str = "workers_compensation";
pub(crate) const BOP: &str = "bop";
pub(crate) const CYBER: &str = "cyber";
pub(crate) const AUTO: &str = "commercial_auto";
pub(crate) const PROPERTY: &str = "property";

/// Every line code, in the model's order; tests check pools and profiles against it.
#[cfg(test)]
pub(crate) const LINES: [&str; 7] = [PL, GL, WC, BOP, CYBER, AUTO, PROPERTY];

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
    pub(crate) naic: Option<u32>,
    pub(crate) states: Vec<&'static str>,
    pub(crate) lines: Vec<named::Terms>,
    /// NAICS prefixes: (eligible, refer, decline).
    pub(crate) naics: Option<[Vec<&'static str>; 3]>,
    /// (min, auto-quote max, refer max).
    pub(crate) revenue: Option<(u64, u64, Option<u64>)>,
    pub(crate) max_experience_mod: Option<f64>,
    pub(crate) min_years: Option<u32>,
    pub(crate) max_claims: Option<u32>,
    /// (rating, size category).
    pub(crate) am_best: Option<(&'static str, Option<&'static str>)>,
    pub(crate) admitted: Option<bool>,
    pub(crate) binding: Option<bool>,
    pub(crate) quote: Option<&'static str>,
    pub(crate) turnaround: Option<u32>,
    pub(crate) claims: Option<f64>,
    /// (source, as-of date).
    pub(crate) source: Option<(&'static str, Option<String>)>,
}

impl From<&named::Named> for Record {
    fn from(n: &named::Named) -> Self {
        let states = match n.states {
            named::States::All => STATES.to_vec(),
            named::States::Except(excluded) => STATES
                .iter()
                .copied()
                .filter(|s| !excluded.contains(s))
                .collect(),
            named::States::Only(only) => only.to_vec(),
        };
        Self {
            name: n.name.to_owned(),
            naic: n.naic,
            states,
            lines: n.lines.to_vec(),
            naics: n.naics.map(|(eligible, refer, decline)| {
                [eligible.to_vec(), refer.to_vec(), decline.to_vec()]
            }),
            revenue: n.revenue,
            max_experience_mod: n.max_experience_mod,
            min_years: n.min_years,
            max_claims: n.max_claims,
            am_best: n.am_best,
            admitted: n.admitted,
            binding: n.binding,
            quote: n.quote,
            turnaround: n.turnaround,
            claims: n.claims,
            source: n
                .source
                .map(|(source, as_of)| (source, as_of.map(str::to_owned))),
        }
    }
}

impl Record {
    /// The carrier as the model reads it.
    pub(crate) fn to_json(&self) -> Value {
        let mut c = Map::new();
        c.insert("id".into(), slug(&self.name).into());
        c.insert("name".into(), self.name.clone().into());
        insert(&mut c, "naic", self.naic);
        c.insert(
            "states".into(),
            self.states.iter().map(|s| Value::from(*s)).collect(),
        );
        let lines = self.lines.iter().map(|&(line, min_premium, limits)| {
            let mut terms = Map::new();
            insert(&mut terms, "min_premium", min_premium);
            insert(&mut terms, "max_per_occurrence", limits.map(|l| l.0));
            insert(&mut terms, "max_aggregate", limits.map(|l| l.1));
            (line.to_owned(), Value::Object(terms))
        });
        c.insert("lines".into(), Value::Object(lines.collect()));
        if let Some([eligible, refer, decline]) = &self.naics {
            let mut guide = Map::new();
            for (key, prefixes) in [
                ("eligible", eligible),
                ("refer", refer),
                ("decline", decline),
            ] {
                if !prefixes.is_empty() {
                    guide.insert(
                        key.into(),
                        prefixes.iter().map(|p| Value::from(*p)).collect(),
                    );
                }
            }
            c.insert("naics".into(), Value::Object(guide));
        }
        if let Some((min, auto_quote_max, refer_max)) = self.revenue {
            let mut band = Map::new();
            band.insert("min".into(), min.into());
            band.insert("auto_quote_max".into(), auto_quote_max.into());
            insert(&mut band, "refer_max", refer_max);
            c.insert("revenue".into(), Value::Object(band));
        }
        insert(&mut c, "max_experience_mod", self.max_experience_mod);
        insert(&mut c, "min_years_in_business", self.min_years);
        insert(&mut c, "max_claims", self.max_claims);
        if let Some((rating, size)) = self.am_best {
            let mut best = Map::new();
            best.insert("rating".into(), rating.into());
            insert(&mut best, "size", size);
            c.insert("am_best".into(), Value::Object(best));
        }
        insert(&mut c, "admitted", self.admitted);
        insert(&mut c, "binding_authority", self.binding);
        insert(&mut c, "quote_method", self.quote);
        insert(&mut c, "quote_turnaround_hours", self.turnaround);
        insert(&mut c, "claims_rating", self.claims);
        if let Some((source, as_of)) = &self.source {
            c.insert("appetite_source".into(), (*source).into());
            insert(&mut c, "appetite_as_of", as_of.clone());
        }
        Value::Object(c)
    }
}

/// Inserts `key` only when there is a value: missing data is absent, not `null`.
fn insert<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value.into());
    }
}

/// A name as an id: `W. R. Berkley` becomes `w-r-berkley`.
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
