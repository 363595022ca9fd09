//! Secrets at rest: XChaCha20-Poly1305 under the key of `LEAFBRIDGE_SECRET_KEY` (or the file
//! named by `LEAFBRIDGE_SECRET_KEY_FILE`), with the previous key still accepted for reading
//! while a rotation re-encrypts every stored secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::Secret;

/// The setting that holds the key.
pub const KEY_SETTING: &str = "LEAFBRIDGE_SECRET_KEY";
const FORMAT: &str = "x1";

/// Why a secret could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("storing a secret needs an encryption key: set {KEY_SETTING} (or {KEY_SETTING}_FILE)")]
    NoKey,
    #[error("{KEY_SETTING}: must be 32 bytes, base64- or hex-encoded")]
    BadKey,
    #[error(
        "a stored secret is encrypted under key {0}, which is neither {KEY_SETTING} nor {KEY_SETTING}_PREVIOUS"
    )]
    UnknownKey(String),
    #[error("a stored secret could not be decrypted (damaged, or stored for another setting)")]
    Damaged,
    #[error("a secret is too long to encrypt")]
    TooLong,
}

/// One 256-bit key and the short id stored beside what it encrypted.
struct DataKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl DataKey {
    fn parse(text: &Secret) -> Result<Self, VaultError> {
        let text = text.expose().trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| VaultError::BadKey)?
        } else {
            B64.decode(text).map_err(|_| VaultError::BadKey)?
        };
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| VaultError::BadKey)?;
        let id = hex::encode(&Sha256::digest(bytes)[..4]);
        Ok(Self {
            id,
            cipher: XChaCha20Poly1305::new(&Key::from(bytes)),
        })
    }
}

/// Encrypts with the current key; decrypts with the current or the previous one.
pub struct Vault {
    current: DataKey,
    previous: Option<DataKey>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("key_id", &self.current.id)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// A vault from the configured keys; `None` without a current key.
    pub fn new(
        current: Option<&Secret>,
        previous: Option<&Secret>,
    ) -> Result<Option<Self>, VaultError> {
        let Some(current) = current else {
            return Ok(None);
        };
        Ok(Some(Self {
            current: DataKey::parse(current)?,
            previous: previous.map(DataKey::parse).transpose()?,
        }))
    }

    /// The id of the key new secrets are encrypted under.
    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    /// `x1:<key id>:<base64 of nonce ‖ ciphertext>`; `context` (connection and setting) is
    /// authenticated, so a value copied to another row does not decrypt.
    pub fn seal(&self, context: &str, secret: &Secret) -> Result<String, VaultError> {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: secret.expose().as_bytes(),
            aad: context.as_bytes(),
        };
        let sealed = self
            .current
            .cipher
            .encrypt(&XNonce::from(nonce), payload)
            .map_err(|_| VaultError::TooLong)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{FORMAT}:{}:{}", self.current.id, B64.encode(out)))
    }

    /// The secret sealed by [`Vault::seal`] with the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Secret, VaultError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some(FORMAT), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(VaultError::Damaged);
        };
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == id)
            .ok_or_else(|| VaultError::UnknownKey(id.to_owned()))?;
        let bytes = B64.decode(data).map_err(|_| VaultError::Damaged)?;
        if bytes.len() < 24 {
            return Err(VaultError::Damaged);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| VaultError::Damaged)?;
        let plain = key
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| VaultError::Damaged)?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| VaultError::Damaged)
    }

    /// Whether `sealed` is under the current key (a rotation skips those).
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed
            .split(':')
            .nth(1)
            .is_some_and(|id| id == self.current.id)
    }
}

/// What the API shows of a secret: its last four characters, never more than a quarter of it.
pub fn fingerprint(secret: &Secret) -> String {
    let text = secret.expose();
    let chars: Vec<char> = text.chars().collect();
    let shown = (chars.len() / 4).min(4);
    let tail: String = chars[chars.len() - shown..].iter().collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> Secret {
        Secret::new(B64.encode([byte; 32]))
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let vault = Vault::new(Some(&key(1)), None).unwrap().unwrap();
        let sealed = vault
            .seal("brand-b/leaflink_api_key", &Secret::new("ll-api-secret"))
            .unwrap();
        assert!(!sealed.contains("ll-api-secret"));
        let opened = vault.open("brand-b/leaflink_api_key", &sealed).unwrap();
        assert_eq!(opened.expose(), "ll-api-secret");
        assert!(matches!(
            vault.open("brand-c/leaflink_api_key", &sealed),
            Err(VaultError::Damaged)
        ));
        let other = Vault::new(Some(&key(2)), None).unwrap().unwrap();
        assert!(matches!(
            other.open("brand-b/leaflink_api_key", &sealed),
            Err(VaultError::UnknownKey(_))
        ));
        let again = vault
            .seal("brand-b/leaflink_api_key", &Secret::new("ll-api-secret"))
            .unwrap();
        assert_ne!(sealed, again, "every seal takes a fresh nonce");
    }

    #[test]
    fn the_previous_key_still_reads_during_a_rotation() {
        let old = Vault::new(Some(&key(1)), None).unwrap().unwrap();
        let sealed = old
            .seal("default/flourish_api_key", &Secret::new("fl"))
            .unwrap();
        let rotating = Vault::new(Some(&key(2)), Some(&key(1))).unwrap().unwrap();
        assert!(!rotating.is_current(&sealed));
        assert_eq!(
            rotating
                .open("default/flourish_api_key", &sealed)
                .unwrap()
                .expose(),
            "fl"
        );
        let resealed = rotating
            .seal("default/flourish_api_key", &Secret::new("fl"))
            .unwrap();
        assert!(rotating.is_current(&resealed));
    }

    #[test]
    fn keys_must_be_32_bytes_and_missing_keys_are_named() {
        assert!(Vault::new(None, None).unwrap().is_none());
        assert!(matches!(
            Vault::new(Some(&Secret::new("short")), None),
            Err(VaultError::BadKey)
        ));
        let hex_key = Secret::new("ab".repeat(32));
        assert!(Vault::new(Some(&hex_key), None).unwrap().is_some());
        assert!(VaultError::NoKey.to_string().contains(KEY_SETTING));
        assert_eq!(fingerprint(&Secret::new("abcdefghijklmnop")), "…mnop");
        assert_eq!(fingerprint(&Secret::new("abc")), "…");
    }
}
