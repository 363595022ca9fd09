//! `ConnectionSettings`: everything that describes one LeafLink company ↔ Flourish account
//! pairing; the environment fills the `default` one, each `[connections.<name>]` another.

use super::layers::ConnectionLayer;
use super::{ConfigError, Purpose, Secret, SyncSettings, invalid};
use crate::flourish::FlourishConfig;
use crate::leaflink::LeafLinkConfig;
use crate::leaflink::client::AuthScheme;
use crate::remote::TransportConfig;

/// One pairing: its name, both platforms' API access, webhook keys and sync settings.
#[derive(Clone, Debug)]
pub struct ConnectionSettings {
    /// The name every stored row of this pairing carries (`default` unless configured).
    pub name: String,
    /// LeafLink API access; `None` until an API key is set.
    pub leaflink: Option<LeafLinkConfig>,
    /// Flourish API access; `None` until an API key is set.
    pub flourish: Option<FlourishConfig>,
    /// Any of these verifies a LeafLink webhook (several during a key rotation).
    pub leaflink_webhook_keys: Vec<Secret>,
    pub flourish_webhook_keys: Vec<Secret>,
    pub sync: SyncSettings,
}

/// A connection name: 1–64 of lower-case letters, digits, `-` and `_` (it appears in paths).
pub fn check_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "connection name {name:?} must be 1-64 lower-case letters, digits, - or _"
        ))
    }
}

impl ConnectionLayer {
    /// Checks the values and fills the defaults; `setting` names a key in messages.
    pub(super) fn validate(
        self,
        name: String,
        purpose: Purpose,
        setting: &dyn Fn(&str) -> String,
    ) -> Result<ConnectionSettings, ConfigError> {
        let ll = self.leaflink;
        let fl = self.flourish;
        let leaflink_webhook_keys = keys(
            purpose,
            &setting("leaflink_webhook_key"),
            ll.leaflink_webhook_key,
        )?;
        let flourish_webhook_keys = keys(
            purpose,
            &setting("flourish_webhook_key"),
            fl.flourish_webhook_key,
        )?;
        let leaflink = match api_key(&setting("leaflink_api_key"), ll.leaflink_api_key)? {
            None => None,
            Some(api_key) => {
                let base_url = base_url(
                    &setting("leaflink_base_url"),
                    ll.leaflink_base_url,
                    crate::leaflink::DEFAULT_BASE_URL,
                )?;
                let auth_scheme = match ll.leaflink_auth_scheme.as_deref().map(str::trim) {
                    None | Some("App") | Some("app") => AuthScheme::App,
                    Some("Token") | Some("token") => AuthScheme::Token,
                    Some(other) => {
                        return Err(invalid(
                            &setting("leaflink_auth_scheme"),
                            format!("{other:?} is not App or Token"),
                        ));
                    }
                };
                let mut transport = TransportConfig::leaflink_default();
                transport.requests_per_minute = per_unit(ll.leaflink_requests_per_minute, 300);
                Some(LeafLinkConfig {
                    base_url,
                    api_key,
                    auth_scheme,
                    transport,
                })
            }
        };
        let flourish = match api_key(&setting("flourish_api_key"), fl.flourish_api_key)? {
            None => None,
            Some(api_key) => {
                let base_url = base_url(
                    &setting("flourish_base_url"),
                    fl.flourish_base_url,
                    crate::flourish::client::DEFAULT_BASE_URL,
                )?;
                let mut transport = TransportConfig::flourish_default();
                let per_second = per_unit(fl.flourish_requests_per_second, 10);
                transport.requests_per_minute = per_second * 60;
                transport.burst = per_second;
                Some(FlourishConfig {
                    base_url,
                    api_key,
                    transport,
                })
            }
        };
        Ok(ConnectionSettings {
            name,
            leaflink,
            flourish,
            leaflink_webhook_keys,
            flourish_webhook_keys,
            sync: self.sync.validate(setting)?,
        })
    }
}

/// A rate (at least 1) with its default.
fn per_unit(value: Option<u64>, default: u32) -> u32 {
    value.map_or(default, |v| u32::try_from(v.max(1)).unwrap_or(u32::MAX))
}

fn api_key(setting: &str, key: Option<Secret>) -> Result<Option<Secret>, ConfigError> {
    match key {
        None => Ok(None),
        Some(key) if key.expose().trim().is_empty() => Err(invalid(setting, "is empty")),
        Some(key) => Ok(Some(key.trimmed())),
    }
}

pub(super) fn base_url(
    setting: &str,
    value: Option<String>,
    default: &str,
) -> Result<String, ConfigError> {
    let url = value.unwrap_or_else(|| default.to_owned());
    let parsed = url::Url::parse(&url).map_err(|e| invalid(setting, format!("not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(setting, "must be an http or https URL"));
    }
    Ok(url)
}

/// Splits a comma-separated list of keys; an empty list or an empty key is an error.
pub(super) fn keys(
    purpose: Purpose,
    setting: &str,
    value: Option<Secret>,
) -> Result<Vec<Secret>, ConfigError> {
    let value = match value {
        Some(value) => value,
        None if purpose == Purpose::Inspect => return Ok(Vec::new()),
        None => return Err(invalid(setting, "is not set")),
    };
    let keys: Vec<Secret> = value
        .expose()
        .split(',')
        .map(|k| Secret::new(k.trim()))
        .collect();
    if keys.iter().any(|k| k.expose().is_empty()) {
        return Err(invalid(setting, "contains an empty key"));
    }
    Ok(keys)
}
