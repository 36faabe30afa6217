//! Standard Webhooks v1 signing: an organisation's [`Secret`], the
//! `webhook-signature` value ([`sign`], [`signature_header`]) and its check
//! ([`verify`]).
//!
//! The signed content is `"{webhook-id}.{webhook-timestamp}.{raw body}"`, the
//! MAC is HMAC-SHA256 keyed with the secret's decoded bytes, and a signature
//! is written `v1,<base64>`. During a rotation both secrets sign, and the
//! header carries both signatures separated by a space.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Error;

/// The prefix of a secret's text form, as in `whsec_<base64>`.
pub const SECRET_PREFIX: &str = "whsec_";

/// The version tag in front of each signature.
const SIGNATURE_PREFIX: &str = "v1,";

/// Bytes of key in a generated secret.
const GENERATED_KEY_BYTES: usize = 32;

/// The key sizes Standard Webhooks allows ("between 24 bytes and 64 bytes").
const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

type HmacSha256 = Hmac<Sha256>;

/// An organisation's signing key. Its `Debug` form never shows the key.
#[derive(Clone)]
pub struct Secret {
    key: Vec<u8>,
}

impl Secret {
    /// A new secret of 32 bytes from the system random source.
    pub fn generate() -> Result<Secret, Error> {
        let mut key = vec![0u8; GENERATED_KEY_BYTES];
        getrandom::fill(&mut key).map_err(Error::Random)?;
        Ok(Secret { key })
    }

    /// Parses the text form `whsec_<base64>` (standard alphabet), whose key
    /// must be 24 to 64 bytes long.
    pub fn parse(text: &str) -> Result<Secret, Error> {
        let encoded = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| Error::InvalidSecret(format!("it must start with {SECRET_PREFIX:?}")))?;
        let key = BASE64.decode(encoded).map_err(|e| {
            Error::InvalidSecret(format!("the part after the prefix is not base64 ({e})"))
        })?;
        if !KEY_BYTES.contains(&key.len()) {
            return Err(Error::InvalidSecret(format!(
                "its key is {} bytes long, and must be {} to {} bytes",
                key.len(),
                KEY_BYTES.start(),
                KEY_BYTES.end()
            )));
        }
        Ok(Secret { key })
    }

    /// The text form, `whsec_<base64>`, as stored and shown to the organisation.
    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", BASE64.encode(&self.key))
    }

    /// A MAC over the signed content of one message.
    fn mac(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        let mut mac =
            HmacSha256::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("key", &"<redacted>")
            .finish()
    }
}

/// The signature of one message under one secret: `v1,<base64>`.
pub fn sign(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = secret.mac(msg_id, timestamp, body).finalize().into_bytes();
    format!("{SIGNATURE_PREFIX}{}", BASE64.encode(tag))
}

