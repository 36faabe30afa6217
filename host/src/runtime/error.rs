//! What can go wrong when loading or calling a plugin, each with a stable code.
//!
//! A module's own words (its error message and code, what it wrote to stderr before a
//! trap) are bounded: the error keeps at most [`MAX_DETAIL_BYTES`] of them, for the
//! trace, and [`Error::summary`] gives clients a short named reason with a one-line
//! excerpt, so that a module cannot make a job's result or webhook large.

use crate::failure::FailureCode;

/// Most bytes of a module's own words (message, stderr) a failure keeps.
pub const MAX_DETAIL_BYTES: usize = 4096;

/// Most bytes of those words in the summary clients see ([`Error::summary`]).
pub const MAX_SUMMARY_DETAIL_BYTES: usize = 200;

/// Longest error code a module may give; a longer or odd one is cut and cleaned.
pub const MAX_CODE_BYTES: usize = 64;

/// `text` cut to at most `max` bytes (on a character boundary), saying how much was cut.
pub fn cap(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let cut = text.len();
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(&format!("… [{} more bytes cut]", cut - end));
    text
}

/// A module's error code, kept to `[a-z0-9_.-]` and [`MAX_CODE_BYTES`].
pub(crate) fn clean_code(code: &str) -> String {
    let cleaned: String = code
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_CODE_BYTES)
        .collect();
    if cleaned.is_empty() {
        "unnamed".to_owned()
    } else {
        cleaned
    }
}

/// A limit a plugin call ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// The wall-clock deadline passed.
    Deadline,
    /// The instruction budget ran out.
    Fuel,
    /// The module asked for more linear memory than its cap.
    Memory,
    /// The module returned more than the output cap.
    Output,
}

/// Errors of the plugin runtime. Every variant that a call can raise fails
/// only the job that made the call; the host and other jobs go on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A call ran into one of its [`Limit`]s. The job fails; not retried.
    #[error("module {module} exceeded its {} limit during {function}", limit_name(*.limit))]
    Limit {
        /// Module name.
        module: String,
        /// Exported function that was running.
        function: &'static str,
        /// Which limit.
        limit: Limit,
    },
    /// The module trapped (a panic, an abort, an unreachable). The job fails; not retried.
    #[error("module {module} trapped during {function}: {message}")]
    Trapped {
        /// Module name.
        module: String,
        /// Exported function that was running.
        function: &'static str,
        /// The trap and whatever the module wrote to stderr before it.
        message: String,
    },
    /// The module returned its own error. The job fails; not retried.
    #[error("module {module} failed during {function}: {code}: {message}")]
    Guest {
        /// Module name.
        module: String,
        /// Exported function that was running.
        function: &'static str,
        /// The module's error code.
        code: String,
        /// The module's message.
        message: String,
    },
    /// The module returned something the contract does not allow. The job fails; not retried.
    #[error("module {module} returned invalid output from {function}: {message}")]
    InvalidOutput {
        /// Module name.
        module: String,
        /// Exported function that was running.
        function: &'static str,
        /// What was wrong with it.
        message: String,
    },
    /// The bytes are not a usable module (not a component, wrong world, bad metadata).
    #[error("cannot load module {name}: {message}")]
    Load {
        /// File or module name.
        name: String,
        /// Why.
        message: String,
    },
    /// The host itself failed to run the call (e.g. instance slots exhausted). May be retried.
    #[error("plugin host failure: {0}")]
    Host(#[source] wasmtime::Error),
}

fn limit_name(limit: Limit) -> &'static str {
    match limit {
        Limit::Deadline => "time",
        Limit::Fuel => "fuel",
        Limit::Memory => "memory",
        Limit::Output => "output size",
    }
}

impl Error {
    /// The stable code that names this failure in job results and traces.
    pub fn code(&self) -> FailureCode {
        match self {
            Error::Limit { limit, .. } => match limit {
                Limit::Deadline => FailureCode::PluginTimeout,
                Limit::Fuel => FailureCode::PluginFuelExhausted,
                Limit::Memory => FailureCode::PluginMemoryExceeded,
                Limit::Output => FailureCode::PluginOutputTooLarge,
            },
            Error::Trapped { .. } => FailureCode::PluginTrapped,
            Error::Guest { .. } => FailureCode::PluginError,
            Error::InvalidOutput { .. } => FailureCode::PluginInvalidOutput,
            Error::Load { .. } => FailureCode::PluginLoadFailed,
            Error::Host(_) => FailureCode::PluginHostError,
        }
    }

    /// What clients see (results, webhooks, API errors): the named failure, and at most
    /// [`MAX_SUMMARY_DETAIL_BYTES`] of the module's own words on one line. The whole
    /// detail ([`std::fmt::Display`], itself bounded) belongs in the trace.
    pub fn summary(&self) -> String {
        let (head, detail) = match self {
            Error::Trapped {
                module,
                function,
                message,
            } => (
                format!("module {module} trapped during {function}"),
                message.as_str(),
            ),
            Error::Guest {
                module,
                function,
                code,
                message,
            } => (
                format!("module {module} failed during {function}: {code}"),
                message.as_str(),
            ),
            Error::InvalidOutput {
                module,
                function,
                message,
            } => (
                format!("module {module} returned invalid output from {function}"),
                message.as_str(),
            ),
            other => return other.to_string(),
        };
        let line = detail.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            return head;
        }
        let excerpt = cap(line, MAX_SUMMARY_DETAIL_BYTES);
        if excerpt.ends_with("cut]") {
            format!("{head}: {excerpt} (the whole is in the trace)")
        } else {
            format!("{head}: {excerpt}")
        }
    }

    /// The module the failure belongs to, when there is one.
    pub fn module(&self) -> Option<&str> {
        match self {
            Error::Limit { module, .. }
            | Error::Trapped { module, .. }
            | Error::Guest { module, .. }
            | Error::InvalidOutput { module, .. } => Some(module),
            Error::Load { name, .. } => Some(name),
            Error::Host(_) => None,
        }
    }
}

/// Results of the plugin runtime.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_cannot_make_its_failure_large() {
        let error = Error::Guest {
            module: "loud".into(),
            function: "evaluate",
            code: clean_code("Bad Input!!"),
            message: cap("é".repeat(1 << 20), MAX_DETAIL_BYTES),
        };
        assert!(
            error.to_string().len() < MAX_DETAIL_BYTES + 200,
            "the detail is capped"
        );
        let summary = error.summary();
        assert!(
            summary.starts_with("module loud failed during evaluate: bad_input__: éé"),
            "{summary}"
        );
        assert!(summary.len() < 400, "{}", summary.len());
        assert!(
            summary.ends_with("(the whole is in the trace)"),
            "{summary}"
        );
        assert_eq!(clean_code(&"x".repeat(500)).len(), MAX_CODE_BYTES);
        assert_eq!(clean_code(""), "unnamed");
    }

    #[test]
    fn a_short_detail_is_summarised_whole_on_one_line() {
        let error = Error::Trapped {
            module: "m".into(),
            function: "evaluate",
            message: "wasm trap: unreachable;\n  the module wrote: boom".into(),
        };
        assert_eq!(
            error.summary(),
            "module m trapped during evaluate: wasm trap: unreachable; the module wrote: boom"
        );
    }
}
