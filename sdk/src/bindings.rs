//! The generated bindings of the `shortlist:plugin` world; the only `wit-bindgen` call in the project.
//!
//! Plugins never use this module directly: [`crate::export_filter!`] and
//! [`crate::export_scorer!`] wire a plugin type to the exports, and the types
//! that cross the boundary are re-exported at the crate root.
#![allow(missing_docs, unsafe_code)] // generated code: its docs come from the WIT, and it needs unsafe for the ABI

wit_bindgen::generate!({
    world: "plugin",
    path: "../wit",
    pub_export_macro: true,
    export_macro_name: "export_module",
    default_bindings_module: "shortlist_sdk::bindings",
});