/// The `webhook-signature` header value: one signature per secret (the
/// current secret and, during a rotation, the previous one), separated by
/// spaces.
pub fn signature_header(secrets: &[Secret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| sign(secret, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether any `v1` signature in `header` was made by any of `secrets` over
/// this message. Comparisons are constant-time; entries of other versions
/// and malformed entries are skipped. The timestamp's freshness is the
/// receiver's concern and is not checked here.
pub fn verify(secrets: &[Secret], msg_id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let candidates: Vec<Vec<u8>> = header
        .split_whitespace()
        .filter_map(|entry| entry.strip_prefix(SIGNATURE_PREFIX))
        .filter_map(|encoded| BASE64.decode(encoded).ok())
        .collect();
    // No early exit: every pair is compared, so timing says nothing about
    // which secret or which entry matched.
    let mut matched = false;
    for secret in secrets {
        for candidate in &candidates {
            let ok = secret
                .mac(msg_id, timestamp, body)
                .verify_slice(candidate)
                .is_ok();
            matched |= ok;
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const VECTOR_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const VECTOR_TS: i64 = 1614265330;
    const VECTOR_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const VECTOR_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_standard_webhooks_test_vector_signs_and_verifies() {
        let secret = Secret::parse(VECTOR_SECRET).unwrap();
        assert_eq!(sign(&secret, VECTOR_ID, VECTOR_TS, VECTOR_BODY), VECTOR_SIG);
        assert_eq!(
            signature_header(
                std::slice::from_ref(&secret),
                VECTOR_ID,
                VECTOR_TS,
                VECTOR_BODY
            ),
            VECTOR_SIG
        );
        let secrets = [secret];
        assert!(verify(
            &secrets,
            VECTOR_ID,
            VECTOR_TS,
            VECTOR_BODY,
            VECTOR_SIG
        ));
    }

    #[test]
    fn verify_rejects_a_changed_body_timestamp_id_or_signature() {
        let secrets = [Secret::parse(VECTOR_SECRET).unwrap()];
        assert!(!verify(
            &secrets,
            VECTOR_ID,
            VECTOR_TS,
            br#"{"test": 2432232315}"#,
            VECTOR_SIG
        ));
        assert!(!verify(
            &secrets,
            VECTOR_ID,
            VECTOR_TS + 1,
            VECTOR_BODY,
            VECTOR_SIG
        ));
        assert!(!verify(
            &secrets,
            "msg_other",
            VECTOR_TS,
            VECTOR_BODY,
            VECTOR_SIG
        ));
        let tampered = VECTOR_SIG.replace("g0hM", "g0hN");
        assert!(!verify(
            &secrets,
            VECTOR_ID,
            VECTOR_TS,
            VECTOR_BODY,
            &tampered
        ));
        // Another version tag, garbage and an empty header match nothing.
        let v2 = VECTOR_SIG.replace("v1,", "v2,");
        assert!(!verify(&secrets, VECTOR_ID, VECTOR_TS, VECTOR_BODY, &v2));
        assert!(!verify(
            &secrets,
            VECTOR_ID,
            VECTOR_TS,
            VECTOR_BODY,
            "v1,!!! nonsense"
        ));
        assert!(!verify(&secrets, VECTOR_ID, VECTOR_TS, VECTOR_BODY, ""));
        assert!(!verify(&[], VECTOR_ID, VECTOR_TS, VECTOR_BODY, VECTOR_SIG));
    }

    #[test]
    fn verify_finds_a_match_among_several_entries() {
        let secrets = [Secret::parse(VECTOR_SECRET).unwrap()];
        let header = format!("v2,abc v1,bm9wZQ== {VECTOR_SIG}");
        assert!(verify(&secrets, VECTOR_ID, VECTOR_TS, VECTOR_BODY, &header));
    }

    #[test]
    fn during_a_rotation_both_secrets_sign_and_either_verifies() {
        let old = Secret::parse(VECTOR_SECRET).unwrap();
        let new = Secret::generate().unwrap();
        let header = signature_header(
            &[new.clone(), old.clone()],
            VECTOR_ID,
            VECTOR_TS,
            VECTOR_BODY,
        );
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2, "{header}");
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_eq!(parts[1], VECTOR_SIG);
        assert_ne!(parts[0], parts[1]);
        // A receiver that knows only one of the two secrets accepts the message.
        assert!(verify(&[old], VECTOR_ID, VECTOR_TS, VECTOR_BODY, &header));
        assert!(verify(&[new], VECTOR_ID, VECTOR_TS, VECTOR_BODY, &header));
        let stranger = Secret::generate().unwrap();
        assert!(!verify(
            &[stranger],
            VECTOR_ID,
            VECTOR_TS,
            VECTOR_BODY,
            &header
        ));
    }

    #[test]
    fn debug_does_not_leak_the_key() {
        let secret = Secret::parse(VECTOR_SECRET).unwrap();
        let shown = format!("{secret:?} {secret:#?}");
        assert!(
            !shown.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            "{shown}"
        );
        assert!(!shown.contains(&format!("{:?}", secret.key)), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }

    #[test]
    fn generated_secrets_round_trip_and_differ() {
        let a = Secret::generate().unwrap();
        let b = Secret::generate().unwrap();
        assert_eq!(a.key.len(), 32);
        let text = a.to_text();
        assert!(text.starts_with(SECRET_PREFIX));
        assert_eq!(text.len(), SECRET_PREFIX.len() + 44);
        let parsed = Secret::parse(&text).unwrap();
        assert_eq!(parsed.key, a.key);
        assert_eq!(parsed.to_text(), text);
        assert_ne!(a.to_text(), b.to_text());
        assert_eq!(
            Secret::parse(VECTOR_SECRET).unwrap().to_text(),
            VECTOR_SECRET
        );
    }

    #[test]
    fn parse_rejects_malformed_secrets_with_a_reason() {
        for (text, reason) in [
            ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with"),
            ("whsec_", "0 bytes"),
            ("whsec_not*base64!", "not base64"),
            ("whsec_dGVzdA==", "4 bytes"),
        ] {
            let err = Secret::parse(text).unwrap_err();
            assert!(matches!(err, Error::InvalidSecret(_)));
            let message = err.to_string();
            assert!(message.contains(reason), "{text}: {message}");
            assert!(
                message.starts_with("the webhook signing secret is invalid"),
                "{message}"
            );
        }
        let too_long = format!("{SECRET_PREFIX}{}", BASE64.encode([7u8; 65]));
        assert!(Secret::parse(&too_long).is_err());
        let longest = format!("{SECRET_PREFIX}{}", BASE64.encode([7u8; 64]));
        assert!(Secret::parse(&longest).is_ok());
    }
}
