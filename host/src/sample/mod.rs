//! A vertical's sample data, for the CLI, the demo and the smoke check before a publish:
//! what its sample data component (`shortlist-sample-sdk`) generates. The host knows no
//! vertical's data; a vertical without such a component has no sample data.
//!
//! Everything is deterministic: a pool is a function of (vertical, size, seed), and
//! candidate `i` depends only on the seed and `i`, so a small pool is the start of a
//! larger one, and the host asks for a large pool in chunks.

use serde_json::Value;

use crate::runtime::{self, SampleSource};
use crate::vertical::Vertical;

/// Candidates asked of the generator per call: a few hundred kilobytes of JSON.
pub const CHUNK: u32 = 1000;

/// Why sample data could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The vertical carries no sample data component.
    #[error(
        "vertical {0} has no sample data: add a crate built with shortlist-sample-sdk to its modules"
    )]
    NoSamples(String),
    /// No sample profile has the name.
    #[error("no sample profile {name:?}; available: {available}")]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// Comma-separated names that exist.
        available: String,
    },
    /// A pool past what a pool may hold.
    #[error("a sample pool holds at most {} candidates", u32::MAX)]
    TooLarge,
    /// The generator returned something that is not what the contract says.
    #[error("the sample data of {vertical} is invalid: {message}")]
    Invalid {
        /// The vertical.
        vertical: String,
        /// What is wrong.
        message: String,
    },
    /// The generator failed (a limit, a trap, its own error).
    #[error(transparent)]
    Runtime(#[from] runtime::Error),
}

/// A sample pool of `size` candidates for `vertical`, the same for the same `seed`.
///
/// # Errors
///
/// [`Error::NoSamples`], [`Error::TooLarge`], or the generator's failure.
pub async fn pool(vertical: &Vertical, size: usize, seed: u64) -> Result<Vec<Value>, Error> {
    let source = source(vertical)?;
    let size = u32::try_from(size).map_err(|_| Error::TooLarge)?;
    let mut pool = Vec::with_capacity(size as usize);
    let mut start = 0;
    while start < size {
        let count = CHUNK.min(size - start);
        let json = source.candidates(seed, start, count).await?;
        let chunk: Vec<Value> =
            serde_json::from_str(&json).map_err(|e| invalid(vertical, e.to_string()))?;
        if chunk.len() != count as usize {
            return Err(invalid(
                vertical,
                format!(
                    "asked for {count} candidates from {start}, got {}",
                    chunk.len()
                ),
            ));
        }
        pool.extend(chunk);
        start += count;
    }
    Ok(pool)
}

/// The sample profiles of `vertical`, by name, the default (the API's example) first.
///
/// # Errors
///
/// [`Error::NoSamples`], or the generator's failure.
pub async fn profiles(vertical: &Vertical) -> Result<Vec<(String, Value)>, Error> {
    source(vertical)?
        .profiles()
        .await?
        .into_iter()
        .map(|(name, json)| {
            let profile: Value = serde_json::from_str(&json)
                .map_err(|e| invalid(vertical, format!("profile {name}: {e}")))?;
            if !profile.is_object() {
                return Err(invalid(
                    vertical,
                    format!("profile {name} is not an object"),
                ));
            }
            Ok((name, profile))
        })
        .collect()
}

/// The sample profile called `name`, or the default.
///
/// # Errors
///
/// [`Error::UnknownProfile`], or as [`profiles`].
pub async fn profile(vertical: &Vertical, name: Option<&str>) -> Result<Value, Error> {
    let profiles = profiles(vertical).await?;
    let found = match name {
        None => profiles.first(),
        Some(name) => profiles.iter().find(|(n, _)| n == name),
    };
    match found {
        Some((_, profile)) => Ok(profile.clone()),
        None => Err(Error::UnknownProfile {
            name: name.unwrap_or_default().to_owned(),
            available: profiles
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn source(vertical: &Vertical) -> Result<&SampleSource, Error> {
    vertical
        .samples()
        .ok_or_else(|| Error::NoSamples(vertical.manifest().vertical.clone()))
}

fn invalid(vertical: &Vertical, message: String) -> Error {
    Error::Invalid {
        vertical: vertical.manifest().vertical.clone(),
        message,
    }
}
