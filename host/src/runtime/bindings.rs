//! The generated host bindings of the `shortlist:plugin` world; the only `bindgen!` in the host.
#![allow(missing_docs)] // generated: the docs live in wit/world.wit

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit",
    imports: { default: tracing },
    exports: { default: async },
});

pub use shortlist::plugin::log::Level as LogLevel;
pub use shortlist::plugin::types::{
    Evidence, FieldProblem, Metadata, ModuleKind, Outcome, PluginError, Rejections, Scores, Texts,
};
