//! The job queue's workers: claim a queued job with a lease, evaluate it, commit
//! its result and trace in one transaction, and keep the lease alive meanwhile.

mod claim_loop;
mod delivery;
mod retry;
mod worker;

pub use crate::time::now_ms;
pub use delivery::{
    DELIVERY_LEASE, DeliveryConfig, ROTATION_GRACE, org_secrets, rotate_secret, run_deliveries,
};
pub use retry::Backoff;
pub use worker::{WorkerConfig, run_workers, webhook_id};

/// Job errors carry retry intent; only the worker decides what to do with them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A passing failure (the database, say): the job goes back to the queue.
    #[error("retryable: {0}")]
    Retryable(String),
    /// A failure that another attempt would repeat: the job fails.
    #[error("{0}")]
    Fatal(String),
}

/// Results of the job machinery.
pub type Result<T, E = Error> = std::result::Result<T, E>;
