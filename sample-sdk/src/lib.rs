//! Write a vertical's sample data generator: implement [`Samples`] and call
//! [`export_samples!`] once.
//!
//! A generator is a component of its own (the `samples` world of `wit/world.wit`), kept
//! apart from `shortlist-sdk` so that its exports never mix with a rule module's. The host
//! runs it in the same sandbox as the rules, to give `shortlist sample`, the demo and the
//! smoke check at publish time realistic data, without any vertical's code in the host.
//!
//! ```
//! use shortlist_sample_sdk::{Samples, serde_json::{Value, json}};
//!
//! struct Lanes;
//!
//! impl Samples for Lanes {
//!     fn candidate(seed: u64, index: u32) -> Value {
//!         json!({ "id": format!("c{index}"), "name": format!("Carrier {index}"), "seed": seed })
//!     }
//!
//!     fn profiles() -> Vec<(&'static str, Value)> {
//!         vec![("default", json!({ "entity": "acme" }))]
//!     }
//! }
//!
//! shortlist_sample_sdk::export_samples!(Lanes);
//! # assert_eq!(shortlist_sample_sdk::candidates::<Lanes>(7, 1, 2).unwrap(),
//! #     r#"[{"id":"c1","name":"Carrier 1","seed":7},{"id":"c2","name":"Carrier 2","seed":7}]"#);
//! ```

pub mod bindings;
mod rng;

use std::marker::PhantomData;

pub use rng::Rng;
pub use serde_json;
use serde_json::Value;

use bindings::exports::shortlist::plugin::sample::Guest;
use bindings::shortlist::plugin::types::PluginError;

/// A vertical's sample data. Candidate `index` must depend only on `seed` and `index`.
pub trait Samples {
    /// Sample candidate `index` of the pool for `seed`: a JSON object with a unique `id`
    /// and a `name`.
    fn candidate(seed: u64, index: u32) -> Value;

    /// The sample profiles, by name, the default first.
    fn profiles() -> Vec<(&'static str, Value)>;
}

/// Candidates `start..start + count` for `seed`, as the JSON array the host receives: the
/// same entry point the component exports, callable natively in tests.
///
/// # Errors
///
/// A range past `u32::MAX`.
pub fn candidates<S: Samples>(seed: u64, start: u32, count: u32) -> Result<String, String> {
    let end = start
        .checked_add(count)
        .ok_or_else(|| format!("candidates {start} + {count} run past {}", u32::MAX))?;
    let all: Vec<Value> = (start..end).map(|i| S::candidate(seed, i)).collect();
    serde_json::to_string(&all).map_err(|e| e.to_string())
}

/// The profiles as the host receives them: name and JSON text.
pub fn profiles<S: Samples>() -> Vec<(String, String)> {
    S::profiles()
        .into_iter()
        .map(|(name, profile)| (name.to_owned(), profile.to_string()))
        .collect()
}

/// The first `size` candidates of the pool for `seed`, natively: what tests and benches
/// build their pools from.
pub fn pool<S: Samples>(size: usize, seed: u64) -> Vec<Value> {
    (0..size)
        .map(|i| S::candidate(seed, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect()
}

/// The sample profile called `name`, or the default (the first) when `name` is `None`.
pub fn profile<S: Samples>(name: Option<&str>) -> Option<Value> {
    let mut profiles = S::profiles().into_iter();
    let found = match name {
        None => profiles.next(),
        Some(name) => profiles.find(|(n, _)| *n == name),
    };
    found.map(|(_, profile)| profile)
}

/// The names of the sample profiles, the default first.
pub fn profile_names<S: Samples>() -> Vec<&'static str> {
    S::profiles().into_iter().map(|(name, _)| name).collect()
}

/// Exports `S` as the component's sample data; used by [`export_samples!`].
pub struct SamplesAdapter<S>(PhantomData<S>);

impl<S: Samples> Guest for SamplesAdapter<S> {
    fn candidates(seed: u64, start: u32, count: u32) -> Result<String, PluginError> {
        candidates::<S>(seed, start, count).map_err(|message| PluginError {
            code: "invalid_range".to_owned(),
            message,
        })
    }

    fn profiles() -> Vec<(String, String)> {
        profiles::<S>()
    }
}

/// Exports a [`Samples`] as this component's sample data. Call it once, in the crate root.
///
/// Outside `wasm32` it expands to nothing, so the crate also builds natively for tests.
#[macro_export]
macro_rules! export_samples {
    ($samples:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type ShortlistSamples = $crate::SamplesAdapter<$samples>;
            $crate::bindings::export_samples_world!(ShortlistSamples with_types_in $crate::bindings);
        };
    };
}
