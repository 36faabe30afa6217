//! The job queue's workers: claim a queued job with a lease, evaluate it, commit
//! its result and trace in one transaction, and keep the lease alive meanwhile.

mod claim_loop;
mod delivery;
mod retry;
mod worker;

use crate::failure::FailureCode;

pub use crate::time::now_ms;
pub use delivery::{
    DELIVERY_LEASE, DeliveryConfig, ROTATION_GRACE, org_secrets, rotate_secret, run_deliveries,
};
pub use retry::Backoff;
pub use worker::{WorkerConfig, run_workers, webhook_id};

/// Why an attempt at a job did not commit. The first two pass: the job goes back to the
/// queue after a backoff. Only the worker decides what to do with them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// The host could not run a module (no free instance slot, say), as the module's
    /// failure names it.
    #[error("{0}")]
    Host(String),
    /// A failure that another attempt would repeat: the job fails with this code.
    #[error("{message}")]
    Fatal {
        /// What the result and the trace say.
        code: FailureCode,
        /// What happened.
        message: String,
    },
}

impl Error {
    /// A failure another attempt would repeat, with the job's own reason.
    fn fatal(code: FailureCode, message: impl Into<String>) -> Self {
        Self::Fatal {
            code,
            message: message.into(),
        }
    }
}

/// Results of the job machinery.
pub type Result<T, E = Error> = std::result::Result<T, E>;
