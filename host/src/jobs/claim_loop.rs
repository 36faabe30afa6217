//! The loop both kinds of worker run: claim work while a slot is free, run each claim
//! on its own task, and sleep until woken, the poll interval passes, or a slot frees.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::warn;

/// How a claim loop runs.
pub(crate) struct ClaimLoop<'a> {
    /// What is claimed, for log lines (`job`, `delivery`).
    pub what: &'static str,
    /// Claims run at once.
    pub concurrency: usize,
    /// How often an idle loop looks for work without being woken.
    pub poll: Duration,
    /// Wakes an idle loop.
    pub wake: &'a Notify,
    /// Stops claiming; running claims finish first.
    pub shutdown: &'a CancellationToken,
}

impl ClaimLoop<'_> {
    /// Runs until shutdown. `claim` fetches the next item (or none); `process` turns an
    /// item into the task that handles it (instrumented by the caller).
    pub(crate) async fn run<T, C, CF, P, PF>(self, mut claim: C, process: P)
    where
        C: FnMut() -> CF,
        CF: Future<Output = crate::store::Result<Option<T>>>,
        P: Fn(T) -> PF,
        PF: Future<Output = ()> + Send + 'static,
    {
        let permits = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let mut running = JoinSet::new();
        loop {
            while !self.shutdown.is_cancelled() {
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    break;
                };
                match claim().await {
                    Ok(Some(item)) => {
                        let task = process(item);
                        running.spawn(async move {
                            task.await;
                            drop(permit);
                        });
                    }
                    Ok(None) => break,
                    Err(e) => {
                        warn!(error = %e, claim.kind = self.what, "Claiming failed; retrying after the poll interval.");
                        break;
                    }
                }
            }
            while running.try_join_next().is_some() {}
            tokio::select! {
                () = self.shutdown.cancelled() => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.poll) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        }
        while running.join_next().await.is_some() {}
    }
}
