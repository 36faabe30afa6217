//! Prepared pools, cached per (organisation, pool, version, module set): preparing a pool
//! runs every module over every candidate once, so jobs share the result. The module set
//! is part of the key, so a release that changes only weights or tiers reuses the pools
//! of the release before it, and one that changes a module prepares them afresh.

use std::sync::{Arc, Mutex};

use super::Error;
use crate::eval::{Pool, PreparedPool};
use crate::store::Store;
use crate::vertical::Vertical;

/// How many prepared pools stay in memory; the least recently used goes first.
pub const PREPARED_POOL_CACHE: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    org_id: String,
    pool_id: String,
    version: i64,
    /// The modules' SHA-256s, in pipeline order.
    modules: Vec<String>,
}

/// The cache. See the module docs.
#[derive(Debug, Default)]
pub(super) struct PreparedPools {
    /// Least recently used first.
    entries: Mutex<Vec<(Key, Arc<PreparedPool>)>>,
}

impl PreparedPools {
    /// The prepared form of a pool version for a vertical's modules, from the cache or
    /// prepared now.
    pub(super) async fn get(
        &self,
        store: &Store,
        org_id: &str,
        pool_id: &str,
        version: i64,
        vertical: &Vertical,
    ) -> Result<Arc<PreparedPool>, Error> {
        let key = Key {
            org_id: org_id.to_owned(),
            pool_id: pool_id.to_owned(),
            version,
            modules: vertical
                .modules()
                .map(|m| m.info().sha256.clone())
                .collect(),
        };
        if let Some(hit) = self.lookup(&key) {
            return Ok(hit);
        }
        let json = store
            .pool_candidates(org_id, pool_id, version)
            .await?
            .ok_or_else(|| Error::PoolGone {
                pool: pool_id.to_owned(),
                version,
            })?;
        let pool = Pool::from_json(pool_id, &json).map_err(Error::Prepare)?;
        let prepared = Arc::new(
            PreparedPool::prepare(vertical, Arc::new(pool))
                .await
                .map_err(Error::Prepare)?,
        );
        let mut entries = self.lock();
        entries.retain(|(k, _)| k != &key);
        entries.push((key, prepared.clone()));
        if entries.len() > PREPARED_POOL_CACHE {
            entries.remove(0);
        }
        Ok(prepared)
    }

    fn lookup(&self, key: &Key) -> Option<Arc<PreparedPool>> {
        let mut entries = self.lock();
        let index = entries.iter().position(|(k, _)| k == key)?;
        // Move to the back: most recently used.
        let entry = entries.remove(index);
        let hit = entry.1.clone();
        entries.push(entry);
        Some(hit)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Key, Arc<PreparedPool>)>> {
        self.entries
            .lock()
            .expect("the prepared-pool cache lock is never poisoned")
    }
}
