//! The releases this replica serves: each vertical's active release, held in a snapshot
//! that is swapped whole, the releases loaded so far, and the pools their modules
//! prepared.
//!
//! Readers take the snapshot without locking ([`Catalogue::release`]); a job holds the
//! release it started with until it ends, whatever is activated meanwhile. A replica
//! follows the registry ([`follow`]): it loads (compiles and checks) a newly active
//! release before swapping it in, and a release that fails to load leaves the one before
//! it serving, with the failure reported ([`Catalogue::problems`]).

mod follow;
mod lru;
mod prepared;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use tracing::{info, warn};

pub use follow::{POLL, POLL_WITH_EVENTS, follow};
pub use prepared::PREPARED_POOL_BYTES;

use crate::eval::PreparedPool;
use crate::registry::{self, ReleaseId};
use crate::runtime::Runtime;
use crate::store::{self, Store};
use crate::vertical::Vertical;

/// Releases kept loaded besides the active ones (those jobs may still be running on,
/// those a replay asked for); the least recently used goes first.
pub const LOADED_RELEASES: usize = 8;

/// How long a release that failed to load waits before this replica tries it again.
pub const RETRY_FAILED_LOAD: Duration = Duration::from_secs(30);

/// Why a job's pool could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed. A passing failure: retried.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The pool version is gone. Not retried.
    #[error("pool {pool} version {version} no longer exists")]
    PoolGone {
        /// Pool id.
        pool: String,
        /// Its version.
        version: i64,
    },
    /// The pool does not parse, or a module failed to prepare it. Not retried.
    #[error(transparent)]
    Prepare(crate::eval::Error),
}

/// A release, loaded: its modules compiled and checked against its manifest.
#[derive(Debug)]
pub struct LoadedRelease {
    /// Its name.
    pub id: ReleaseId,
    /// The vertical it makes.
    pub vertical: Vertical,
}

/// A release this replica failed to load: it keeps serving the one before.
#[derive(Clone, Debug)]
pub struct LoadProblem {
    /// The release that did not load.
    pub release: ReleaseId,
    /// Why.
    pub message: String,
    retry_at: Instant,
}

/// What a replica serves: a version of the registry's active releases.
#[derive(Debug, Default)]
struct Snapshot {
    /// The registry's catalogue version this snapshot follows.
    version: i64,
    /// The active release of each vertical.
    releases: BTreeMap<String, Arc<LoadedRelease>>,
}

/// What a [`Catalogue::sync`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Synced {
    /// Releases swapped in.
    pub swapped: Vec<ReleaseId>,
    /// Releases that failed to load (the previous ones keep serving).
    pub failed: Vec<ReleaseId>,
}

/// The releases a replica serves. See the module docs.
pub struct Catalogue {
    runtime: Runtime,
    active: ArcSwap<Snapshot>,
    loaded: lru::Lru<ReleaseId, Arc<LoadedRelease>>,
    pools: prepared::PreparedPools,
    problems: Mutex<BTreeMap<String, LoadProblem>>,
    load_failures: AtomicU64,
    /// One sync at a time: two would load the same release twice.
    syncing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue")
            .field("active", &self.active.load())
            .finish_non_exhaustive()
    }
}

impl Catalogue {
    /// An empty catalogue over a runtime; [`Catalogue::sync`] fills it.
    pub fn new(runtime: Runtime) -> Self {
        Self::with_pool_budget(runtime, prepared::PREPARED_POOL_BYTES)
    }

    /// As [`Catalogue::new`], with prepared pools kept in at most `bytes` of memory.
    pub fn with_pool_budget(runtime: Runtime, bytes: usize) -> Self {
        Self {
            runtime,
            active: ArcSwap::default(),
            loaded: lru::Lru::new(LOADED_RELEASES),
            pools: prepared::PreparedPools::new(bytes),
            problems: Mutex::default(),
            load_failures: AtomicU64::new(0),
            syncing: tokio::sync::Mutex::new(()),
        }
    }

    /// The plugin runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// A vertical's active release, as this replica serves it now.
    pub fn release(&self, vertical: &str) -> Option<Arc<LoadedRelease>> {
        self.active.load().releases.get(vertical).cloned()
    }

    /// Every active release this replica serves, by vertical.
    pub fn releases(&self) -> Vec<Arc<LoadedRelease>> {
        self.active.load().releases.values().cloned().collect()
    }

    /// The registry version this replica has caught up with.
    pub fn version(&self) -> i64 {
        self.active.load().version
    }

