//! Audit links: a trace's URL carrying a signed, expiring capability,
//! `/traces/{eval_id}?exp=UNIX&kid=KEY&sig=HMAC`, so that whoever a result reaches can open
//! its trace in a browser with no API key, and nobody can open another trace with it.
//!
//! The signature is HMAC-SHA256 over the evaluation, its organisation and the expiry, with
//! a key kept in the database (so every replica signs and verifies alike). The newest key
//! in force signs; a rotation adds one, and with revocation retires the others at once.
//! Each process reads the keys at most every [`KEYS_CACHED_FOR`], and again when a link
//! names a key it has not seen: a revocation reaches every replica within that time.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::store::{self, AuditKey, Store};
use crate::time::now_ms;

/// How long a link is valid by default: 30 days.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// How long a process uses the keys it read before reading them again.
pub const KEYS_CACHED_FOR: Duration = Duration::from_secs(60);

/// What the signature covers, before the evaluation, organisation and expiry.
const SIGNED_PREFIX: &str = "shortlist-audit-link:v1";

/// The query of a signed link. All three or none.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LinkQuery {
    /// Expiry, unix seconds.
    pub exp: Option<i64>,
    /// The signing key's id.
    pub kid: Option<String>,
    /// The signature, base64url.
    pub sig: Option<String>,
}

impl LinkQuery {
    /// Whether the request carries a link's capability at all.
    pub fn is_present(&self) -> bool {
        self.exp.is_some() || self.kid.is_some() || self.sig.is_some()
    }
}

/// Why a link does not open its trace.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// Altered, incomplete, for another trace, or signed by a key not in force. Returns
    /// 404 upstream: it says nothing of whether the trace exists.
    #[error("This audit link is not valid. Ask whoever sent it for a fresh one.")]
    Invalid,
    /// Signed, but past its expiry. Returns 410 upstream.
    #[error("This audit link expired on {}. Ask whoever sent it for a fresh one.", crate::time::rfc3339(.0 * 1000))]
    Expired(i64),
    /// The database. Returns 503 upstream.
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Mints and verifies audit links. Cheap to share.
#[derive(Debug)]
pub struct AuditLinks {
    store: Store,
    ttl: Duration,
    keys: Mutex<Option<(Instant, Vec<AuditKey>)>>,
}

impl AuditLinks {
    /// Links over `store`'s keys, valid `ttl` from their minting.
    pub fn new(store: Store, ttl: Duration) -> Self {
        Self {
            store,
            ttl,
            keys: Mutex::new(None),
        }
    }

    /// The lifetime of the links this mints by default.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The audit URL of an evaluation under `public_url`, valid for `ttl` (the default
    /// when `None`). Makes the first key when there is none.
    ///
    /// # Errors
    ///
    /// The database.
    pub async fn mint(
        &self,
        public_url: &str,
        eval_id: &str,
        org_id: &str,
        ttl: Option<Duration>,
    ) -> Result<String, store::Error> {
        let key = match self.keys(false).await?.into_iter().next() {
            Some(key) => key,
            None => {
                self.rotate(false).await?;
                self.keys(true)
                    .await?
                    .into_iter()
                    .next()
                    .expect("a key was just added")
            }
        };
        let exp = now_ms() / 1000 + ttl.unwrap_or(self.ttl).as_secs() as i64;
        let sig = signature(&key.secret, eval_id, org_id, exp);
        Ok(format!(
            "{}/traces/{eval_id}?exp={exp}&kid={}&sig={sig}",
            public_url.trim_end_matches('/'),
            key.id
        ))
    }

    /// Checks a link's capability for the evaluation `eval_id` of organisation `org_id`.
    ///
    /// # Errors
    ///
    /// [`LinkError::Invalid`], [`LinkError::Expired`], the database.
    pub async fn verify(
        &self,
        eval_id: &str,
        org_id: &str,
        query: &LinkQuery,
    ) -> Result<(), LinkError> {
        let (Some(exp), Some(kid), Some(sig)) = (query.exp, &query.kid, &query.sig) else {
            return Err(LinkError::Invalid);
        };
        let mut key = self.keys(false).await?.into_iter().find(|k| k.id == *kid);
        if key.is_none() {
            // A key minted or revoked by another replica since this one last read them.
            key = self.keys(true).await?.into_iter().find(|k| k.id == *kid);
        }
        let key = key.ok_or(LinkError::Invalid)?;
        let expected = signature(&key.secret, eval_id, org_id, exp);
        if !bool::from(expected.as_bytes().ct_eq(sig.as_bytes())) {
            return Err(LinkError::Invalid);
        }
        if exp <= now_ms() / 1000 {
            return Err(LinkError::Expired(exp));
        }
        Ok(())
    }

