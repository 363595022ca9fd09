//! HMAC-SHA256 over raw webhook bodies, compared in constant time; the platform modules add
//! their encodings (LeafLink base64, Flourish hex).

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a webhook signature was refused. Every variant answers 401 and stores nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is missing")]
    Missing,
    #[error("the signature header is empty")]
    Empty,
    #[error("the signature is not a correctly encoded SHA-256 digest")]
    Malformed,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// HMAC-SHA256 of `body` under `key`.
pub fn hmac_sha256(key: &[u8], body: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// True when `digest` is the HMAC of `body` under any key; each comparison is constant-time.
pub fn digest_matches<K: AsRef<[u8]>>(
    keys: &[K],
    body: &[u8],
    digest: &[u8],
) -> Result<(), SignatureError> {
    let mut matched = false;
    for key in keys {
        let mut mac = HmacSha256::new_from_slice(key.as_ref()).expect("any key length");
        mac.update(body);
        // Check every key so the time taken does not reveal which one matched.
        matched |= mac.verify_slice(digest).is_ok();
    }
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}
