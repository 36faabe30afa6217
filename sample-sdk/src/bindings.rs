//! The generated bindings of the `samples` world of `shortlist:plugin`.
//!
//! Generators never use this module directly: [`crate::export_samples!`] wires a
//! [`crate::Samples`] type to the exports.
#![allow(missing_docs, unsafe_code)] // generated code: its docs come from the WIT, and it needs unsafe for the ABI

wit_bindgen::generate!({
    world: "samples",
    path: "../wit",
    pub_export_macro: true,
    export_macro_name: "export_samples_world",
    default_bindings_module: "shortlist_sample_sdk::bindings",
});
