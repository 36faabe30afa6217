//! A candidate pool as the host holds it, and its per-module prepared forms.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Error;
use crate::runtime::Module;
use crate::shared_str::SharedStr;
use crate::vertical::Vertical;

/// A pool version: its candidates as canonical JSON, and their names.
#[derive(Clone, Debug)]
pub struct Pool {
    id: String,
    version: String,
    json: String,
    names: Vec<SharedStr>,
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
        let mut builder = Builder::new(id);
        for candidate in candidates {
            builder.push(candidate)?;
        }
        Ok(builder.finish())
    }

    /// Reads a pool from JSON text: an array of candidate objects.
    ///
    /// Candidates are read one at a time and written straight into the canonical JSON,
    /// so that only one of them is ever held as a `Value`: for a pool of 100,000, that
    /// is the difference between the text twice and a tree of maps ten times its size.
    ///
    /// # Errors
    ///
    /// As [`Pool::from_values`], or text that is not a JSON array.
    pub fn from_json(id: &str, text: &str) -> Result<Self, Error> {
        let mut builder = Builder::new(id);
        let mut reader = serde_json::Deserializer::from_str(text);
        let read = serde::Deserializer::deserialize_seq(&mut reader, Candidates(&mut builder))
            .and_then(|()| reader.end());
        if let Some(problem) = builder.problem.take() {
            return Err(problem);
        }
        read.map_err(|e| Error::InvalidPool {
            pool: id.to_owned(),
            message: format!("not a JSON array of candidates: {e}"),
        })?;
        Ok(builder.finish())
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

    /// The memory it holds, roughly: its JSON and its candidates' names.
    pub fn heap_bytes(&self) -> usize {
        self.json.len()
            + self
                .names
                .iter()
                .map(|n| n.len() + std::mem::size_of::<SharedStr>())
                .sum::<usize>()
    }

    /// Candidate names, in pool order.
    pub fn names(&self) -> &[SharedStr] {
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

/// Builds a [`Pool`] one candidate at a time.
struct Builder {
    id: String,
    json: Vec<u8>,
    names: Vec<SharedStr>,
    /// The first bad candidate, kept whole while the JSON reader unwinds.
    problem: Option<Error>,
}

impl Builder {
    fn new(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            json: b"[".to_vec(),
            names: Vec::new(),
            problem: None,
        }
    }

    fn push(&mut self, candidate: Value) -> Result<(), Error> {
        let index = self.names.len();
        let invalid = |message: String| Error::InvalidPool {
            pool: self.id.clone(),
            message,
        };
        if index >= u32::MAX as usize {
            return Err(invalid("too many candidates".into()));
        }
        let name = candidate
            .as_object()
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str);
        match name {
            Some(name) if !name.trim().is_empty() => self.names.push(name.into()),
            _ => {
                return Err(invalid(format!(
                    "candidate {index} is not an object with a non-empty \"name\""
                )));
            }
        }
        if index > 0 {
            self.json.push(b',');
        }
        // `Value` keeps object keys sorted, so this writes the canonical form.
        serde_json::to_writer(&mut self.json, &candidate).map_err(|e| invalid(e.to_string()))
    }

    fn finish(mut self) -> Pool {
        self.json.push(b']');
        // serde_json writes only UTF-8.
        let json = String::from_utf8(self.json)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let version = hex::encode(Sha256::digest(json.as_bytes()));
        Pool {
            id: self.id,
            version,
            json,
            names: self.names,
        }
    }
}

/// Reads a JSON array into a [`Builder`], element by element.
struct Candidates<'a>(&'a mut Builder);

impl<'de> serde::de::Visitor<'de> for Candidates<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of candidate objects")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(candidate) = seq.next_element::<Value>()? {
            if let Err(problem) = self.0.push(candidate) {
                let message = problem.to_string();
                self.0.problem = Some(problem);
                return Err(serde::de::Error::custom(message));
            }
        }
        Ok(())
    }
}

/// Per candidate, the values at `paths`; nothing when no path is given.
fn sensitive_values(pool: &Pool, paths: &[String]) -> Result<Vec<Vec<String>>, Error> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<Value> =
        serde_json::from_str(pool.json()).map_err(|e| Error::InvalidPool {
            pool: pool.id.clone(),
            message: e.to_string(),
        })?;
    Ok(candidates
        .iter()
        .map(|c| crate::traces::redact::candidate_values(c, paths))
        .collect())
}

