//! Storing, reading and re-encrypting connections' secrets through the vault: a secret is
//! refused without a key, shown only by its fingerprint, and a rotation re-seals every one.

use crate::config::Secret;
use crate::store::{Db, connections as store, now_ms};

use super::vault::{Vault, VaultError, fingerprint};

/// The settings of a connection that are secrets (never stored or shown in the clear).
pub const SECRET_SETTINGS: [&str; 4] = [
    "leaflink_api_key",
    "leaflink_webhook_key",
    "flourish_api_key",
    "flourish_webhook_key",
];

/// Why a secret operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("storing connection secrets: {0}")]
    Database(#[from] sqlx::Error),
}

/// What a sealed secret authenticates besides its value: its connection and setting.
fn context(connection: &str, setting: &str) -> String {
    format!("{connection}/{setting}")
}

/// Seals and stores `secret` as `setting` of `connection`; refused without a vault.
pub async fn store_secret(
    db: &Db,
    vault: Option<&Vault>,
    connection: &str,
    setting: &str,
    secret: &Secret,
) -> Result<(), SecretError> {
    let vault = vault.ok_or(VaultError::NoKey)?;
    let sealed = vault.seal(&context(connection, setting), secret)?;
    store::put_secret(
        &db.pool,
        &store::StoredSecret {
            connection: connection.to_owned(),
            setting: setting.to_owned(),
            sealed,
            fingerprint: fingerprint(secret),
            set_at_ms: now_ms(),
        },
    )
    .await?;
    Ok(())
}

/// The secrets of `connection`, opened, by setting.
pub async fn open_secrets(
    db: &Db,
    vault: Option<&Vault>,
    connection: &str,
) -> Result<Vec<(String, Secret)>, SecretError> {
    let stored = store::secrets(&db.pool, Some(connection)).await?;
    if stored.is_empty() {
        return Ok(Vec::new());
    }
    let vault = vault.ok_or(VaultError::NoKey)?;
    stored
        .into_iter()
        .map(|s| {
            let secret = vault.open(&context(&s.connection, &s.setting), &s.sealed)?;
            Ok((s.setting, secret))
        })
        .collect()
}

/// Re-seals every stored secret that is not under the vault's current key; returns how many.
/// Each is replaced only if unchanged since read, so a secret set meanwhile is kept.
pub async fn rotate(db: &Db, vault: &Vault) -> Result<usize, SecretError> {
    let mut count = 0;
    for stored in store::secrets(&db.pool, None).await? {
        if vault.is_current(&stored.sealed) {
            continue;
        }
        let context = context(&stored.connection, &stored.setting);
        let secret = vault.open(&context, &stored.sealed)?;
        let sealed = vault.seal(&context, &secret)?;
        if store::reseal(
            &db.pool,
            &stored.connection,
            &stored.setting,
            &stored.sealed,
            &sealed,
        )
        .await?
        {
            count += 1;
        }
    }
    // Notification channels' secrets (sealed under `crate::secrets`' fixed context).
    for (id, sealed) in crate::store::notify::sealed_channel_secrets(&db.pool).await? {
        if vault.is_current(&sealed) {
            continue;
        }
        let secret = vault.open(crate::secrets::CONTEXT, &sealed)?;
        let resealed = vault.seal(crate::secrets::CONTEXT, &secret)?;
        if crate::store::notify::reseal_channel_secret(&db.pool, &id, &sealed, &resealed).await? {
            count += 1;
        }
    }
    Ok(count)
}
