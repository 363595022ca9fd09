//! The layered sources: built-in defaults, then the TOML file, then `LEAFBRIDGE_*` variables,
//! merged by `figment` into one serde struct per concern (process, LeafLink, Flourish, sync).
//! A `[connections.<name>]` table of the file fills the same per-pairing structs again.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use figment::Figment;
use figment::providers::Serialized;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_aux::serde_introspection::serde_introspect;

use super::{ConfigError, Secret, de, invalid};

/// Process settings: shared by every connection.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ProcessLayer {
    #[serde(default, deserialize_with = "de::opt_text")]
    pub database_url: Option<String>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub listen: Option<String>,
    #[serde(default, deserialize_with = "de::secret")]
    pub admin_token: Option<Secret>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub connection: Option<String>,
    #[serde(default, deserialize_with = "de::number")]
    pub body_limit_bytes: Option<u64>,
    #[serde(default, deserialize_with = "de::number")]
    pub dedupe_retention_days: Option<u64>,
    #[serde(default, deserialize_with = "de::number")]
    pub retention_days: Option<u64>,
    #[serde(default, deserialize_with = "de::number")]
    pub notify_period_seconds: Option<u64>,
    #[serde(default, deserialize_with = "de::number")]
    pub workers: Option<u64>,
    #[serde(default, deserialize_with = "de::number")]
    pub lease_seconds: Option<u64>,
    #[serde(default, deserialize_with = "de::seconds_list")]
    pub retry_schedule_seconds: Option<Vec<u64>>,
    #[serde(default, deserialize_with = "de::number")]
    pub max_retry_after_seconds: Option<u64>,
    #[serde(default, deserialize_with = "de::number")]
    pub shutdown_grace_seconds: Option<u64>,
    #[serde(default, deserialize_with = "de::loose_flag")]
    pub log_json: Option<bool>,
    #[serde(default, deserialize_with = "de::secret")]
    pub secret_key: Option<Secret>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub secret_key_file: Option<String>,
    #[serde(default, deserialize_with = "de::secret")]
    pub secret_key_previous: Option<Secret>,
}

/// One LeafLink company: API access and webhook keys.
#[derive(Debug, Default, Deserialize)]
pub(super) struct LeafLinkLayer {
    #[serde(default, deserialize_with = "de::secret")]
    pub leaflink_webhook_key: Option<Secret>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub leaflink_base_url: Option<String>,
    #[serde(default, deserialize_with = "de::secret")]
    pub leaflink_api_key: Option<Secret>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub leaflink_auth_scheme: Option<String>,
    #[serde(default, deserialize_with = "de::number")]
    pub leaflink_requests_per_minute: Option<u64>,
}

/// One Flourish account: API access and webhook signing keys.
#[derive(Debug, Default, Deserialize)]
pub(super) struct FlourishLayer {
    #[serde(default, deserialize_with = "de::secret")]
    pub flourish_webhook_key: Option<Secret>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub flourish_base_url: Option<String>,
    #[serde(default, deserialize_with = "de::secret")]
    pub flourish_api_key: Option<Secret>,
    #[serde(default, deserialize_with = "de::number")]
    pub flourish_requests_per_second: Option<u64>,
}

/// The rules' settings of one pairing.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SyncLayer {
    #[serde(default, deserialize_with = "de::opt_text")]
    pub routing: Option<String>,
    #[serde(default, deserialize_with = "de::pairs")]
    pub category_map: Option<Vec<(String, String)>>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub strain_matching: Option<String>,
    #[serde(default, deserialize_with = "de::list")]
    pub feeding_facilities: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub external_id_key: Option<String>,
    #[serde(default, deserialize_with = "de::loose_flag")]
    pub overwrite_destinations: Option<bool>,
    #[serde(default, deserialize_with = "de::number")]
    pub poll_orders_seconds: Option<u64>,
    #[serde(default, deserialize_with = "de::number")]
    pub poll_customers_seconds: Option<u64>,
    #[serde(default, deserialize_with = "de::number")]
    pub poll_items_seconds: Option<u64>,
    #[serde(default, deserialize_with = "de::number")]
    pub poll_inventory_seconds: Option<u64>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub leaflink_license: Option<String>,
    #[serde(default, deserialize_with = "de::pairs")]
    pub subcategory_map: Option<Vec<(String, String)>>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub product_external_id_key: Option<String>,
    #[serde(default, deserialize_with = "de::flag")]
    pub manage_stock: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub product_fields: Option<String>,
    #[serde(default, deserialize_with = "de::number")]
    pub reference_ttl_seconds: Option<u64>,
    #[serde(default, deserialize_with = "de::opt_text")]
    pub mode: Option<String>,
}

/// Everything that describes one LeafLink ↔ Flourish pairing, before validation.
#[derive(Debug, Default)]
pub(super) struct ConnectionLayer {
    pub leaflink: LeafLinkLayer,
    pub flourish: FlourishLayer,
    pub sync: SyncLayer,
}