    /// Adds a key that signs from now on; with `revoke`, every other key is revoked (the
    /// links they signed stop working). Returns the new key's id.
    ///
    /// # Errors
    ///
    /// The database.
    pub async fn rotate(&self, revoke: bool) -> Result<String, store::Error> {
        let id = format!("ak_{}", random(12));
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system provides randomness");
        let secret = base64::engine::general_purpose::STANDARD.encode(secret);
        self.store
            .add_audit_key(&id, &secret, revoke, now_ms())
            .await?;
        *self.lock() = None;
        Ok(id)
    }

    /// The keys in force, newest first: cached, or read when the cache is old or `refresh`.
    async fn keys(&self, refresh: bool) -> Result<Vec<AuditKey>, store::Error> {
        if !refresh
            && let Some((read_at, keys)) = &*self.lock()
            && read_at.elapsed() < KEYS_CACHED_FOR
        {
            return Ok(keys.clone());
        }
        let keys = self.store.audit_keys(now_ms()).await?;
        *self.lock() = Some((Instant::now(), keys.clone()));
        Ok(keys)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, Vec<AuditKey>)>> {
        self.keys
            .lock()
            .expect("the audit-key cache lock is never poisoned")
    }
}

fn random(len: usize) -> String {
    crate::base62::random(len).expect("the operating system provides randomness")
}

/// The signature of a link, base64url without padding.
fn signature(secret: &str, eval_id: &str, org_id: &str, exp: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{SIGNED_PREFIX}\n{eval_id}\n{org_id}\n{exp}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn links() -> (tempfile::TempDir, AuditLinks) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("links.db").display());
        let store = Store::connect(&url).await.unwrap();
        (dir, AuditLinks::new(store, DEFAULT_TTL))
    }

    fn query(url: &str) -> LinkQuery {
        let query = url.split_once('?').unwrap().1;
        parse_query(query)
    }

    /// Parses `exp=..&kid=..&sig=..` (the values are URL-safe as minted).
    fn parse_query(query: &str) -> LinkQuery {
        let mut out = LinkQuery::default();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            match k {
                "exp" => out.exp = v.parse().ok(),
                "kid" => out.kid = Some(v.to_owned()),
                "sig" => out.sig = Some(v.to_owned()),
                _ => {}
            }
        }
        out
    }

    #[tokio::test]
    async fn a_link_opens_its_own_trace_only_until_it_expires() {
        let (_dir, links) = links().await;
        let url = links
            .mint("https://x.test/", "eval_a", "org_1", None)
            .await
            .unwrap();
        assert!(
            url.starts_with("https://x.test/traces/eval_a?exp="),
            "{url}"
        );
        let q = query(&url);
        links.verify("eval_a", "org_1", &q).await.unwrap();
        for (eval, org) in [("eval_b", "org_1"), ("eval_a", "org_2")] {
            assert!(matches!(
                links.verify(eval, org, &q).await,
                Err(LinkError::Invalid)
            ));
        }
        let mut tampered = q.clone();
        tampered.exp = tampered.exp.map(|e| e + 3600);
        assert!(matches!(
            links.verify("eval_a", "org_1", &tampered).await,
            Err(LinkError::Invalid)
        ));
        assert!(matches!(
            links.verify("eval_a", "org_1", &LinkQuery::default()).await,
            Err(LinkError::Invalid)
        ));

        let old = links
            .mint("https://x.test", "eval_a", "org_1", Some(Duration::ZERO))
            .await
            .unwrap();
        assert!(matches!(
            links.verify("eval_a", "org_1", &query(&old)).await,
            Err(LinkError::Expired(_))
        ));
    }

    #[tokio::test]
    async fn a_rotation_keeps_old_links_and_a_revocation_ends_them() {
        let (_dir, links) = links().await;
        let first = query(
            &links
                .mint("https://x.test", "eval_a", "org_1", None)
                .await
                .unwrap(),
        );
        let kid = links.rotate(false).await.unwrap();
        let second = query(
            &links
                .mint("https://x.test", "eval_a", "org_1", None)
                .await
                .unwrap(),
        );
        assert_eq!(
            second.kid.as_deref(),
            Some(kid.as_str()),
            "the newest key signs"
        );
        links.verify("eval_a", "org_1", &first).await.unwrap();
        links.rotate(true).await.unwrap();
        for q in [first, second] {
            assert!(matches!(
                links.verify("eval_a", "org_1", &q).await,
                Err(LinkError::Invalid)
            ));
        }
    }
}
