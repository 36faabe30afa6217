//! golden (pending the insurance plugins)