    /// Releases that failed to load here, by vertical (their verticals keep serving the
    /// release before).
    pub fn problems(&self) -> Vec<(String, LoadProblem)> {
        self.lock_problems()
            .iter()
            .map(|(v, p)| (v.clone(), p.clone()))
            .collect()
    }

    /// The memory the prepared pools cached here take, roughly, in bytes.
    pub fn prepared_pool_bytes(&self) -> usize {
        self.pools.bytes()
    }

    /// How many times loading a release failed here.
    pub fn load_failures(&self) -> u64 {
        self.load_failures.load(Ordering::Relaxed)
    }

    /// A release, loaded: from those loaded already, or from the registry now.
    ///
    /// # Errors
    ///
    /// As [`registry::load`].
    pub async fn load(
        &self,
        store: &Store,
        id: &ReleaseId,
    ) -> registry::Result<Arc<LoadedRelease>> {
        if let Some(hit) = self.lookup_loaded(id) {
            return Ok(hit);
        }
        let vertical = registry::load(store, &self.runtime, id).await?;
        let release = Arc::new(LoadedRelease {
            id: id.clone(),
            vertical,
        });
        self.loaded.insert(id.clone(), release.clone(), 1);
        Ok(release)
    }

    /// Catches up with the registry: when its version moved (or a failed load is due for
    /// another try), loads each newly active release and swaps the snapshot. A release
    /// that fails to load is reported and its vertical keeps the release it had.
    ///
    /// # Errors
    ///
    /// The database (nothing changes).
    pub async fn sync(&self, store: &Store) -> Result<Synced, store::Error> {
        let _one_at_a_time = self.syncing.lock().await;
        let version = store.catalogue_version().await?;
        let current = self.active.load_full();
        let retry_due = self
            .lock_problems()
            .values()
            .any(|p| p.retry_at <= Instant::now());
        if version == current.version && !retry_due && version != 0 {
            return Ok(Synced::default());
        }
        let wanted = store.active_releases().await?;
        let mut releases = BTreeMap::new();
        let mut synced = Synced::default();
        for (vertical, number) in wanted {
            let id = ReleaseId::new(&vertical, number);
            if let Some(serving) = current.releases.get(&vertical).filter(|r| r.id == id) {
                // Serving what is wanted: a failure to load another release is moot.
                self.lock_problems().remove(&vertical);
                releases.insert(vertical, serving.clone());
                continue;
            }
            if self
                .lock_problems()
                .get(&vertical)
                .is_some_and(|p| p.release == id && p.retry_at > Instant::now())
            {
                if let Some(serving) = current.releases.get(&vertical) {
                    releases.insert(vertical, serving.clone());
                }
                continue;
            }
            match self.load(store, &id).await {
                Ok(release) => {
                    self.lock_problems().remove(&vertical);
                    info!(release.id = %id, "Release loaded; serving it.");
                    synced.swapped.push(id);
                    releases.insert(vertical, release);
                }
                Err(e) => {
                    self.load_failures.fetch_add(1, Ordering::Relaxed);
                    warn!(release.id = %id, error = %e, "Release failed to load; the one before keeps serving.");
                    self.lock_problems().insert(
                        vertical.clone(),
                        LoadProblem {
                            release: id.clone(),
                            message: e.to_string(),
                            retry_at: Instant::now() + RETRY_FAILED_LOAD,
                        },
                    );
                    synced.failed.push(id);
                    if let Some(serving) = current.releases.get(&vertical) {
                        releases.insert(vertical, serving.clone());
                    }
                }
            }
        }
        self.active.store(Arc::new(Snapshot { version, releases }));
        Ok(synced)
    }

    /// The prepared form of a pool version for a vertical's modules, from the cache or
    /// prepared now.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] (passing), [`Error::PoolGone`], [`Error::Prepare`].
    pub async fn prepared(
        &self,
        store: &Store,
        org_id: &str,
        pool_id: &str,
        version: i64,
        vertical: &Vertical,
    ) -> Result<Arc<PreparedPool>, Error> {
        self.pools
            .get(store, org_id, pool_id, version, vertical)
            .await
    }

    fn lookup_loaded(&self, id: &ReleaseId) -> Option<Arc<LoadedRelease>> {
        if let Some(active) = self.release(&id.vertical).filter(|r| r.id == *id) {
            return Some(active);
        }
        self.loaded.get(id)
    }

    fn lock_problems(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, LoadProblem>> {
        self.problems
            .lock()
            .expect("the load-problem lock is never poisoned")
    }
}
