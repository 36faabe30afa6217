//! What workers and handlers share to evaluate: the plugin runtime, the loaded
//! verticals, and the prepared pools, cached per (org, pool, version).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::eval::{Pool, PreparedPool};
use crate::runtime::Runtime;
use crate::store::Store;
use crate::vertical::Vertical;

use super::{Error, Result};

/// How many prepared pools stay in memory; the least recently used goes first.
pub const PREPARED_POOL_CACHE: usize = 16;

type PoolKey = (String, String, i64, String);

/// The runtime, the verticals it serves, and a cache of prepared pools.
pub struct Engine {
    runtime: Runtime,
    verticals: BTreeMap<String, Arc<Vertical>>,
    prepared: Mutex<Vec<(PoolKey, Arc<PreparedPool>)>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("verticals", &self.verticals.keys())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Loads every vertical built into the binary.
    ///
    /// # Errors
    ///
    /// A built-in vertical that fails to load: the binary is broken.
    pub async fn builtin(runtime: Runtime) -> Result<Self> {
        let mut verticals = BTreeMap::new();
        for name in Vertical::builtin_names() {
            let vertical = Vertical::builtin(&runtime, name)
                .await
                .map_err(|e| Error::Fatal(e.to_string()))?;
            verticals.insert(name.to_owned(), Arc::new(vertical));
        }
        Ok(Self {
            runtime,
            verticals,
            prepared: Mutex::new(Vec::new()),
        })
    }

    /// The plugin runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// A loaded vertical by name.
    pub fn vertical(&self, name: &str) -> Option<Arc<Vertical>> {
        self.verticals.get(name).cloned()
    }

    /// Names of the loaded verticals.
    pub fn vertical_names(&self) -> Vec<&str> {
        self.verticals.keys().map(String::as_str).collect()
    }

    /// The prepared form of a pool version, from the cache or prepared now.
    ///
    /// # Errors
    ///
    /// [`Error::Retryable`] when the database fails; [`Error::Fatal`] when the
    /// version is gone or a module cannot prepare it.
    pub async fn prepared(
        &self,
        store: &Store,
        org_id: &str,
        pool_id: &str,
        version: i64,
        vertical: &Vertical,
    ) -> Result<Arc<PreparedPool>> {
        let key: PoolKey = (
            org_id.to_owned(),
            pool_id.to_owned(),
            version,
            vertical.manifest().vertical.clone(),
        );
        if let Some(hit) = self.lookup(&key) {
            return Ok(hit);
        }
        let json = store
            .pool_candidates(org_id, pool_id, version)
            .await
            .map_err(|e| Error::Retryable(e.to_string()))?
            .ok_or_else(|| {
                Error::Fatal(format!("pool {pool_id} version {version} no longer exists"))
            })?;
        let pool = Pool::from_json(pool_id, &json).map_err(|e| Error::Fatal(e.to_string()))?;
        let prepared = PreparedPool::prepare(vertical, Arc::new(pool))
            .await
            .map_err(|e| Error::Fatal(e.to_string()))?;
        let prepared = Arc::new(prepared);
        let mut cache = self
            .prepared
            .lock()
            .expect("the prepared-pool cache lock is never poisoned");
        cache.retain(|(k, _)| k != &key);
        cache.push((key, prepared.clone()));
        if cache.len() > PREPARED_POOL_CACHE {
            cache.remove(0);
        }
        Ok(prepared)
    }

    fn lookup(&self, key: &PoolKey) -> Option<Arc<PreparedPool>> {
        let mut cache = self
            .prepared
            .lock()
            .expect("the prepared-pool cache lock is never poisoned");
        let index = cache.iter().position(|(k, _)| k == key)?;
        // Move to the back: most recently used.
        let entry = cache.remove(index);
        let hit = entry.1.clone();
        cache.push(entry);
        Some(hit)
    }
}
