//! A candidate pool as the host holds it, and its per-module prepared forms.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Error;
use crate::runtime::Module;
use crate::vertical::Vertical;

/// A pool version: its candidates as canonical JSON, and their names.
#[derive(Clone, Debug)]
pub struct Pool {
    id: String,
    version: String,
    json: String,
    names: Vec<String>,
}

impl Pool {
    /// Reads a pool from a JSON array of candidate objects, each with a non-empty `name`.
    ///
    /// The pool's version is the SHA-256 of its canonical JSON (keys sorted,
    /// no white space), so the same candidates always make the same version.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPool`] naming the first bad candidate.
    pub fn from_values(id: &str, candidates: Vec<Value>) -> Result<Self, Error> {
        let invalid = |message: String| Error::InvalidPool {
            pool: id.to_owned(),
            message,
        };
        if candidates.len() > u32::MAX as usize {
            return Err(invalid("too many candidates".into()));
        }
        let mut names = Vec::with_capacity(candidates.len());
        for (index, candidate) in candidates.iter().enumerate() {
            let name = candidate
                .as_object()
                .and_then(|c| c.get("name"))
                .and_then(Value::as_str);
            match name {
                Some(name) if !name.trim().is_empty() => names.push(name.to_owned()),
                _ => {
                    return Err(invalid(format!(
                        "candidate {index} is not an object with a non-empty \"name\""
                    )));
                }
            }
        }
        let json = serde_json::to_string(&candidates).map_err(|e| invalid(e.to_string()))?;
        let version = hex::encode(Sha256::digest(json.as_bytes()));
        Ok(Self {
            id: id.to_owned(),
            version,
            json,
            names,
        })
    }

    /// Reads a pool from JSON text: an array of candidate objects.
    ///
    /// # Errors
    ///
    /// As [`Pool::from_values`], or text that is not a JSON array.
    pub fn from_json(id: &str, text: &str) -> Result<Self, Error> {
        let values: Vec<Value> = serde_json::from_str(text).map_err(|e| Error::InvalidPool {
            pool: id.to_owned(),
            message: format!("not a JSON array of candidates: {e}"),
        })?;
        Self::from_values(id, values)
    }

    /// Pool identifier, e.g. `carriers:all`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// SHA-256 of the canonical JSON, hex.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The canonical JSON array.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// Candidate names, in pool order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the pool has no candidates.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// A pool with the prepared form of every module of a vertical, keyed by module SHA-256.
#[derive(Clone, Debug)]
pub struct PreparedPool {
    pool: Arc<Pool>,
    blobs: BTreeMap<String, Arc<[u8]>>,
}

impl PreparedPool {
    /// Has every module of `vertical` prepare `pool`. Done once per (module, pool version).
    ///
    /// # Errors
    ///
    /// The first module that fails to prepare the pool.
    pub async fn prepare(vertical: &Vertical, pool: Arc<Pool>) -> Result<Self, Error> {
        let mut blobs = BTreeMap::new();
        for module in vertical.modules() {
            let call = module.prepare_pool(pool.json()).await?;
            blobs.insert(module.info().sha256.clone(), Arc::from(call.value));
        }
        Ok(Self { pool, blobs })
    }

    /// The pool.
    pub fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    /// The prepared bytes of one module.
    ///
    /// # Errors
    ///
    /// [`Error::NotPrepared`] when the module did not prepare this pool.
    pub fn blob(&self, module: &Module) -> Result<&[u8], Error> {
        self.blobs
            .get(&module.info().sha256)
            .map(|b| &b[..])
            .ok_or_else(|| Error::NotPrepared {
                module: module.info().name.clone(),
                pool: self.pool.id.clone(),
            })
    }

    /// Total bytes of the prepared forms.
    pub fn prepared_bytes(&self) -> usize {
        self.blobs.values().map(|b| b.len()).sum()
    }
}
