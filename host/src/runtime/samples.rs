//! A vertical's sample data generator (the `samples` world), run in the same sandbox and
//! under the same limits as a module preparing a pool. Sample data is never evaluated as
//! rules: it feeds `shortlist sample`, the demo, and the smoke check before a publish.

use std::sync::Arc;

use wasmtime::Engine;

use super::bindings::PluginError;
use super::bindings::samples::{Samples, SamplesPre};
use super::ctx::{PluginCtx, Sandbox};
use super::engine::RuntimeConfig;
use super::error::{Error, Limit, Result};
use super::module::{finish, new_store, within};

const CANDIDATES: &str = "candidates";
const PROFILES: &str = "profiles";

/// A loaded sample data generator.
#[derive(Clone)]
pub struct SampleSource {
    engine: Engine,
    pre: SamplesPre<PluginCtx>,
    name: Arc<str>,
    sha256: [u8; 32],
    config: Arc<RuntimeConfig>,
}

impl std::fmt::Debug for SampleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampleSource")
            .field("name", &self.name)
            .field("sha256", &hex::encode(self.sha256))
            .finish_non_exhaustive()
    }
}

impl SampleSource {
    pub(crate) fn new(
        engine: Engine,
        pre: SamplesPre<PluginCtx>,
        name: &str,
        sha256: [u8; 32],
        config: RuntimeConfig,
    ) -> Self {
        Self {
            engine,
            pre,
            name: name.into(),
            sha256,
            config: Arc::new(config),
        }
    }

    /// The component's file name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// SHA-256 of the component, hex.
    pub fn sha256(&self) -> String {
        hex::encode(self.sha256)
    }

    /// Candidates `start..start + count` of the pool for `seed`: a JSON array's text.
    ///
    /// # Errors
    ///
    /// The generator's own error, a limit, a trap, or output over the prepare limit.
    pub async fn candidates(&self, seed: u64, start: u32, count: u32) -> Result<String> {
        let json = self
            .call(CANDIDATES, async |samples, store| {
                samples
                    .shortlist_plugin_sample()
                    .call_candidates(store, seed, start, count)
                    .await
            })
            .await?;
        self.check_output(CANDIDATES, json.len())?;
        Ok(json)
    }

    /// The sample profiles, name and JSON text, the default first.
    ///
    /// # Errors
    ///
    /// A limit or a trap, or output over the prepare limit.
    pub async fn profiles(&self) -> Result<Vec<(String, String)>> {
        let profiles = self
            .call(PROFILES, async |samples, store| {
                samples
                    .shortlist_plugin_sample()
                    .call_profiles(store)
                    .await
                    .map(Ok)
            })
            .await?;
        let size = profiles.iter().map(|(n, p)| n.len() + p.len()).sum();
        self.check_output(PROFILES, size)?;
        Ok(profiles)
    }

    /// Runs one export on a fresh instance under the prepare limits.
    async fn call<T>(
        &self,
        function: &'static str,
        export: impl AsyncFnOnce(
            &Samples,
            &mut wasmtime::Store<PluginCtx>,
        ) -> wasmtime::Result<std::result::Result<T, PluginError>>,
    ) -> Result<T> {
        let limits = self.config.prepare_limits;
        let deadline = std::time::Instant::now() + limits.deadline;
        let mut store = new_store(
            &self.engine,
            self.config.metering,
            &limits,
            &Sandbox::NEUTRAL,
        )?;
        let samples = self
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(Error::Host)?;
        let result = within(deadline, export(&samples, &mut store)).await;
        finish(&self.name, function, &mut store, result)
    }

    fn check_output(&self, function: &'static str, size: usize) -> Result<()> {
        if size > self.config.prepare_limits.output_bytes {
            return Err(Error::Limit {
                module: self.name.to_string(),
                function,
                limit: Limit::Output,
            });
        }
        Ok(())
    }
}
