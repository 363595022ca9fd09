//! Secrets at rest: the one interface (`seal`/`open`) every table holding a secret goes through,
//! and its cipher, AES-256-GCM under the key `LEAFBRIDGE_SECRET_KEY`.
//!
//! A sealed value is text: `v1:` then base64 of a random 96-bit nonce followed by the
//! ciphertext and its tag. Without the key nothing can be sealed or opened, and the error
//! names the setting.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

use crate::config::Secret;

/// The setting that holds the key.
pub const KEY_SETTING: &str = "LEAFBRIDGE_SECRET_KEY";
const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error(
        "storing a secret needs {KEY_SETTING} (32 bytes as 64 hex characters or base64) to \
         encrypt it; set it and restart"
    )]
    NoKey,
    #[error("{KEY_SETTING} is not 32 bytes given as 64 hex characters or base64")]
    BadKey,
    #[error(
        "a stored secret cannot be decrypted with {KEY_SETTING}: the key changed, or the value \
         was altered"
    )]
    Undecryptable,
}

/// Seals and opens secrets; cheap to clone. `None` inside: no key configured.
#[derive(Clone)]
pub struct Sealer {
    cipher: Option<Aes256Gcm>,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("key", &self.cipher.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Sealer {
    /// A sealer for the configured key (`None`: secrets cannot be stored).
    pub fn new(key: Option<&Secret>) -> Result<Self, SecretError> {
        let cipher = key
            .map(|key| parse_key(key.expose()).map(|k| Aes256Gcm::new(&k)))
            .transpose()?;
        Ok(Self { cipher })
    }

    /// A sealer without a key: every seal and open answers [`SecretError::NoKey`].
    pub fn none() -> Self {
        Self { cipher: None }
    }

    pub fn has_key(&self) -> bool {
        self.cipher.is_some()
    }

    fn cipher(&self) -> Result<&Aes256Gcm, SecretError> {
        self.cipher.as_ref().ok_or(SecretError::NoKey)
    }

    /// Encrypts `plain` under a fresh random nonce.
    pub fn seal(&self, plain: &[u8]) -> Result<String, SecretError> {
        let cipher = self.cipher()?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), plain)
            .map_err(|_| SecretError::Undecryptable)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Decrypts a value made by [`Sealer::seal`] under the same key.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, SecretError> {
        let cipher = self.cipher()?;
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b64| STANDARD.decode(b64).ok())
            .filter(|bytes| bytes.len() > NONCE_LEN)
            .ok_or(SecretError::Undecryptable)?;
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        cipher
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| SecretError::Undecryptable)
    }

    /// [`Sealer::open`] for text secrets.
    pub fn open_text(&self, sealed: &str) -> Result<Secret, SecretError> {
        let bytes = self.open(sealed)?;
        String::from_utf8(bytes)
            .map(Secret::new)
            .map_err(|_| SecretError::Undecryptable)
    }
}

/// What the API shows of a secret: its last four characters.
pub fn fingerprint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("…{tail}")
}

/// 32 bytes, as 64 hex characters or as base64.
fn parse_key(text: &str) -> Result<Key<Aes256Gcm>, SecretError> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|_| SecretError::BadKey)?
    } else {
        STANDARD.decode(text).map_err(|_| SecretError::BadKey)?
    };
    if bytes.len() != 32 {
        return Err(SecretError::BadKey);
    }
    Ok(*Key::<Aes256Gcm>::from_slice(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(key: &str) -> Sealer {
        Sealer::new(Some(&Secret::new(key))).unwrap()
    }

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn a_sealed_secret_opens_with_the_same_key_only() {
        let one = sealer(KEY);
        let sealed = one.seal(b"smtp-password").unwrap();
        assert!(!sealed.contains("smtp-password"));
        assert_eq!(one.open(&sealed).unwrap(), b"smtp-password");
        // A fresh nonce each time: the same secret never seals to the same text.
        assert_ne!(sealed, one.seal(b"smtp-password").unwrap());
        let other = sealer(&STANDARD.encode([7u8; 32]));
        assert_eq!(other.open(&sealed), Err(SecretError::Undecryptable));
    }

    #[test]
    fn an_altered_value_does_not_open() {
        let one = sealer(KEY);
        let sealed = one.seal(b"key").unwrap();
        let mut bytes = STANDARD.decode(&sealed[PREFIX.len()..]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let altered = format!("{PREFIX}{}", STANDARD.encode(bytes));
        assert_eq!(one.open(&altered), Err(SecretError::Undecryptable));
        assert_eq!(one.open("plain text"), Err(SecretError::Undecryptable));
    }

    #[test]
    fn without_a_key_nothing_is_sealed_and_the_error_names_the_setting() {
        let none = Sealer::new(None).unwrap();
        let error = none.seal(b"x").unwrap_err();
        assert_eq!(error, SecretError::NoKey);
        assert!(error.to_string().contains(KEY_SETTING));
        assert!(matches!(
            Sealer::new(Some(&Secret::new("short"))),
            Err(SecretError::BadKey)
        ));
    }

    #[test]
    fn fingerprints_show_the_last_four_characters() {
        assert_eq!(fingerprint("hunter2-secret"), "…cret");
        assert_eq!(fingerprint("ab"), "…ab");
    }
}
