//! Write Shortlist rule modules over typed structs.
//!
//! A module is either a [`Filter`] (keeps or rejects each candidate, with a
//! reason) or a [`Scorer`] (rates each eligible candidate from
//! [`Level::L1`] (best) to [`Level::L4`] on the dimensions it owns). The SDK
//! does everything else the WIT contract (`wit/world.wit`) asks of a module:
//! it parses the profile, turns the pool into a compact zero-copy form once
//! per pool version ([`prepare_pool`]), reads that form in place on every job
//! ([`filter`], [`score`]), validates profiles against the fields a module
//! declares, and exports the component's functions ([`export_filter!`],
//! [`export_scorer!`]).
//!
//! Rules are written over the *archived* form of the candidate type (`rkyv`),
//! which reads like the struct itself: strings deref to `&str`, vectors to
//! slices, and numbers convert with `to_native()`.
//!
//! ```
//! use shortlist_sdk::{rkyv, serde};
//! use shortlist_sdk::{Filter, Metadata, Module};
//!
//! #[derive(serde::Deserialize)]
//! #[serde(crate = "shortlist_sdk::serde")]
//! struct Profile {
//!     state: String,
//! }
//!
//! #[derive(serde::Deserialize, rkyv::Archive, rkyv::Serialize)]
//! #[serde(crate = "shortlist_sdk::serde")]
//! #[rkyv(crate = shortlist_sdk::rkyv)]
//! struct Carrier {
//!     states: Vec<String>,
//! }
//!
//! struct StateFilter;
//!
//! impl Module for StateFilter {
//!     type Profile = Profile;
//!     type Candidate = Carrier;
//!
//!     fn metadata() -> Metadata {
//!         Metadata::new("states", env!("CARGO_PKG_VERSION"), "insurance")
//!             .describe("Rejects carriers that do not write the profile's state.")
//!             .field("state", true, "Two-letter US state code.")
//!     }
//! }
//!
//! impl Filter for StateFilter {
//!     fn check(profile: &Profile, carrier: &ArchivedCarrier) -> Result<(), String> {
//!         if carrier.states.iter().any(|s| s.as_str() == profile.state) {
//!             Ok(())
//!         } else {
//!             Err(format!("does not write {}", profile.state))
//!         }
//!     }
//! }
//!
//! shortlist_sdk::export_filter!(StateFilter);
//!
//! // The same crate runs natively too, which is how authors test their rules.
//! let pool = shortlist_sdk::prepare_pool::<StateFilter>(r#"[{"states":["CA"]},{"states":["NY"]}]"#)?;
//! let rejected = shortlist_sdk::filter::<StateFilter>(r#"{"state":"CA"}"#, &pool, &[0, 1])?;
//! assert_eq!(rejected.iter().collect::<Vec<_>>(), [(1, "does not write CA")]);
//! # Ok::<(), shortlist_sdk::PluginError>(())
//! ```
//!
//! For a vertical's data model, shared by its modules: [`codes`] (vocabularies as one-byte
//! enums, [`code_enum!`], US [`codes::State`]s), [`date`] (calendar dates that archive
//! as a day number) and [`format`](mod@format) (short amounts for notes, e.g. `$2.5M`).
#![warn(missing_docs)]

mod adapter;
pub mod codes;
pub mod date;
pub mod format;
mod log;
mod metadata;
mod output;
mod pool;

pub mod bindings;

pub use adapter::{FilterAdapter, ScorerAdapter};
pub use log::{debug, error, info, take_native_logs, warn};
pub use metadata::{FieldSpec, Metadata};
pub use output::{Note, Score};
pub use pool::{filter, prepare_pool, score, validate_profile};

pub use bindings::shortlist::plugin::types::{
    Evidence, FieldProblem, ModuleKind, PluginError, Rejections, Scores, Texts,
};

/// Re-exported so plugins derive archive formats without a direct dependency.
pub use rkyv;
/// Re-exported so plugins derive `Deserialize` without a direct dependency.
pub use serde;
/// Re-exported for modules that read optional or free-form profile fields.
pub use serde_json;

