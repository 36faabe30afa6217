//! The `shortlist` binary end to end, as operators, authors and auditors use it: one test
//! binary, so the host and wasmtime are linked once.

mod chaos;
mod cli;
mod common;
mod guide;
mod lifecycle;
mod service;
mod verticals;
