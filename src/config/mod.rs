//! Typed configuration: built-in defaults, an optional TOML file and `LEAFBRIDGE_*` environment
//! variables layered by `figment` into one serde struct per concern, then validated once at
//! start. Secrets stay in a redacting wrapper end to end.

mod connection;
mod de;
mod layers;
mod secret;
mod stored;
mod sync;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

pub use connection::{ConnectionSettings, check_name};
pub use secret::Secret;
pub use stored::{connection_from_json, connection_setting_keys};
pub use sync::{ProductFields, RoutingSetting, SyncSettings};

use layers::{ProcessLayer, Sources, env_name};

/// A configuration problem, naming the setting; the CLI prints it on one line and exits 2.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {setting}: {problem}")]
pub struct ConfigError {
    pub setting: String,
    pub problem: String,
}

fn invalid(setting: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.to_owned(),
        problem: problem.into(),
    }
}

/// Everything `serve` needs, validated.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub listen: SocketAddr,
    pub admin_token: Secret,
    /// The connection configured by the environment (and the file's top level).
    pub connection: ConnectionSettings,
    /// The connections declared as `[connections.<name>]` in the file.
    pub connections: Vec<ConnectionSettings>,
    pub body_limit_bytes: usize,
    pub dedupe_retention: Duration,
    /// How long finished events, their jobs and attempts, and resyncs are kept
    /// (`LEAFBRIDGE_RETENTION_DAYS`, 30 by default).
    pub retention: Duration,
    pub workers: usize,
    pub lease: Duration,
    /// Delay before each retry; its length is the number of retries before a job is dead.
    pub retry_schedule: Vec<Duration>,
    /// Longest `Retry-After` honoured for a job; longer requests are clamped to this.
    pub max_retry_after: Duration,
    pub shutdown_grace: Duration,
    pub log_json: bool,
    /// The key secrets stored in the database are encrypted under (`LEAFBRIDGE_SECRET_KEY`, or
    /// the file named by `LEAFBRIDGE_SECRET_KEY_FILE`); `None`: no secret may be stored.
    pub secret_key: Option<Secret>,
    /// The key before a rotation, still accepted for reading (`LEAFBRIDGE_SECRET_KEY_PREVIOUS`).
    pub previous_secret_key: Option<Secret>,
    /// At most one notification digest per connection per this period
    /// (`LEAFBRIDGE_NOTIFY_PERIOD_SECONDS`, 900 by default).
    pub notify_period: Duration,
}

/// Default retry delays: ten retries spread over a little more than three days.
pub const DEFAULT_RETRY_SCHEDULE: [u64; 10] = [
    10, 60, 300, 1_800, 3_600, 7_200, 14_400, 43_200, 86_400, 108_000,
];

/// What the configuration is loaded for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    Serve,
    Inspect,
}

impl Config {
    /// Loads the optional file, then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::from_sources(file, &env)
    }

    /// Loads from a file and an explicit environment map (tests pass their own).
    pub fn from_sources(
        file: Option<&Path>,
        env: &HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        Self::from_sources_for(file, env, Purpose::Serve)
    }

    /// For commands that inspect rather than serve (`preflight`): webhook keys and the admin
    /// token may be missing (preflight reports that), everything present is still validated.
    pub fn load_for_inspection(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::from_sources_for(file, &env, Purpose::Inspect)
    }

    fn from_sources_for(
        file: Option<&Path>,
        env: &HashMap<String, String>,
        purpose: Purpose,
    ) -> Result<Self, ConfigError> {
        let sources = Sources::load(file, env)?;
        let process = sources.process()?;
        let default_name = process
            .connection
            .clone()
            .unwrap_or_else(|| "default".to_owned());
        let mut config = process.validate(purpose, default_name.clone())?;
        config.connection = sources
            .connection(None)?
            .validate(default_name, purpose, &|key| env_name(key))?;
        for name in &sources.names {
            if *name == config.connection.name {
                return Err(invalid(
                    "--config",
                    format!("connection {name:?} is the environment's connection"),
                ));
            }
            let prefix = format!("connections.{name}");
            let settings =
                sources
                    .connection(Some(name))?
                    .validate(name.clone(), purpose, &|key| format!("{prefix}.{key}"))?;
            config.connections.push(settings);
        }
        Ok(config)
    }

    /// Only the database URL (for `migrate`, which needs nothing else).
    pub fn load_database_url(file: Option<&Path>) -> Result<String, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let process = Sources::load(file, &env)?.process()?;
        database_url(process.database_url)
    }
}

