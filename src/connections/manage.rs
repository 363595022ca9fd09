//! Managing stored connections — list, show, add, update, remove — as functions over the store
//! and the vault, shared by `/api/v1/connections` and `leafbridge connections`. Connections of
//! the environment and the file are listed read-only; secrets are sealed on write and shown
//! only by their fingerprints.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::runtime::Origin;
use super::secrets::{self, SECRET_SETTINGS, SecretError};
use super::vault::{Vault, VaultError, fingerprint};
use crate::config::{ConfigError, ConnectionSettings, Secret, connection_from_json};
use crate::store::connections::{self as store, StoredConnection};
use crate::store::{Db, now_ms};

/// Why a management call failed.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error("no connection {0}")]
    NotFound(String),
    /// Declared by the environment or the file: changed there, not here.
    #[error(
        "connection {0} is declared by the {1} and is read-only here; change it there and restart"
    )]
    ReadOnly(String, &'static str),
    #[error("connection {0} already exists")]
    Exists(String),
    /// A setting is wrong; the message names it.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("storing the connection failed: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<SecretError> for ManageError {
    fn from(error: SecretError) -> Self {
        match error {
            SecretError::Vault(error) => Self::Vault(error),
            SecretError::Database(error) => Self::Database(error),
        }
    }
}

impl From<ConfigError> for ManageError {
    fn from(error: ConfigError) -> Self {
        Self::Invalid(format!("{}: {}", error.setting, error.problem))
    }
}

/// A connection the configuration declares (listed, never changed here).
#[derive(Clone, Debug)]
pub struct Declared {
    pub origin: Origin,
    pub settings: ConnectionSettings,
}

/// Body of `POST /api/v1/connections`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewConnection {
    pub name: String,
    /// Configuration-file keys (no secret among them), e.g. `routing`, `leaflink_base_url`.
    #[serde(default)]
    pub settings: Map<String, Value>,
    /// `leaflink_api_key`, `leaflink_webhook_key`, `flourish_api_key`, `flourish_webhook_key`.
    #[serde(default)]
    pub secrets: BTreeMap<String, Secret>,
}

/// Body of `PATCH /api/v1/connections/{name}`: settings to set (`null` removes one) and
/// secrets to replace (`null` removes one).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionPatch {
    #[serde(default)]
    pub settings: Map<String, Value>,
    #[serde(default)]
    pub secrets: BTreeMap<String, Option<Secret>>,
}

/// What is shown of a secret.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SecretView {
    /// Its last characters (never more than a quarter of it).
    pub fingerprint: String,
    /// When it was stored (ms since the epoch); absent for the environment's and the file's.
    pub set_at: Option<i64>,
}

/// Where the connection's platforms send their webhooks.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct WebhookPaths {
    pub leaflink: String,
    pub flourish: String,
}

/// A connection as the API and the CLI show it: never a secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConnectionView {
    pub name: String,
    pub origin: Origin,
    /// True for the environment's and the file's connections.
    pub read_only: bool,
    /// The stored settings (configuration-file keys), secrets excluded.
    pub settings: Map<String, Value>,
    /// Fingerprints of the secrets that are set, by setting.
    pub secrets: BTreeMap<String, SecretView>,
    /// Both platforms' API keys are set: its jobs are processed and its pollers run.
    pub platforms_configured: bool,
    pub webhooks: WebhookPaths,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
}

/// Every connection: the declared ones first, then the stored ones, by name.
pub async fn list(db: &Db, declared: &[Declared]) -> Result<Vec<ConnectionView>, ManageError> {
    let mut views: Vec<ConnectionView> = declared.iter().map(declared_view).collect();
    for row in store::list(&db.pool).await? {
        if !views.iter().any(|v| v.name == row.name) {
            views.push(stored_view(db, &row).await?);
        }
    }
    Ok(views)
}

/// One connection.
pub async fn show(
    db: &Db,
    declared: &[Declared],
    name: &str,
) -> Result<ConnectionView, ManageError> {
    if let Some(found) = declared.iter().find(|d| d.settings.name == name) {
        return Ok(declared_view(found));
    }
    let row = store::get(&db.pool, name)
        .await?
        .ok_or_else(|| ManageError::NotFound(name.to_owned()))?;
    stored_view(db, &row).await
}

