//! Prepared pools, cached per (organisation, pool, version, module set): preparing a pool
//! runs every module over every candidate once, so jobs share the result. The module set
//! is part of the key, so a release that changes only weights or tiers reuses the pools
//! of the release before it, and one that changes a module prepares the pool for that
//! module only: the others' prepared bytes, and the parsed pool, are taken from the
//! cached pools of the same version.

use std::sync::Arc;

use super::Error;
use super::lru::Lru;
use crate::eval::{Pool, PreparedPool};
use crate::store::Store;
use crate::vertical::Vertical;

/// The memory prepared pools may take by default, in bytes; the least recently used go
/// first.
pub const PREPARED_POOL_BYTES: usize = 1 << 30;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    org_id: String,
    pool_id: String,
    version: i64,
    /// The modules' SHA-256s, in pipeline order.
    modules: Vec<String>,
}

/// The cache. See the module docs.
#[derive(Debug)]
pub(super) struct PreparedPools {
    entries: Lru<Key, Arc<PreparedPool>>,
}

impl PreparedPools {
    /// An empty cache of prepared pools that together take at most `budget` bytes (each
    /// weighed as if it shared nothing with the others, which over-counts the pool they
    /// share).
    pub(super) fn new(budget: usize) -> Self {
        Self {
            entries: Lru::new(budget),
        }
    }

    /// The bytes the cached pools take (see [`PreparedPools::new`]).
    pub(super) fn bytes(&self) -> usize {
        self.entries.weight()
    }

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
        if let Some(hit) = self.entries.get(&key) {
            return Ok(hit);
        }
        let earlier = self.entries.values_where(|k| {
            k.org_id == key.org_id && k.pool_id == key.pool_id && k.version == key.version
        });
        let pool = match earlier.first() {
            Some(earlier) => earlier.pool().clone(),
            None => {
                let json = store
                    .pool_candidates(org_id, pool_id, version)
                    .await?
                    .ok_or_else(|| Error::PoolGone {
                        pool: pool_id.to_owned(),
                        version,
                    })?;
                Arc::new(Pool::from_json(pool_id, &json).map_err(Error::Prepare)?)
            }
        };
        let prepared = Arc::new(
            PreparedPool::prepare_reusing(vertical, pool, &earlier)
                .await
                .map_err(Error::Prepare)?,
        );
        self.entries
            .insert(key, prepared.clone(), prepared.heap_bytes());
        Ok(prepared)
    }
}
