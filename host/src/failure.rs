//! Why an evaluation or a job failed: the stable codes that results, traces, webhooks and
//! the jobs table carry (`error.code`), one type for all of them.

use std::fmt;

use serde::{Serialize, Serializer};

/// A failure's stable code, written in snake_case wherever it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureCode {
    /// A module ran past its wall-clock deadline.
    PluginTimeout,
    /// A module burnt its fuel.
    PluginFuelExhausted,
    /// A module asked for more memory than it may have.
    PluginMemoryExceeded,
    /// A module wrote more output than it may.
    PluginOutputTooLarge,
    /// A module trapped (a panic, an unreachable, an exit).
    PluginTrapped,
    /// A module reported an error of its own.
    PluginError,
    /// A module returned what the contract does not allow.
    PluginInvalidOutput,
    /// A module could not be loaded.
    PluginLoadFailed,
    /// The host could not run a module call (no free instance slot, say).
    PluginHostError,
    /// A module was not prepared for the pool.
    PoolNotPrepared,
    /// The pool cannot be evaluated (a module refused it, or it does not read).
    InvalidPool,
    /// The job could not be evaluated for a reason of the service's own (no active
    /// release of its vertical, its pool version gone, its stored profile unreadable).
    EvaluationFailed,
    /// The workers running the job stopped, too many times.
    WorkerLost,
    /// The job failed for passing reasons too many times.
    RetriesExhausted,
}

impl FailureCode {
    /// Every code, in the order above.
    pub const ALL: [Self; 14] = [
        Self::PluginTimeout,
        Self::PluginFuelExhausted,
        Self::PluginMemoryExceeded,
        Self::PluginOutputTooLarge,
        Self::PluginTrapped,
        Self::PluginError,
        Self::PluginInvalidOutput,
        Self::PluginLoadFailed,
        Self::PluginHostError,
        Self::PoolNotPrepared,
        Self::InvalidPool,
        Self::EvaluationFailed,
        Self::WorkerLost,
        Self::RetriesExhausted,
    ];

    /// The code as written: `plugin_timeout`, say.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PluginTimeout => "plugin_timeout",
            Self::PluginFuelExhausted => "plugin_fuel_exhausted",
            Self::PluginMemoryExceeded => "plugin_memory_exceeded",
            Self::PluginOutputTooLarge => "plugin_output_too_large",
            Self::PluginTrapped => "plugin_trapped",
            Self::PluginError => "plugin_error",
            Self::PluginInvalidOutput => "plugin_invalid_output",
            Self::PluginLoadFailed => "plugin_load_failed",
            Self::PluginHostError => "plugin_host_error",
            Self::PoolNotPrepared => "pool_not_prepared",
            Self::InvalidPool => "invalid_pool",
            Self::EvaluationFailed => "evaluation_failed",
            Self::WorkerLost => "worker_lost",
            Self::RetriesExhausted => "retries_exhausted",
        }
    }
}

impl fmt::Display for FailureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FailureCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_and_written_in_snake_case() {
        let written: std::collections::HashSet<&str> =
            FailureCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(written.len(), FailureCode::ALL.len());
        for code in FailureCode::ALL {
            let text = code.as_str();
            assert!(
                text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{text}"
            );
            assert_eq!(serde_json::to_value(code).unwrap(), text);
        }
    }
}