/// Stores a new connection after validating it as a `[connections.<name>]` table would be.
pub async fn add(
    db: &Db,
    vault: Option<&Vault>,
    declared: &[Declared],
    new: NewConnection,
) -> Result<ConnectionView, ManageError> {
    read_only(declared, &new.name)?;
    check_split(&new.settings, new.secrets.keys())?;
    if !new.secrets.is_empty() && vault.is_none() {
        return Err(VaultError::NoKey.into());
    }
    let mut all = new.settings.clone();
    for (setting, secret) in &new.secrets {
        all.insert(setting.clone(), Value::String(secret.expose().to_owned()));
    }
    connection_from_json(&new.name, &all)?;
    let settings = Value::Object(new.settings).to_string();
    if !store::insert(&db.pool, &new.name, &settings, now_ms()).await? {
        return Err(ManageError::Exists(new.name));
    }
    for (setting, secret) in &new.secrets {
        if let Err(error) = secrets::store_secret(db, vault, &new.name, setting, secret).await {
            store::remove(&db.pool, &new.name).await?;
            return Err(error.into());
        }
    }
    show(db, declared, &new.name).await
}

/// Changes a stored connection: the result is validated whole before anything is written.
pub async fn update(
    db: &Db,
    vault: Option<&Vault>,
    declared: &[Declared],
    name: &str,
    patch: ConnectionPatch,
) -> Result<ConnectionView, ManageError> {
    read_only(declared, name)?;
    let row = store::get(&db.pool, name)
        .await?
        .ok_or_else(|| ManageError::NotFound(name.to_owned()))?;
    check_split(&patch.settings, patch.secrets.keys())?;
    let writes_secret = patch.secrets.values().any(Option::is_some);
    if writes_secret && vault.is_none() {
        return Err(VaultError::NoKey.into());
    }
    let mut settings = stored_settings(&row)?;
    for (key, value) in patch.settings {
        match value {
            Value::Null => settings.remove(&key),
            value => settings.insert(key, value),
        };
    }
    let mut all = settings.clone();
    for (setting, secret) in secrets::open_secrets(db, vault, name).await? {
        all.insert(setting, Value::String(secret.expose().to_owned()));
    }
    for (setting, secret) in &patch.secrets {
        match secret {
            Some(secret) => all.insert(setting.clone(), secret.expose().into()),
            None => all.remove(setting),
        };
    }
    connection_from_json(name, &all)?;
    for (setting, secret) in &patch.secrets {
        match secret {
            Some(secret) => secrets::store_secret(db, vault, name, setting, secret).await?,
            None => {
                store::delete_secret(&db.pool, name, setting).await?;
            }
        }
    }
    // Written last: its new `updated_at` tells every instance to restart the connection.
    let text = Value::Object(settings).to_string();
    store::update(&db.pool, name, &text, now_ms()).await?;
    show(db, declared, name).await
}

/// Removes a stored connection and its secrets; its events, jobs and links stay.
pub async fn remove(db: &Db, declared: &[Declared], name: &str) -> Result<(), ManageError> {
    read_only(declared, name)?;
    if store::remove(&db.pool, name).await? {
        Ok(())
    } else {
        Err(ManageError::NotFound(name.to_owned()))
    }
}

/// The validated settings of a stored connection, its secrets opened with `vault`.
pub async fn settings_of(
    db: &Db,
    vault: Option<&Vault>,
    row: &StoredConnection,
) -> Result<ConnectionSettings, ManageError> {
    let mut all = stored_settings(row)?;
    for (setting, secret) in secrets::open_secrets(db, vault, &row.name).await? {
        all.insert(setting, Value::String(secret.expose().to_owned()));
    }
    Ok(connection_from_json(&row.name, &all)?)
}

fn stored_settings(row: &StoredConnection) -> Result<Map<String, Value>, ManageError> {
    match serde_json::from_str(&row.settings) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ManageError::Invalid(format!(
            "the stored settings of connection {} are not a JSON object",
            row.name
        ))),
    }
}

