//! The generated host bindings of the `shortlist:plugin` worlds; the only `bindgen!`s in
//! the host: `plugin` (rule modules) and, in [`samples`], `samples` (sample data).
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

/// The `samples` world: a vertical's sample data generator.
pub mod samples {
    wasmtime::component::bindgen!({
        world: "samples",
        path: "../wit",
        exports: { default: async },
        with: { "shortlist:plugin/types": super::shortlist::plugin::types },
    });
}
