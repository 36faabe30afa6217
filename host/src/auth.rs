//! API keys: generated at random, shown once, stored only as a SHA-256 hash, checked in constant time.
//!
//! A key looks like `sl_live_<id>_<secret>`: the id (12 base62 characters) finds
//! the stored row; the whole key's hash is compared with the stored hash.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::base62;

/// Prefix of every key.
pub const KEY_PREFIX: &str = "sl_live_";
const ID_LEN: usize = 12;
const SECRET_LEN: usize = 32;

/// A freshly generated key: give `key` to the user once, store `id` and `hash`.
#[derive(Debug)]
pub struct NewKey {
    /// The public id, also the row's primary key.
    pub id: String,
    /// The whole key; never stored.
    pub key: String,
    /// SHA-256 of the whole key, hex.
    pub hash: String,
}

/// Generates a new key.
///
/// # Errors
///
/// When the OS has no randomness to give.
pub fn generate() -> Result<NewKey, getrandom::Error> {
    let id = base62::random(ID_LEN)?;
    let secret = base62::random(SECRET_LEN)?;
    let key = format!("{KEY_PREFIX}{id}_{secret}");
    let hash = hash(&key);
    Ok(NewKey { id, key, hash })
}

/// SHA-256 of a key, hex.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The id part of a well-formed key, or `None`.
pub fn key_id(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let well_formed = id.len() == ID_LEN
        && secret.len() == SECRET_LEN
        && id
            .bytes()
            .chain(secret.bytes())
            .all(|b| b.is_ascii_alphanumeric());
    well_formed.then_some(id)
}

/// Whether `key` hashes to `stored_hash`, compared in constant time.
pub fn verify(key: &str, stored_hash: &str) -> bool {
    hash(key).as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_parses_and_verifies_and_a_changed_one_does_not() {
        let key = generate().unwrap();
        assert!(key.key.starts_with(KEY_PREFIX));
        assert_eq!(key_id(&key.key), Some(key.id.as_str()));
        assert!(verify(&key.key, &key.hash));
        let mut tampered = key.key.clone();
        tampered.pop();
        tampered.push(if key.key.ends_with('A') { 'B' } else { 'A' });
        assert!(!verify(&tampered, &key.hash));
        assert_ne!(generate().unwrap().key, key.key);
    }

    #[test]
    fn malformed_keys_have_no_id() {
        for bad in [
            "",
            "sl_live_",
            "nx_live_abc",
            "sl_live_short_secret",
            "sl_live_abcdefghijkl_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        ] {
            assert_eq!(key_id(bad), None, "{bad}");
        }
    }
}
