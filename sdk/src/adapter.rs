//! Wires a [`Filter`] or [`Scorer`] to the component's exports.

use std::marker::PhantomData;

use crate::bindings::exports::shortlist::plugin::module::Guest;
use crate::bindings::shortlist::plugin::types::{
    FieldProblem, Metadata, ModuleKind, Outcome, PluginError,
};
use crate::{Filter, Scorer};

/// Exports filter `F`; used by [`crate::export_filter!`].
pub struct FilterAdapter<F>(PhantomData<F>);

/// Exports scorer `S`; used by [`crate::export_scorer!`].
pub struct ScorerAdapter<S>(PhantomData<S>);

impl<F: Filter> Guest for FilterAdapter<F> {
    fn describe() -> Metadata {
        F::metadata().into_wit(ModuleKind::Filter, &[])
    }

    fn validate_profile(profile: String) -> Vec<FieldProblem> {
        crate::validate_profile::<F>(&profile)
    }

    fn prepare_pool(candidates: String) -> Result<Vec<u8>, PluginError> {
        crate::prepare_pool::<F>(&candidates)
    }

    fn evaluate(
        profile: String,
        pool: Vec<u8>,
        candidates: Vec<u32>,
    ) -> Result<Outcome, PluginError> {
        crate::filter::<F>(&profile, &pool, &candidates).map(Outcome::Rejected)
    }
}

impl<S: Scorer> Guest for ScorerAdapter<S> {
    fn describe() -> Metadata {
        S::metadata().into_wit(ModuleKind::Scorer, S::DIMENSIONS)
    }

    fn validate_profile(profile: String) -> Vec<FieldProblem> {
        crate::validate_profile::<S>(&profile)
    }

    fn prepare_pool(candidates: String) -> Result<Vec<u8>, PluginError> {
        crate::prepare_pool::<S>(&candidates)
    }

    fn evaluate(
        profile: String,
        pool: Vec<u8>,
        candidates: Vec<u32>,
    ) -> Result<Outcome, PluginError> {
        crate::score::<S>(&profile, &pool, &candidates).map(Outcome::Scored)
    }
}

/// Exports a [`Filter`] as this component's module. Call it once, in the plugin crate's root.
///
/// Outside `wasm32` it expands to nothing, so the crate also builds natively for tests.
#[macro_export]
macro_rules! export_filter {
    ($filter:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type ShortlistModule = $crate::FilterAdapter<$filter>;
    $crate::bindings::export_module!(ShortlistModule with_types_in $crate::bindings);
        };
    };
}

/// Exports a [`Scorer`] as this component's module. Call it once, in the plugin crate's root.
///
/// Outside `wasm32` it expands to nothing, so the crate also builds natively for tests.
#[macro_export]
macro_rules! export_scorer {
    ($scorer:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type ShortlistModule = $crate::ScorerAdapter<$scorer>;
    $crate::bindings::export_module!(ShortlistModule with_types_in $crate::bindings);
        };
    };
}
