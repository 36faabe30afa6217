//! Realistic sample pools and profiles, for the CLI, demos, benchmarks and tests.
//!
//! Everything here is deterministic: a pool is a function of (vertical, size,
//! seed), and candidate `i` depends only on the seed and `i`, so a small pool is
//! the start of a larger one. The JSON field names are those the vertical's
//! model crate reads (`plugins/insurance/model`).

mod insurance;
mod rng;

use serde_json::Value;

/// The verticals that have sample data.
pub const VERTICALS: &[&str] = &[insurance::VERTICAL];

/// Why sample data could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No sample data exists for the vertical. The CLI reports it and exits.
    #[error("no sample data for vertical {0:?}; available: {verticals}", verticals = VERTICALS.join(", "))]
    UnknownVertical(String),
    /// No sample profile has the name. The CLI reports it and exits.
    #[error("no sample profile {0:?}; available: {profiles}", profiles = all_profile_names().join(", "))]
    UnknownProfile(String),
}

/// A sample pool of `size` candidates for `vertical`, the same for the same `seed`.
///
/// For insurance: carriers, the first ones well-known names with hand-set data
/// (e.g. `Hartford Financial`, a strong fit for the seed profile), the rest
/// generated with a realistic spread of states, lines, appetites, ratings,
/// placement and service, some with missing data.
///
/// # Errors
///
/// [`Error::UnknownVertical`].
pub fn pool(vertical: &str, size: usize, seed: u64) -> Result<Vec<Value>, Error> {
    match vertical {
        insurance::VERTICAL => Ok(insurance::pool(size, seed)),
        _ => Err(Error::UnknownVertical(vertical.to_owned())),
    }
}

/// A sample profile of `vertical`: the one called `name`, or the first (the public API's example).
///
/// # Errors
///
/// [`Error::UnknownVertical`], [`Error::UnknownProfile`].
pub fn profile(vertical: &str, name: Option<&str>) -> Result<Value, Error> {
    let profiles = match vertical {
        insurance::VERTICAL => insurance::PROFILES,
        _ => return Err(Error::UnknownVertical(vertical.to_owned())),
    };
    let found = match name {
        None => profiles.first(),
        Some(name) => profiles.iter().find(|(n, _)| *n == name),
    };
    let (_, make) =
        found.ok_or_else(|| Error::UnknownProfile(name.unwrap_or_default().to_owned()))?;
    Ok(make())
}

/// The names of `vertical`'s sample profiles, the default first; empty for a vertical without samples.
pub fn profile_names(vertical: &str) -> Vec<&'static str> {
    match vertical {
        insurance::VERTICAL => insurance::PROFILES.iter().map(|(name, _)| *name).collect(),
        _ => Vec::new(),
    }
}

fn all_profile_names() -> Vec<&'static str> {
    VERTICALS.iter().flat_map(|v| profile_names(v)).collect()
}

#[cfg(test)]
mod tests;
