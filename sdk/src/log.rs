//! Log lines a module adds to the audit trace of the current job.
//!
//! Inside the sandbox they go to the host's `log` import; compiled natively
//! (author tests, benchmarks) they are kept in a per-thread buffer that
//! [`take_native_logs`] drains.

use crate::bindings::shortlist::plugin::log::Level;

fn emit(level: Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    crate::bindings::shortlist::plugin::log::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    NATIVE_LOGS.with(|logs| logs.borrow_mut().push((level, message.to_owned())));
}

#[cfg(not(target_arch = "wasm32"))]
thread_local! {
    static NATIVE_LOGS: std::cell::RefCell<Vec<(Level, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Drains the lines logged on this thread by natively compiled modules.
///
/// Always empty inside the sandbox, where lines go to the host.
pub fn take_native_logs() -> Vec<(Level, String)> {
    #[cfg(not(target_arch = "wasm32"))]
    return NATIVE_LOGS.with(|logs| std::mem::take(&mut *logs.borrow_mut()));
    #[cfg(target_arch = "wasm32")]
    Vec::new()
}

/// Records a detail for the module's author.
pub fn debug(message: &str) {
    emit(Level::Debug, message);
}

/// Records a notable decision.
pub fn info(message: &str) {
    emit(Level::Info, message);
}

/// Records something odd in the input that the module worked around.
pub fn warn(message: &str) {
    emit(Level::Warn, message);
}

/// Records something the module could not handle.
pub fn error(message: &str) {
    emit(Level::Error, message);
}