use rkyv::api::high::{HighSerializer, HighValidator};
use rkyv::bytecheck::CheckBytes;
use rkyv::rancor;
use rkyv::ser::allocator::ArenaHandle;
use rkyv::util::AlignedVec;
use serde::de::DeserializeOwned;

/// The archived (zero-copy) form of a candidate type `T`.
pub type Archived<T> = rkyv::Archived<T>;

/// A candidate type: read from the pool's JSON once, stored archived, read in place on every job.
///
/// Implemented for every type that derives `serde::Deserialize`, `rkyv::Archive`
/// and `rkyv::Serialize`.
pub trait Record:
    DeserializeOwned
    + rkyv::Archive<Archived: for<'a> CheckBytes<HighValidator<'a, rancor::Error>>>
    + for<'a> rkyv::Serialize<HighSerializer<AlignedVec, ArenaHandle<'a>, rancor::Error>>
{
}

impl<T> Record for T where
    T: DeserializeOwned
        + rkyv::Archive<Archived: for<'a> CheckBytes<HighValidator<'a, rancor::Error>>>
        + for<'a> rkyv::Serialize<HighSerializer<AlignedVec, ArenaHandle<'a>, rancor::Error>>
{
}

/// What every module has: its description, its profile and candidate types, and profile checks.
pub trait Module {
    /// The profile, as this module reads it (unknown fields are ignored).
    type Profile: DeserializeOwned;
    /// One candidate, as this module reads it (unknown fields are ignored).
    type Candidate: Record;

    /// Name, version, vertical, description and the profile fields read.
    fn metadata() -> Metadata;

    /// Checks a parsed profile beyond its shape, e.g. that `state` is a real state code.
    ///
    /// Required fields and field types are checked before this is called.
    fn check_profile(profile: &Self::Profile) -> Vec<FieldProblem> {
        let _ = profile;
        Vec::new()
    }
}

/// A module that decides eligibility.
pub trait Filter: Module {
    /// Keeps a candidate (`Ok`) or rejects it with a short reason, e.g. `does not write CA`.
    fn check(profile: &Self::Profile, candidate: &Archived<Self::Candidate>) -> Result<(), String>;
}

/// A module that rates eligible candidates on its dimensions.
pub trait Scorer: Module {
    /// The dimensions this module scores, e.g. `["financial", "pricing"]`.
    const DIMENSIONS: &'static [&'static str];

    /// Rates one candidate: call [`Ratings::rate`] once per dimension.
    fn score(
        profile: &Self::Profile,
        candidate: &Archived<Self::Candidate>,
        ratings: &mut Ratings<'_>,
    );
}

/// A fit level: `L1` is the best fit, `L4` the worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    /// Best fit.
    L1 = 1,
    /// Good fit.
    L2 = 2,
    /// Weak fit.
    L3 = 3,
    /// Poor fit.
    L4 = 4,
}

/// Collects one candidate's ratings; handed to [`Scorer::score`].
pub struct Ratings<'a> {
    candidate: u32,
    dimensions: &'static [&'static str],
    out: &'a mut Scores,
}

impl Ratings<'_> {
    /// Records the level of one dimension, with a short note and how much data backed it.
    ///
    /// The note is written straight into the module's output: pass `format_args!(...)`
    /// rather than `format!(...)` to skip the `String`.
    ///
    /// # Panics
    ///
    /// If `dimension` is not one of the module's [`Scorer::DIMENSIONS`]: that is a bug in
    /// the module, and the host reports it as a trapped module.
    pub fn rate(&mut self, dimension: &str, level: Level, note: impl Note, evidence: Evidence) {
        // Rules pass the very constants `DIMENSIONS` is built from, so comparing addresses
        // finds the dimension without comparing bytes, which in wasm is a loop per byte.
        let index = self
            .dimensions
            .iter()
            .position(|d| std::ptr::eq(*d, dimension))
            .or_else(|| self.dimensions.iter().position(|d| *d == dimension))
            .unwrap_or_else(|| panic!("dimension {dimension:?} is not declared in DIMENSIONS"));
        self.out
            .push(self.candidate, index as u8, level as u8, evidence, note);
    }
}