/// A pool with the prepared form of every module of a vertical, keyed by module SHA-256.
#[derive(Clone, Debug)]
pub struct PreparedPool {
    pool: Arc<Pool>,
    blobs: BTreeMap<String, Arc<[u8]>>,
    /// Per candidate, the values of the fields the vertical marks sensitive (empty when
    /// it marks none): what stored traces mask.
    sensitive: Vec<Vec<String>>,
}

impl PreparedPool {
    /// Has every module of `vertical` prepare `pool`. Done once per (module, pool version).
    ///
    /// # Errors
    ///
    /// The first module that fails to prepare the pool.
    pub async fn prepare(vertical: &Vertical, pool: Arc<Pool>) -> Result<Self, Error> {
        Self::prepare_reusing(vertical, pool, &[]).await
    }

    /// As [`PreparedPool::prepare`], but a module whose prepared bytes one of `earlier`
    /// holds (prepared pools of the same pool version, by other module sets) reuses them
    /// rather than preparing the pool again: a module is identified by its hash, and
    /// preparing is a pure function of (module, pool).
    ///
    /// # Errors
    ///
    /// The first module that fails to prepare the pool.
    pub async fn prepare_reusing(
        vertical: &Vertical,
        pool: Arc<Pool>,
        earlier: &[Arc<PreparedPool>],
    ) -> Result<Self, Error> {
        let mut blobs = BTreeMap::new();
        for module in vertical.modules() {
            let sha256 = &module.info().sha256;
            let blob = match earlier.iter().find_map(|p| p.blobs.get(sha256)) {
                Some(blob) => blob.clone(),
                None => Arc::from(module.prepare_pool(pool.json()).await?.value),
            };
            blobs.insert(sha256.clone(), blob);
        }
        let sensitive = sensitive_values(&pool, &vertical.manifest().sensitive.candidate)?;
        Ok(Self {
            pool,
            blobs,
            sensitive,
        })
    }

    /// Per candidate, the values of the fields the vertical marks sensitive.
    pub fn sensitive_values(&self) -> &[Vec<String>] {
        &self.sensitive
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

    /// The memory it holds, roughly: the pool, the prepared forms and the sensitive values.
    pub fn heap_bytes(&self) -> usize {
        let sensitive: usize = self
            .sensitive
            .iter()
            .map(|values| values.iter().map(String::len).sum::<usize>())
            .sum();
        self.pool.heap_bytes() + self.prepared_bytes() + sensitive
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn text_and_values_make_the_same_version() {
        let values = vec![
            json!({"name": "Acme Mutual", "states": ["CA", "NV"], "admitted": true}),
            json!({"states": ["TX"], "name": "Lone Star Specialty"}),
        ];
        // Key order and white space differ; the canonical form does not.
        let text = r#"[ {"admitted": true, "states": ["CA","NV"], "name": "Acme Mutual"},
                        {"name": "Lone Star Specialty", "states": ["TX"]} ]"#;
        let from_values = Pool::from_values("p", values).unwrap();
        let from_text = Pool::from_json("p", text).unwrap();
        assert_eq!(from_text.json(), from_values.json());
        assert_eq!(from_text.version(), from_values.version());
        assert_eq!(from_text.names(), ["Acme Mutual", "Lone Star Specialty"]);
        assert_eq!(
            from_text.json(),
            r#"[{"admitted":true,"name":"Acme Mutual","states":["CA","NV"]},{"name":"Lone Star Specialty","states":["TX"]}]"#
        );
    }

    #[test]
    fn an_empty_array_is_an_empty_pool() {
        let pool = Pool::from_json("p", " [ ] ").unwrap();
        assert!(pool.is_empty());
        assert_eq!(pool.json(), "[]");
    }

    #[test]
    fn the_first_bad_candidate_is_named_without_parser_noise() {
        let text = r#"[{"name": "Acme Mutual"}, {"name": "  "}, 7]"#;
        let err = Pool::from_json("p", text).unwrap_err().to_string();
        assert_eq!(
            err,
            r#"invalid pool p: candidate 1 is not an object with a non-empty "name""#
        );
        let err = Pool::from_values("p", vec![json!(7)])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            r#"invalid pool p: candidate 0 is not an object with a non-empty "name""#
        );
    }

    #[test]
    fn text_that_is_not_one_array_is_refused() {
        for text in [
            r#"{"name": "Acme"}"#,
            r#"[{"name": "Acme"}"#,
            r#"[{"name": "A"}] []"#,
        ] {
            let err = Pool::from_json("p", text).unwrap_err().to_string();
            assert!(
                err.starts_with("invalid pool p: not a JSON array of candidates: "),
                "{text}: {err}"
            );
        }
    }
}
