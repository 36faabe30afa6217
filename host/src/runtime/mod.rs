//! The sandboxed plugin runtime: wasmtime engine, module loading, and calls under limits.
//!
//! A module is compiled once ([`Runtime::load`]) into a pre-instantiated
//! template; every call runs on a fresh instance with an empty WASI, a fixed
//! clock and seed ([`Sandbox`]), and the [`Limits`] of its kind of call. A vertical's
//! sample data generator runs the same way ([`SampleSource`], [`Runtime::load_samples`]).

mod bindings;
mod cache;
mod clock;
mod contract;
mod ctx;
mod engine;
mod error;
mod limits;
mod module;
mod outcome;
mod samples;

pub use bindings::{Evidence, FieldProblem, Outcome, Rejections, Scores, Texts};
pub use contract::{PACKAGE as WIT_PACKAGE, WIT_VERSION};
pub use ctx::{LogLine, Sandbox};
pub use engine::{EPOCH_TICK, Loaded, Metering, Runtime, RuntimeConfig, YIELD_FUEL};
pub use error::{
    Error, Limit, MAX_CODE_BYTES, MAX_DETAIL_BYTES, MAX_SUMMARY_DETAIL_BYTES, Result, cap,
};
pub use limits::Limits;
pub use module::{Call, CallStats, FieldInfo, Kind, Module, ModuleInfo};
pub use outcome::{Score, SharedTexts};
pub use samples::SampleSource;
