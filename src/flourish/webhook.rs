//! Flourish webhook signatures: `Auth-Signature` is lowercase hex of HMAC-SHA256(signing key, raw
//! body), no prefix and no timestamp. The signing key is chosen by the receiver.

use crate::signature::{SignatureError, digest_matches, hmac_sha256};

/// The header Flourish signs with (read case-insensitively).
pub const SIGNATURE_HEADER: &str = "Auth-Signature";

/// Signs a body the way Flourish does (lowercase hex).
pub fn sign(key: &[u8], body: &[u8]) -> String {
    hex::encode(hmac_sha256(key, body))
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
    let lowercase_hex = value
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if value.len() != 64 || !lowercase_hex {
        return Err(SignatureError::Malformed);
    }
    let digest = hex::decode(value).map_err(|_| SignatureError::Malformed)?;
    digest_matches(keys, body, &digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"resource_type":"item"}"#;
    const KEY: &[u8] = b"flourish-secret";
    // `printf '%s' '{"resource_type":"item"}' | openssl dgst -sha256 -hmac flourish-secret`
    const VECTOR_HEX: &str = include_str!("testdata/vector_hex.txt");

    #[test]
    fn signature_matches_the_fixed_vector() {
        assert_eq!(sign(KEY, BODY), VECTOR_HEX.trim());
    }

    #[test]
    fn bad_signatures_are_refused_by_kind() {
        let good = sign(KEY, BODY);
        assert_eq!(verify(&[KEY], BODY, Some(&good)), Ok(()));
        assert_eq!(verify(&[KEY], BODY, None), Err(SignatureError::Missing));
        assert_eq!(verify(&[KEY], BODY, Some("")), Err(SignatureError::Empty));
        assert_eq!(
            verify(&[KEY], BODY, Some(&good[..63])),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&[KEY], BODY, Some(&good.to_uppercase())),
            Err(SignatureError::Malformed)
        );
        let z = "z".repeat(64);
        assert_eq!(
            verify(&[KEY], BODY, Some(&z)),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&[b"wrong"], BODY, Some(&good)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&[KEY], b"{} ", Some(&good)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_rotated_key_verifies() {
        let signature = sign(b"next", BODY);
        assert_eq!(
            verify(&[KEY.to_vec(), b"next".to_vec()], BODY, Some(&signature)),
            Ok(())
        );
    }
}