fn database_url(url: Option<String>) -> Result<String, ConfigError> {
    const NAME: &str = "LEAFBRIDGE_DATABASE_URL";
    let url = url.unwrap_or_else(|| "sqlite://leafbridge.db".to_owned());
    let parsed = url::Url::parse(&url).map_err(|e| invalid(NAME, format!("not a URL ({e})")))?;
    match parsed.scheme() {
        "sqlite" | "postgres" | "postgresql" => Ok(url),
        other => Err(invalid(
            NAME,
            format!("scheme {other:?} is not sqlite or postgres"),
        )),
    }
}

impl ProcessLayer {
    /// Checks the process settings and fills the defaults; the connection comes after.
    fn validate(self, purpose: Purpose, connection: String) -> Result<Config, ConfigError> {
        let database_url = database_url(self.database_url)?;
        let listen_text = self.listen.unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let listen = listen_text.parse().map_err(|_| {
            invalid(
                "LEAFBRIDGE_LISTEN",
                format!("{listen_text:?} is not a host:port address"),
            )
        })?;
        let admin_token = match self.admin_token {
            Some(token) => token,
            None if purpose == Purpose::Inspect => Secret::default(),
            None => return Err(invalid("LEAFBRIDGE_ADMIN_TOKEN", "is not set")),
        };
        if purpose == Purpose::Serve && admin_token.expose().trim().len() < 8 {
            return Err(invalid(
                "LEAFBRIDGE_ADMIN_TOKEN",
                "must be at least 8 characters",
            ));
        }
        let workers = self.workers.unwrap_or(4);
        if workers == 0 {
            return Err(invalid("LEAFBRIDGE_WORKERS", "must be at least 1"));
        }
        let dedupe_days = self.dedupe_retention_days.unwrap_or(8);
        if dedupe_days < 8 {
            return Err(invalid(
                "LEAFBRIDGE_DEDUPE_RETENTION_DAYS",
                "must be at least 8 days",
            ));
        }
        let retention_days = self.retention_days.unwrap_or(30);
        if retention_days == 0 {
            return Err(invalid(
                "LEAFBRIDGE_RETENTION_DAYS",
                "must be at least 1 day",
            ));
        }
        let notify_period_seconds = self.notify_period_seconds.unwrap_or(900);
        if notify_period_seconds == 0 {
            return Err(invalid(
                "LEAFBRIDGE_NOTIFY_PERIOD_SECONDS",
                "must be at least 1 second",
            ));
        }
        let secret_key = match (self.secret_key, self.secret_key_file) {
            (Some(key), _) => Some(key),
            (None, Some(path)) => Some(Secret::new(std::fs::read_to_string(&path).map_err(
                |e| {
                    invalid(
                        "LEAFBRIDGE_SECRET_KEY_FILE",
                        format!("cannot read {path}: {e}"),
                    )
                },
            )?)),
            (None, None) => None,
        };
        use crate::connections::vault::Vault;
        const BAD_KEY: &str = "must be 32 bytes, base64- or hex-encoded";
        Vault::new(secret_key.as_ref(), None)
            .map_err(|_| invalid("LEAFBRIDGE_SECRET_KEY", BAD_KEY))?;
        if let Some(previous) = &self.secret_key_previous {
            Vault::new(Some(previous), None)
                .map_err(|_| invalid("LEAFBRIDGE_SECRET_KEY_PREVIOUS", BAD_KEY))?;
        }
        let secs = Duration::from_secs;
        Ok(Config {
            database_url,
            listen,
            admin_token,
            connection: ConnectionSettings {
                name: connection,
                leaflink: None,
                flourish: None,
                leaflink_webhook_keys: Vec::new(),
                flourish_webhook_keys: Vec::new(),
                sync: SyncSettings::default(),
            },
            connections: Vec::new(),
            body_limit_bytes: usize::try_from(self.body_limit_bytes.unwrap_or(1024 * 1024))
                .unwrap_or(usize::MAX),
            dedupe_retention: secs(dedupe_days * 86_400),
            retention: secs(retention_days * 86_400),
            workers: usize::try_from(workers).unwrap_or(usize::MAX),
            lease: secs(self.lease_seconds.unwrap_or(60).max(1)),
            retry_schedule: self
                .retry_schedule_seconds
                .unwrap_or_else(|| DEFAULT_RETRY_SCHEDULE.to_vec())
                .into_iter()
                .map(secs)
                .collect(),
            max_retry_after: secs(self.max_retry_after_seconds.unwrap_or(3_600)),
            shutdown_grace: secs(self.shutdown_grace_seconds.unwrap_or(20)),
            log_json: self.log_json.unwrap_or(false),
            secret_key,
            previous_secret_key: self.secret_key_previous,
            notify_period: secs(notify_period_seconds),
        })
    }
}

#[cfg(test)]
mod tests;