/// The file table holding named connections.
const CONNECTIONS: &str = "connections";

pub(super) fn connection_keys() -> BTreeSet<&'static str> {
    let mut keys = BTreeSet::new();
    keys.extend(serde_introspect::<LeafLinkLayer>());
    keys.extend(serde_introspect::<FlourishLayer>());
    keys.extend(serde_introspect::<SyncLayer>());
    keys
}

fn process_keys() -> BTreeSet<&'static str> {
    serde_introspect::<ProcessLayer>().iter().copied().collect()
}

/// How a setting is named in a message: its environment variable for the default connection,
/// `connections.<name>.<key>` for a named one.
pub(super) fn env_name(key: &str) -> String {
    format!("LEAFBRIDGE_{}", key.to_ascii_uppercase())
}

/// The merged sources, ready to extract concerns from.
pub(super) struct Sources {
    figment: Figment,
    /// The file's own layer (no environment), for named connections.
    file: Figment,
    path: Option<String>,
    from_env: BTreeSet<String>,
    pub names: Vec<String>,
}

impl Sources {
    /// Reads the optional file and merges the known `LEAFBRIDGE_*` variables of `env` over it.
    pub fn load(file: Option<&Path>, env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let known_process = process_keys();
        let known_connection = connection_keys();
        let mut file_layer = Figment::new();
        let mut names = Vec::new();
        let mut path_text = None;
        if let Some(path) = file {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| invalid("--config", format!("cannot read {shown}: {e}")))?;
            let table: toml::Table = toml::from_str(&text)
                .map_err(|e| invalid("--config", format!("{shown}: {}", e.message())))?;
            for (key, value) in &table {
                if key == CONNECTIONS {
                    let Some(connections) = value.as_table() else {
                        return Err(invalid(
                            "--config",
                            format!("{shown}: `connections` must be a table of tables"),
                        ));
                    };
                    for (name, section) in connections {
                        super::connection::check_name(name)
                            .map_err(|why| invalid("--config", format!("{shown}: {why}")))?;
                        let Some(section) = section.as_table() else {
                            return Err(invalid(
                                "--config",
                                format!("{shown}: `connections.{name}` must be a table"),
                            ));
                        };
                        if let Some(unknown) = section
                            .keys()
                            .find(|k| !known_connection.contains(k.as_str()))
                        {
                            return Err(invalid(
                                "--config",
                                format!("{shown}: unknown field `connections.{name}.{unknown}`"),
                            ));
                        }
                        names.push(name.clone());
                    }
                } else if !known_process.contains(key.as_str())
                    && !known_connection.contains(key.as_str())
                {
                    return Err(invalid(
                        "--config",
                        format!("{shown}: unknown field `{key}`"),
                    ));
                }
            }
            file_layer = file_layer.merge(Serialized::defaults(table));
            path_text = Some(shown);
        }
        let overrides: HashMap<String, String> = env
            .iter()
            .filter_map(|(name, value)| {
                let key = name.strip_prefix("LEAFBRIDGE_")?.to_ascii_lowercase();
                (known_process.contains(key.as_str()) || known_connection.contains(key.as_str()))
                    .then(|| (key, value.clone()))
            })
            .collect();
        let from_env = overrides.keys().cloned().collect();
        let figment = file_layer.clone().merge(Serialized::defaults(overrides));
        Ok(Self {
            figment,
            file: file_layer,
            path: path_text,
            from_env,
            names,
        })
    }

    pub fn process(&self) -> Result<ProcessLayer, ConfigError> {
        self.extract(&self.figment, None)
    }

    /// The default connection (file top level and environment) or a named one (file only).
    pub fn connection(&self, name: Option<&str>) -> Result<ConnectionLayer, ConfigError> {
        let figment = match name {
            None => self.figment.clone(),
            Some(name) => self.file.clone().focus(&format!("{CONNECTIONS}.{name}")),
        };
        Ok(ConnectionLayer {
            leaflink: self.extract(&figment, name)?,
            flourish: self.extract(&figment, name)?,
            sync: self.extract(&figment, name)?,
        })
    }

    fn extract<T: DeserializeOwned>(
        &self,
        figment: &Figment,
        name: Option<&str>,
    ) -> Result<T, ConfigError> {
        figment.extract().map_err(|error| {
            let key = error.path.last().cloned().unwrap_or_default();
            let problem = match &error.kind {
                figment::error::Kind::Message(message) => message.clone(),
                other => other.to_string(),
            };
            let path = self.path.as_deref().unwrap_or("the configuration file");
            match name {
                None if self.from_env.contains(&key) => invalid(&env_name(&key), problem),
                None => invalid("--config", format!("{path}: {key}: {problem}")),
                Some(name) => invalid(
                    "--config",
                    format!("{path}: {CONNECTIONS}.{name}.{key}: {problem}"),
                ),
            }
        })
    }
}
