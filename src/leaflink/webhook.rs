//! LeafLink webhook signatures: `LL-Signature` is base64 of HMAC-SHA256(company webhook key, raw
//! body). Lowercase hex of the same digest is accepted as a fallback. Verification runs on the raw
//! bytes before any parsing and compares in constant time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::signature::{SignatureError, digest_matches, hmac_sha256};

/// The header LeafLink signs with (read case-insensitively).
pub const SIGNATURE_HEADER: &str = "LL-Signature";

/// Signs a body the way LeafLink does (base64).
pub fn sign(key: &[u8], body: &[u8]) -> String {
    STANDARD.encode(hmac_sha256(key, body))
}

/// Verifies `header` against any of `keys` (several during a key rotation).
pub fn verify<K: AsRef<[u8]>>(
    keys: &[K],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let value = header.ok_or(SignatureError::Missing)?.trim();
    if value.is_empty() {
        return Err(SignatureError::Empty);
    }
    let digest = decode(value)?;
    digest_matches(keys, body, &digest)
}

/// Base64 (44 characters with padding) or lowercase hex (64 characters) of a 32-byte digest.
fn decode(value: &str) -> Result<Vec<u8>, SignatureError> {
    let is_hex = value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let digest = if is_hex {
        hex::decode(value).map_err(|_| SignatureError::Malformed)?
    } else {
        STANDARD
            .decode(value)
            .map_err(|_| SignatureError::Malformed)?
    };
    if digest.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    Ok(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Fixed vector: HMAC-SHA256(key "leaflink-secret", body `{"type":"order"}`), computed with
    // `printf '%s' '{"type":"order"}' | openssl dgst -sha256 -hmac leaflink-secret -binary | base64`.
    const BODY: &[u8] = br#"{"type":"order"}"#;
    const KEY: &[u8] = b"leaflink-secret";

    #[test]
    fn signature_matches_the_fixed_vector() {
        assert_eq!(sign(KEY, BODY), VECTOR_BASE64);
    }

    const VECTOR_BASE64: &str = include_str!("testdata/vector_base64.txt");

    #[test]
    fn base64_and_hex_signatures_both_verify() {
        let b64 = sign(KEY, BODY);
        assert_eq!(verify(&[KEY], BODY, Some(&b64)), Ok(()));
        let hex = hex::encode(hmac_sha256(KEY, BODY));
        assert_eq!(verify(&[KEY], BODY, Some(&hex)), Ok(()));
    }

    #[test]
    fn any_rotated_key_verifies() {
        let signature = sign(b"new-key", BODY);
        assert_eq!(
            verify(&[KEY.to_vec(), b"new-key".to_vec()], BODY, Some(&signature)),
            Ok(())
        );
    }

    #[test]
    fn bad_signatures_are_refused_by_kind() {
        let good = sign(KEY, BODY);
        assert_eq!(verify(&[KEY], BODY, None), Err(SignatureError::Missing));
        assert_eq!(verify(&[KEY], BODY, Some("  ")), Err(SignatureError::Empty));
        assert_eq!(
            verify(&[KEY], BODY, Some(&good[..20])),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&[KEY], BODY, Some("%%%not base64%%%")),
            Err(SignatureError::Malformed)
        );
        let short = STANDARD.encode([0u8; 16]);
        assert_eq!(
            verify(&[KEY], BODY, Some(&short)),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&[b"other"], BODY, Some(&good)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&[KEY], b"{}", Some(&good)),
            Err(SignatureError::Mismatch)
        );
        let upper_hex = hex::encode_upper(hmac_sha256(KEY, BODY));
        assert!(verify(&[KEY], BODY, Some(&upper_hex)).is_err());
    }
}