fn read_only(declared: &[Declared], name: &str) -> Result<(), ManageError> {
    match declared.iter().find(|d| d.settings.name == name) {
        Some(found) => Err(ManageError::ReadOnly(
            name.to_owned(),
            match found.origin {
                Origin::Environment => "environment",
                _ => "configuration file",
            },
        )),
        None => Ok(()),
    }
}

/// Secrets go under `secrets`, everything else under `settings`.
fn check_split<'a>(
    settings: &Map<String, Value>,
    secrets: impl Iterator<Item = &'a String>,
) -> Result<(), ManageError> {
    if let Some(secret) = settings
        .keys()
        .find(|k| SECRET_SETTINGS.contains(&k.as_str()))
    {
        return Err(ManageError::Invalid(format!(
            "settings.{secret}: is a secret; send it under `secrets`"
        )));
    }
    for setting in secrets {
        if !SECRET_SETTINGS.contains(&setting.as_str()) {
            return Err(ManageError::Invalid(format!(
                "secrets.{setting}: is not a secret setting (one of {})",
                SECRET_SETTINGS.join(", ")
            )));
        }
    }
    Ok(())
}

fn webhooks(name: &str) -> WebhookPaths {
    WebhookPaths {
        leaflink: format!("/webhooks/leaflink/{name}"),
        flourish: format!("/webhooks/flourish/{name}"),
    }
}

fn keys_view(keys: &[Secret]) -> Option<SecretView> {
    (!keys.is_empty()).then(|| SecretView {
        fingerprint: keys.iter().map(fingerprint).collect::<Vec<_>>().join(","),
        set_at: None,
    })
}

fn declared_view(declared: &Declared) -> ConnectionView {
    let c = &declared.settings;
    let mut secrets = BTreeMap::new();
    let mut settings = Map::new();
    let key_view = |secret: &Secret| SecretView {
        fingerprint: fingerprint(secret),
        set_at: None,
    };
    if let Some(leaflink) = &c.leaflink {
        secrets.insert("leaflink_api_key".into(), key_view(&leaflink.api_key));
        settings.insert("leaflink_base_url".into(), leaflink.base_url.clone().into());
    }
    if let Some(flourish) = &c.flourish {
        secrets.insert("flourish_api_key".into(), key_view(&flourish.api_key));
        settings.insert("flourish_base_url".into(), flourish.base_url.clone().into());
    }
    if let Some(view) = keys_view(&c.leaflink_webhook_keys) {
        secrets.insert("leaflink_webhook_key".into(), view);
    }
    if let Some(view) = keys_view(&c.flourish_webhook_keys) {
        secrets.insert("flourish_webhook_key".into(), view);
    }
    ConnectionView {
        name: c.name.clone(),
        origin: declared.origin,
        read_only: true,
        settings,
        secrets,
        platforms_configured: c.leaflink.is_some() && c.flourish.is_some(),
        webhooks: if declared.origin == Origin::Environment {
            WebhookPaths {
                leaflink: "/webhooks/leaflink".into(),
                flourish: "/webhooks/flourish".into(),
            }
        } else {
            webhooks(&c.name)
        },
        created_at: None,
        updated_at: None,
    }
}

async fn stored_view(db: &Db, row: &StoredConnection) -> Result<ConnectionView, ManageError> {
    let secrets: BTreeMap<String, SecretView> = store::secrets(&db.pool, Some(&row.name))
        .await?
        .into_iter()
        .map(|s| {
            let view = SecretView {
                fingerprint: s.fingerprint,
                set_at: Some(s.set_at_ms),
            };
            (s.setting, view)
        })
        .collect();
    let platforms_configured =
        secrets.contains_key("leaflink_api_key") && secrets.contains_key("flourish_api_key");
    Ok(ConnectionView {
        name: row.name.clone(),
        origin: Origin::Stored,
        read_only: false,
        settings: stored_settings(row)?,
        secrets,
        platforms_configured,
        webhooks: webhooks(&row.name),
        created_at: Some(row.created_at_ms),
        updated_at: Some(row.updated_at_ms),
    })
}
