//! How a replica follows the registry and the queue: on PostgreSQL it listens for other
//! replicas' notices (a release activated: sync at once; a job queued: wake an idle
//! worker) and polls seldom, in case a notice was lost; on SQLite, with no notices, it
//! polls the registry's version, one cheap read, often enough to swap within a second.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::Catalogue;
use crate::store::{Event, Events, Store};

/// How often a replica without notices (SQLite) reads the registry's version.
pub const POLL: Duration = Duration::from_millis(250);

/// How often a replica that listens for notices (PostgreSQL) reads it anyway.
pub const POLL_WITH_EVENTS: Duration = Duration::from_secs(5);

/// How long to wait before listening again after the listening connection failed.
const LISTEN_RETRY: Duration = Duration::from_secs(1);

/// Keeps `catalogue` in step with the registry, and wakes `wake` when another replica
/// queues a job, until `shutdown`.
pub async fn follow(
    catalogue: Arc<Catalogue>,
    store: Store,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    let mut events = listen(&store).await;
    loop {
        let poll = if events.is_some() {
            POLL_WITH_EVENTS
        } else {
            POLL
        };
        let event = async {
            match events.as_mut() {
                Some(events) => events.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(poll) => {
                if store.backend() == crate::store::Backend::Postgres && events.is_none() {
                    events = listen(&store).await;
                }
                sync(&catalogue, &store).await;
            }
            event = event => match event {
                Ok(Some(Event::JobQueued)) => wake.notify_one(),
                Ok(Some(Event::ReleaseActivated)) => sync(&catalogue, &store).await,
                Ok(None) => {}
                Err(e) => {
                    warn!(error = %e, "Listening for other replicas failed; polling until it is back.");
                    events = None;
                    tokio::time::sleep(LISTEN_RETRY).await;
                }
            },
        }
    }
}

async fn listen(store: &Store) -> Option<Events> {
    match store.events().await {
        Ok(events) => events,
        Err(e) => {
            warn!(error = %e, "Cannot listen for other replicas; polling instead.");
            None
        }
    }
}

async fn sync(catalogue: &Catalogue, store: &Store) {
    match catalogue.sync(store).await {
        Ok(synced) if !synced.swapped.is_empty() || !synced.failed.is_empty() => {
            debug!(?synced, "Catalogue synced.");
        }
        Ok(_) => {}
        Err(e) => warn!(error = %e, "Reading the registry failed; serving what is loaded."),
    }
}
