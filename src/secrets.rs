//! Secrets at rest for the tables outside connections (notification channels): the one
//! interface (`seal`/`open`) they go through, over the connections' [`Vault`]
//! (XChaCha20-Poly1305 under `LEAFBRIDGE_SECRET_KEY`, the previous key still read during a
//! rotation). Without the key nothing can be sealed or opened, and the error names the setting.

use std::fmt;
use std::sync::Arc;

use crate::config::Secret;
use crate::connections::vault::{Vault, VaultError};

/// The setting that holds the key.
pub const KEY_SETTING: &str = "LEAFBRIDGE_SECRET_KEY";
/// What a value sealed here is bound to: it opens only as a notification secret.
pub const CONTEXT: &str = "notify";

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
    vault: Option<Arc<Vault>>,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("key", &self.vault.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Sealer {
    /// A sealer for the configured keys (`None`: secrets cannot be stored).
    pub fn new(key: Option<&Secret>, previous: Option<&Secret>) -> Result<Self, SecretError> {
        let vault = Vault::new(key, previous).map_err(|_| SecretError::BadKey)?;
        Ok(Self {
            vault: vault.map(Arc::new),
        })
    }

    /// A sealer without a key: every seal and open answers [`SecretError::NoKey`].
    pub fn none() -> Self {
        Self { vault: None }
    }

    pub fn has_key(&self) -> bool {
        self.vault.is_some()
    }

    fn vault(&self) -> Result<&Vault, SecretError> {
        self.vault.as_deref().ok_or(SecretError::NoKey)
    }

    /// Encrypts `plain` under a fresh random nonce.
    pub fn seal(&self, plain: &str) -> Result<String, SecretError> {
        self.vault()?
            .seal(CONTEXT, &Secret::new(plain))
            .map_err(|_| SecretError::Undecryptable)
    }

    /// Decrypts a value made by [`Sealer::seal`] under the current or the previous key.
    pub fn open_text(&self, sealed: &str) -> Result<Secret, SecretError> {
        self.vault()?
            .open(CONTEXT, sealed)
            .map_err(|error| match error {
                VaultError::NoKey => SecretError::NoKey,
                _ => SecretError::Undecryptable,
            })
    }
}

/// What the API shows of a secret: its last four characters.
pub fn fingerprint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(key: &str) -> Sealer {
        Sealer::new(Some(&Secret::new(key)), None).unwrap()
    }

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const OTHER: &str = "0707070707070707070707070707070707070707070707070707070707070707";

    #[test]
    fn a_sealed_secret_opens_with_the_same_key_only() {
        let one = sealer(KEY);
        let sealed = one.seal("smtp-password").unwrap();
        assert!(!sealed.contains("smtp-password"));
        assert_eq!(one.open_text(&sealed).unwrap().expose(), "smtp-password");
        // A fresh nonce each time: the same secret never seals to the same text.
        assert_ne!(sealed, one.seal("smtp-password").unwrap());
        let other = sealer(OTHER);
        assert_eq!(
            other.open_text(&sealed).map(|_| ()),
            Err(SecretError::Undecryptable)
        );
        let rotating = Sealer::new(Some(&Secret::new(OTHER)), Some(&Secret::new(KEY))).unwrap();
        assert_eq!(
            rotating.open_text(&sealed).unwrap().expose(),
            "smtp-password"
        );
    }

    #[test]
    fn an_altered_value_does_not_open() {
        let one = sealer(KEY);
        let sealed = one.seal("key").unwrap();
        let mut altered = sealed.clone();
        let last = altered
            .pop()
            .map_or('A', |c| if c == 'A' { 'B' } else { 'A' });
        altered.push(last);
        assert_eq!(
            one.open_text(&altered).map(|_| ()),
            Err(SecretError::Undecryptable)
        );
        assert_eq!(
            one.open_text("plain text").map(|_| ()),
            Err(SecretError::Undecryptable)
        );
    }

    #[test]
    fn without_a_key_nothing_is_sealed_and_the_error_names_the_setting() {
        let none = Sealer::new(None, None).unwrap();
        let error = none.seal("x").unwrap_err();
        assert_eq!(error, SecretError::NoKey);
        assert!(error.to_string().contains(KEY_SETTING));
        assert!(matches!(
            Sealer::new(Some(&Secret::new("short")), None),
            Err(SecretError::BadKey)
        ));
    }

    #[test]
    fn fingerprints_show_the_last_four_characters() {
        assert_eq!(fingerprint("hunter2-secret"), "…cret");
        assert_eq!(fingerprint("ab"), "…ab");
    }
}
