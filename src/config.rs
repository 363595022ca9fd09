//! Typed configuration: an optional TOML file overlaid by `LEAFBRIDGE_*` environment variables,
//! validated once at start. Secrets are wrapped so that `Debug` and logs never show them.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::flourish::FlourishConfig;
use crate::leaflink::LeafLinkConfig;
use crate::leaflink::client::AuthScheme;
use crate::matcher::StrainMatching;
use crate::remote::TransportConfig;

/// A secret string; `Debug` and `Display` print `[redacted]`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl AsRef<[u8]> for Secret {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

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
    /// Any of these verifies a LeafLink webhook (several during a key rotation).
    pub leaflink_webhook_keys: Vec<Secret>,
    pub flourish_webhook_keys: Vec<Secret>,
    pub admin_token: Secret,
    /// The connection every stored row belongs to (one LeafLink company + one Flourish account).
    pub connection: String,
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
    /// Key that seals secrets stored in the database (`LEAFBRIDGE_SECRET_KEY`); `None`: no
    /// secret can be stored.
    pub secret_key: Option<Secret>,
    /// At most one notification digest per connection per this period
    /// (`LEAFBRIDGE_NOTIFY_PERIOD_SECONDS`, 900 by default).
    pub notify_period: Duration,
    /// LeafLink API access; `None` until `LEAFBRIDGE_LEAFLINK_API_KEY` is set.
    pub leaflink: Option<LeafLinkConfig>,
    /// Flourish API access; `None` until `LEAFBRIDGE_FLOURISH_API_KEY` is set.
    pub flourish: Option<FlourishConfig>,
    pub sync: SyncSettings,
}

/// How orders choose their Flourish facility.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoutingSetting {
    /// The default facility of the Flourish rep with the order rep's email.
    SalesRep,
    /// Every order goes to this facility.
    Facility(String),
}

/// The rules' settings: routing, category map, strain matching, feeding facilities, pollers.
#[derive(Clone, Debug)]
pub struct SyncSettings {
    pub routing: RoutingSetting,
    /// Flourish custom category → LeafLink category name.
    pub category_map: Vec<(String, String)>,
    pub strain_matching: StrainMatching,
    /// Facilities whose stock feeds LeafLink quantities; `None`: all.
    pub feeding_facilities: Option<Vec<String>>,
    /// `external_ids` key under which Flourish's order id is written back to LeafLink.
    pub external_id_key: Option<String>,
    /// Whether LeafLink customer data may overwrite an existing Flourish destination.
    pub overwrite_destinations: bool,
    /// Poll intervals; zero turns a poller off.
    pub poll_orders: Duration,
    pub poll_customers: Duration,
    pub poll_items: Duration,
    pub poll_inventory: Duration,
    /// The LeafLink license (number or id) new products are listed under; `None`: the company's
    /// only license.
    pub leaflink_license: Option<String>,
    /// Flourish custom category (or LeafLink category) → LeafLink sub-category name or id.
    pub subcategory_map: Vec<(String, String)>,
    /// `external_ids` key (issued by LeafLink) under which a product carries its Flourish item
    /// id; `None`: no external id is written.
    pub product_external_id_key: Option<String>,
    /// Whether Flourish is the source of truth for LeafLink stock levels.
    pub manage_stock: bool,
    /// The product fields Flourish is the source of truth for.
    pub product_fields: ProductFields,
    /// How long reference data (brands, strains, facilities…) and per-pass snapshots read from
    /// the platforms are shared between jobs before they are read again.
    pub reference_ttl: Duration,
}

/// The LeafLink product fields leafbridge writes on update (`LEAFBRIDGE_PRODUCT_FIELDS`); a
/// field left out is never written nor reported as out of step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProductFields {
    pub name: bool,
    pub description: bool,
    pub brand: bool,
    pub product_line: bool,
    pub category: bool,
    pub strains: bool,
}

impl ProductFields {
    /// Every field (the default).
    pub const ALL: Self = Self {
        name: true,
        description: true,
        brand: true,
        product_line: true,
        category: true,
        strains: true,
    };
    /// No field: Flourish is not the source of truth for product information.
    pub const NONE: Self = Self {
        name: false,
        description: false,
        brand: false,
        product_line: false,
        category: false,
        strains: false,
    };

    /// Parses `all`, `none` or a comma list of `name, description, brand, product_line,
    /// category, strains`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "all" => return Ok(Self::ALL),
            "none" => return Ok(Self::NONE),
            _ => {}
        }
        let mut fields = Self::NONE;
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let slot = match name {
                "name" => &mut fields.name,
                "description" => &mut fields.description,
                "brand" => &mut fields.brand,
                "product_line" => &mut fields.product_line,
                "category" => &mut fields.category,
                "strains" => &mut fields.strains,
                other => {
                    return Err(format!(
                        "{other:?} is not one of name, description, brand, product_line, \
                         category, strains (or all, none)"
                    ));
                }
            };
            *slot = true;
        }
        Ok(fields)
    }
}

impl Default for ProductFields {
    fn default() -> Self {
        Self::ALL
    }
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            routing: RoutingSetting::SalesRep,
            category_map: Vec::new(),
            strain_matching: StrainMatching::CaseInsensitive,
            feeding_facilities: None,
            external_id_key: None,
            overwrite_destinations: false,
            poll_orders: Duration::from_secs(300),
            poll_customers: Duration::from_secs(900),
            poll_items: Duration::from_secs(900),
            poll_inventory: Duration::from_secs(300),
            leaflink_license: None,
            subcategory_map: Vec::new(),
            product_external_id_key: None,
            manage_stock: true,
            product_fields: ProductFields::ALL,
            reference_ttl: Duration::from_secs(60),
        }
    }
}

/// The file form: every field optional; environment variables override it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    listen: Option<String>,
    leaflink_webhook_key: Option<Secret>,
    flourish_webhook_key: Option<Secret>,
    admin_token: Option<Secret>,
    connection: Option<String>,
    body_limit_bytes: Option<usize>,
    dedupe_retention_days: Option<u64>,
    retention_days: Option<u64>,
    workers: Option<usize>,
    lease_seconds: Option<u64>,
    retry_schedule_seconds: Option<Vec<u64>>,
    max_retry_after_seconds: Option<u64>,
    shutdown_grace_seconds: Option<u64>,
    log_json: Option<bool>,
    secret_key: Option<Secret>,
    notify_period_seconds: Option<u64>,
    leaflink_base_url: Option<String>,
    leaflink_api_key: Option<Secret>,
    leaflink_auth_scheme: Option<String>,
    leaflink_requests_per_minute: Option<u32>,
    flourish_base_url: Option<String>,
    flourish_api_key: Option<Secret>,
    flourish_requests_per_second: Option<u32>,
    routing: Option<String>,
    category_map: Option<std::collections::BTreeMap<String, String>>,
    strain_matching: Option<String>,
    feeding_facilities: Option<Vec<String>>,
    external_id_key: Option<String>,
    overwrite_destinations: Option<bool>,
    poll_orders_seconds: Option<u64>,
    poll_customers_seconds: Option<u64>,
    poll_items_seconds: Option<u64>,
    poll_inventory_seconds: Option<u64>,
    leaflink_license: Option<String>,
    subcategory_map: Option<std::collections::BTreeMap<String, String>>,
    product_external_id_key: Option<String>,
    manage_stock: Option<bool>,
    product_fields: Option<String>,
    reference_ttl_seconds: Option<u64>,
}

/// Default retry delays: ten retries spread over a little more than three days.
pub const DEFAULT_RETRY_SCHEDULE: [u64; 10] = [
    10, 60, 300, 1_800, 3_600, 7_200, 14_400, 43_200, 86_400, 108_000,
];

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
        let file = match file {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let get = |name: &str| env.get(name).cloned();
        let database_url = get("LEAFBRIDGE_DATABASE_URL")
            .or(file.database_url.clone())
            .unwrap_or_else(|| "sqlite://leafbridge.db".to_owned());
        validate_database_url(&database_url)?;
        let listen_text = get("LEAFBRIDGE_LISTEN")
            .or(file.listen.clone())
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let listen = listen_text.parse().map_err(|_| {
            invalid(
                "LEAFBRIDGE_LISTEN",
                format!("{listen_text:?} is not a host:port address"),
            )
        })?;
        let leaflink_webhook_keys = keys(
            purpose,
            "LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY",
            get("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY")
                .map(Secret)
                .or(file.leaflink_webhook_key.clone()),
        )?;
        let flourish_webhook_keys = keys(
            purpose,
            "LEAFBRIDGE_FLOURISH_WEBHOOK_KEY",
            get("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY")
                .map(Secret)
                .or(file.flourish_webhook_key.clone()),
        )?;
        let admin_token = match get("LEAFBRIDGE_ADMIN_TOKEN")
            .map(Secret)
            .or(file.admin_token.clone())
        {
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
        let number =
            |name: &str, from_file: Option<u64>, default: u64| -> Result<u64, ConfigError> {
                match get(name) {
                    Some(text) => text
                        .trim()
                        .parse()
                        .map_err(|_| invalid(name, format!("{text:?} is not a whole number"))),
                    None => Ok(from_file.unwrap_or(default)),
                }
            };
        let workers = number("LEAFBRIDGE_WORKERS", file.workers.map(|w| w as u64), 4)? as usize;
        if workers == 0 {
            return Err(invalid("LEAFBRIDGE_WORKERS", "must be at least 1"));
        }
        let retry_schedule = match get("LEAFBRIDGE_RETRY_SCHEDULE_SECONDS") {
            Some(text) => parse_schedule(&text)?,
            None => file
                .retry_schedule_seconds
                .clone()
                .unwrap_or_else(|| DEFAULT_RETRY_SCHEDULE.to_vec()),
        };
        let retention_days = number(
            "LEAFBRIDGE_DEDUPE_RETENTION_DAYS",
            file.dedupe_retention_days,
            8,
        )?;
        if retention_days < 8 {
            return Err(invalid(
                "LEAFBRIDGE_DEDUPE_RETENTION_DAYS",
                "must be at least 8 days",
            ));
        }
        let leaflink = leaflink_config(&get, &file, &number)?;
        let flourish = flourish_config(&get, &file, &number)?;
        let sync = sync_settings(&get, &file, &number)?;
        Ok(Self {
            leaflink,
            flourish,
            sync,
            database_url,
            listen,
            leaflink_webhook_keys,
            flourish_webhook_keys,
            admin_token,
            connection: get("LEAFBRIDGE_CONNECTION")
                .or(file.connection)
                .unwrap_or_else(|| "default".to_owned()),
            body_limit_bytes: number(
                "LEAFBRIDGE_BODY_LIMIT_BYTES",
                file.body_limit_bytes.map(|b| b as u64),
                1024 * 1024,
            )? as usize,
            dedupe_retention: Duration::from_secs(retention_days * 86_400),
            retention: Duration::from_secs(
                match number("LEAFBRIDGE_RETENTION_DAYS", file.retention_days, 30)? {
                    0 => {
                        return Err(invalid(
                            "LEAFBRIDGE_RETENTION_DAYS",
                            "must be at least 1 day",
                        ));
                    }
                    days => days * 86_400,
                },
            ),
            workers,
            lease: Duration::from_secs(
                number("LEAFBRIDGE_LEASE_SECONDS", file.lease_seconds, 60)?.max(1),
            ),
            retry_schedule: retry_schedule
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            max_retry_after: Duration::from_secs(number(
                "LEAFBRIDGE_MAX_RETRY_AFTER_SECONDS",
                file.max_retry_after_seconds,
                3_600,
            )?),
            shutdown_grace: Duration::from_secs(number(
                "LEAFBRIDGE_SHUTDOWN_GRACE_SECONDS",
                file.shutdown_grace_seconds,
                20,
            )?),
            log_json: get("LEAFBRIDGE_LOG_JSON")
                .map(|v| v == "1" || v == "true")
                .or(file.log_json)
                .unwrap_or(false),
            secret_key: get("LEAFBRIDGE_SECRET_KEY")
                .map(Secret::new)
                .or(file.secret_key)
                .filter(|key| !key.expose().trim().is_empty()),
            notify_period: Duration::from_secs(
                match number(
                    "LEAFBRIDGE_NOTIFY_PERIOD_SECONDS",
                    file.notify_period_seconds,
                    900,
                )? {
                    0 => {
                        return Err(invalid(
                            "LEAFBRIDGE_NOTIFY_PERIOD_SECONDS",
                            "must be at least 1 second",
                        ));
                    }
                    seconds => seconds,
                },
            ),
        })
    }

    /// Only the database URL (for `migrate`, which needs nothing else).
    pub fn load_database_url(file: Option<&Path>) -> Result<String, ConfigError> {
        let file = match file {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let url = std::env::var("LEAFBRIDGE_DATABASE_URL")
            .ok()
            .or(file.database_url)
            .unwrap_or_else(|| "sqlite://leafbridge.db".to_owned());
        validate_database_url(&url)?;
        Ok(url)
    }

    /// True when the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }
}

type Getter<'a> = dyn Fn(&str) -> Option<String> + 'a;
type Number<'a> = dyn Fn(&str, Option<u64>, u64) -> Result<u64, ConfigError> + 'a;

fn leaflink_config(
    get: &Getter,
    file: &FileConfig,
    number: &Number,
) -> Result<Option<LeafLinkConfig>, ConfigError> {
    let key = get("LEAFBRIDGE_LEAFLINK_API_KEY")
        .map(Secret)
        .or_else(|| file.leaflink_api_key.clone());
    let Some(key) = key else { return Ok(None) };
    if key.expose().trim().is_empty() {
        return Err(invalid("LEAFBRIDGE_LEAFLINK_API_KEY", "is empty"));
    }
    let base_url = base_url(
        "LEAFBRIDGE_LEAFLINK_BASE_URL",
        get("LEAFBRIDGE_LEAFLINK_BASE_URL").or_else(|| file.leaflink_base_url.clone()),
        crate::leaflink::DEFAULT_BASE_URL,
    )?;
    let scheme =
        get("LEAFBRIDGE_LEAFLINK_AUTH_SCHEME").or_else(|| file.leaflink_auth_scheme.clone());
    let auth_scheme = match scheme.as_deref().map(str::trim) {
        None | Some("App") | Some("app") => AuthScheme::App,
        Some("Token") | Some("token") => AuthScheme::Token,
        Some(other) => {
            return Err(invalid(
                "LEAFBRIDGE_LEAFLINK_AUTH_SCHEME",
                format!("{other:?} is not App or Token"),
            ));
        }
    };
    let mut transport = TransportConfig::leaflink_default();
    let per_minute = file.leaflink_requests_per_minute.map(u64::from);
    transport.requests_per_minute =
        number("LEAFBRIDGE_LEAFLINK_REQUESTS_PER_MINUTE", per_minute, 300)?.max(1) as u32;
    Ok(Some(LeafLinkConfig {
        base_url,
        api_key: key.expose().trim().to_owned(),
        auth_scheme,
        transport,
    }))
}

fn flourish_config(
    get: &Getter,
    file: &FileConfig,
    number: &Number,
) -> Result<Option<FlourishConfig>, ConfigError> {
    let key = get("LEAFBRIDGE_FLOURISH_API_KEY")
        .map(Secret)
        .or_else(|| file.flourish_api_key.clone());
    let Some(key) = key else { return Ok(None) };
    if key.expose().trim().is_empty() {
        return Err(invalid("LEAFBRIDGE_FLOURISH_API_KEY", "is empty"));
    }
    let base_url = base_url(
        "LEAFBRIDGE_FLOURISH_BASE_URL",
        get("LEAFBRIDGE_FLOURISH_BASE_URL").or_else(|| file.flourish_base_url.clone()),
        crate::flourish::client::DEFAULT_BASE_URL,
    )?;
    let mut transport = TransportConfig::flourish_default();
    let per_second = file.flourish_requests_per_second.map(u64::from);
    let per_second =
        number("LEAFBRIDGE_FLOURISH_REQUESTS_PER_SECOND", per_second, 10)?.max(1) as u32;
    transport.requests_per_minute = per_second * 60;
    transport.burst = per_second;
    Ok(Some(FlourishConfig {
        base_url,
        api_key: key.expose().trim().to_owned(),
        transport,
    }))
}

fn base_url(setting: &str, value: Option<String>, default: &str) -> Result<String, ConfigError> {
    let url = value.unwrap_or_else(|| default.to_owned());
    let parsed = url::Url::parse(&url).map_err(|e| invalid(setting, format!("not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(setting, "must be an http or https URL"));
    }
    Ok(url)
}

fn sync_settings(
    get: &Getter,
    file: &FileConfig,
    number: &Number,
) -> Result<SyncSettings, ConfigError> {
    let defaults = SyncSettings::default();
    let routing = match get("LEAFBRIDGE_ROUTING").or_else(|| file.routing.clone()) {
        None => RoutingSetting::SalesRep,
        Some(text) => match text.trim() {
            "sales_rep" => RoutingSetting::SalesRep,
            other => match other.strip_prefix("facility:") {
                Some(id) if !id.trim().is_empty() => RoutingSetting::Facility(id.trim().to_owned()),
                _ => {
                    return Err(invalid(
                        "LEAFBRIDGE_ROUTING",
                        "must be sales_rep or facility:<facility id>",
                    ));
                }
            },
        },
    };
    let category_map = match get("LEAFBRIDGE_CATEGORY_MAP") {
        Some(text) => parse_pairs(&text)?,
        None => file
            .category_map
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
    };
    let strain_matching = match get("LEAFBRIDGE_STRAIN_MATCHING")
        .or_else(|| file.strain_matching.clone())
        .as_deref()
    {
        None | Some("case_insensitive") => StrainMatching::CaseInsensitive,
        Some("exact") => StrainMatching::Exact,
        Some(other) => {
            return Err(invalid(
                "LEAFBRIDGE_STRAIN_MATCHING",
                format!("{other:?} is not case_insensitive or exact"),
            ));
        }
    };
    let feeding_facilities = get("LEAFBRIDGE_FEEDING_FACILITIES")
        .map(|text| {
            text.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .or_else(|| file.feeding_facilities.clone())
        .filter(|list: &Vec<String>| !list.is_empty());
    let seconds = |name: &str, from_file: Option<u64>, default: Duration| {
        number(name, from_file, default.as_secs()).map(Duration::from_secs)
    };
    Ok(SyncSettings {
        routing,
        category_map,
        strain_matching,
        feeding_facilities,
        external_id_key: get("LEAFBRIDGE_EXTERNAL_ID_KEY")
            .or_else(|| file.external_id_key.clone())
            .filter(|k| !k.trim().is_empty()),
        overwrite_destinations: get("LEAFBRIDGE_OVERWRITE_DESTINATIONS")
            .map(|v| v == "true" || v == "1")
            .or(file.overwrite_destinations)
            .unwrap_or(false),
        poll_orders: seconds(
            "LEAFBRIDGE_POLL_ORDERS_SECONDS",
            file.poll_orders_seconds,
            defaults.poll_orders,
        )?,
        poll_customers: seconds(
            "LEAFBRIDGE_POLL_CUSTOMERS_SECONDS",
            file.poll_customers_seconds,
            defaults.poll_customers,
        )?,
        poll_items: seconds(
            "LEAFBRIDGE_POLL_ITEMS_SECONDS",
            file.poll_items_seconds,
            defaults.poll_items,
        )?,
        poll_inventory: seconds(
            "LEAFBRIDGE_POLL_INVENTORY_SECONDS",
            file.poll_inventory_seconds,
            defaults.poll_inventory,
        )?,
        leaflink_license: get("LEAFBRIDGE_LEAFLINK_LICENSE")
            .or_else(|| file.leaflink_license.clone())
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty()),
        subcategory_map: match get("LEAFBRIDGE_SUBCATEGORY_MAP") {
            Some(text) => parse_pairs_of("LEAFBRIDGE_SUBCATEGORY_MAP", &text)?,
            None => file
                .subcategory_map
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect(),
        },
        product_external_id_key: get("LEAFBRIDGE_PRODUCT_EXTERNAL_ID_KEY")
            .or_else(|| file.product_external_id_key.clone())
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty()),
        manage_stock: match get("LEAFBRIDGE_MANAGE_STOCK") {
            Some(text) => match text.trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                other => {
                    return Err(invalid(
                        "LEAFBRIDGE_MANAGE_STOCK",
                        format!("{other:?} is not true or false"),
                    ));
                }
            },
            None => file.manage_stock.unwrap_or(true),
        },
        product_fields: match get("LEAFBRIDGE_PRODUCT_FIELDS")
            .or_else(|| file.product_fields.clone())
        {
            Some(text) => ProductFields::parse(&text)
                .map_err(|why| invalid("LEAFBRIDGE_PRODUCT_FIELDS", why))?,
            None => ProductFields::ALL,
        },
        reference_ttl: seconds(
            "LEAFBRIDGE_REFERENCE_TTL_SECONDS",
            file.reference_ttl_seconds,
            defaults.reference_ttl,
        )?,
    })
}

/// `Gummies=Edible,Pre-Roll=Pre-Rolls` → pairs.
fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, ConfigError> {
    parse_pairs_of("LEAFBRIDGE_CATEGORY_MAP", text)
}

fn parse_pairs_of(setting: &str, text: &str) -> Result<Vec<(String, String)>, ConfigError> {
    text.split(',')
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
                Ok((from.trim().to_owned(), to.trim().to_owned()))
            }
            _ => Err(invalid(setting, format!("{pair:?} is not custom=LeafLink"))),
        })
        .collect()
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid("--config", format!("cannot read {}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| {
        let message = e.message().to_owned();
        invalid("--config", format!("{}: {message}", path.display()))
    })
}

fn validate_database_url(url: &str) -> Result<(), ConfigError> {
    const NAME: &str = "LEAFBRIDGE_DATABASE_URL";
    let parsed = url::Url::parse(url).map_err(|e| invalid(NAME, format!("not a URL ({e})")))?;
    match parsed.scheme() {
        "sqlite" | "postgres" | "postgresql" => Ok(()),
        other => Err(invalid(
            NAME,
            format!("scheme {other:?} is not sqlite or postgres"),
        )),
    }
}

/// Splits a comma-separated list of keys; an empty list or an empty key is an error.
/// What the configuration is loaded for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    Serve,
    Inspect,
}

fn keys(
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

fn parse_schedule(text: &str) -> Result<Vec<u64>, ConfigError> {
    const NAME: &str = "LEAFBRIDGE_RETRY_SCHEDULE_SECONDS";
    let schedule = text
        .split(',')
        .map(|s| s.trim().parse::<u64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| invalid(NAME, "must be a comma-separated list of seconds"))?;
    Ok(schedule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut map: HashMap<String, String> = [
            ("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "ll-key"),
            ("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", "fl-key"),
            ("LEAFBRIDGE_ADMIN_TOKEN", "admin-token-123"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in pairs {
            map.insert(k.to_string(), v.to_string());
        }
        map
    }

    #[test]
    fn defaults_are_a_local_sqlite_file_on_port_8080() {
        let config = Config::from_sources(None, &env(&[])).unwrap();
        assert_eq!(config.database_url, "sqlite://leafbridge.db");
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.connection, "default");
        assert_eq!(config.retry_schedule.len(), 10);
        let total: Duration = config.retry_schedule.iter().sum();
        assert!(total >= Duration::from_secs(3 * 86_400));
    }

    #[test]
    fn several_comma_separated_webhook_keys_are_accepted() {
        let config = Config::from_sources(
            None,
            &env(&[("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "old, new")]),
        )
        .unwrap();
        let keys: Vec<&str> = config
            .leaflink_webhook_keys
            .iter()
            .map(Secret::expose)
            .collect();
        assert_eq!(keys, ["old", "new"]);
    }

    #[test]
    fn an_empty_webhook_key_names_the_setting() {
        let error = Config::from_sources(None, &env(&[("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", "")]))
            .unwrap_err();
        assert_eq!(error.setting, "LEAFBRIDGE_FLOURISH_WEBHOOK_KEY");
        let error =
            Config::from_sources(None, &env(&[("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "a,,b")]))
                .unwrap_err();
        assert_eq!(error.setting, "LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY");
    }

    #[test]
    fn an_unparsable_database_url_names_the_setting() {
        for url in ["not a url", "mysql://x/y"] {
            let error =
                Config::from_sources(None, &env(&[("LEAFBRIDGE_DATABASE_URL", url)])).unwrap_err();
            assert_eq!(error.setting, "LEAFBRIDGE_DATABASE_URL", "{url}");
        }
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let config = Config::from_sources(None, &env(&[])).unwrap();
        let text = format!("{config:?}");
        assert!(
            !text.contains("ll-key")
                && !text.contains("fl-key")
                && !text.contains("admin-token-123")
        );
        assert!(text.contains("[redacted]"));
    }

    #[test]
    fn the_file_is_read_and_the_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("leafbridge.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\nworkers = 7\nconnection = \"brand-a\"\n",
        )
        .unwrap();
        let config = Config::from_sources(
            Some(&path),
            &env(&[("LEAFBRIDGE_LISTEN", "127.0.0.1:9001")]),
        )
        .unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9001");
        assert_eq!(config.workers, 7);
        assert_eq!(config.connection, "brand-a");
        std::fs::write(&path, "unknown_setting = 1\n").unwrap();
        assert_eq!(
            Config::from_sources(Some(&path), &env(&[]))
                .unwrap_err()
                .setting,
            "--config"
        );
    }

    #[test]
    fn listing_and_source_of_truth_settings_parse_and_bad_values_name_the_setting() {
        let config = Config::from_sources(
            None,
            &env(&[
                ("LEAFBRIDGE_LEAFLINK_LICENSE", " C11-1 "),
                ("LEAFBRIDGE_SUBCATEGORY_MAP", "Flower=Indoor"),
                ("LEAFBRIDGE_PRODUCT_EXTERNAL_ID_KEY", "flourish"),
                ("LEAFBRIDGE_MANAGE_STOCK", "false"),
                ("LEAFBRIDGE_PRODUCT_FIELDS", "name, strains"),
            ]),
        )
        .unwrap();
        let sync = &config.sync;
        assert_eq!(sync.leaflink_license.as_deref(), Some("C11-1"));
        assert_eq!(sync.subcategory_map, [("Flower".into(), "Indoor".into())]);
        assert_eq!(sync.product_external_id_key.as_deref(), Some("flourish"));
        assert!(!sync.manage_stock);
        let fields = sync.product_fields;
        assert!(fields.name && fields.strains && !fields.description && !fields.brand);
        let defaults = Config::from_sources(None, &env(&[])).unwrap().sync;
        assert!(defaults.manage_stock && defaults.product_fields == ProductFields::ALL);
        assert!(defaults.product_external_id_key.is_none());
        for (setting, value) in [
            ("LEAFBRIDGE_PRODUCT_FIELDS", "name,price"),
            ("LEAFBRIDGE_MANAGE_STOCK", "maybe"),
            ("LEAFBRIDGE_SUBCATEGORY_MAP", "Flower"),
        ] {
            let error = Config::from_sources(None, &env(&[(setting, value)])).unwrap_err();
            assert_eq!(error.setting, setting);
        }
    }

    #[test]
    fn the_reference_time_to_live_defaults_to_a_minute_and_is_set_in_seconds() {
        let defaults = Config::from_sources(None, &env(&[])).unwrap();
        assert_eq!(defaults.sync.reference_ttl, Duration::from_secs(60));
        let config =
            Config::from_sources(None, &env(&[("LEAFBRIDGE_REFERENCE_TTL_SECONDS", "5")])).unwrap();
        assert_eq!(config.sync.reference_ttl, Duration::from_secs(5));
        let error = Config::from_sources(None, &env(&[("LEAFBRIDGE_REFERENCE_TTL_SECONDS", "x")]))
            .unwrap_err();
        assert_eq!(error.setting, "LEAFBRIDGE_REFERENCE_TTL_SECONDS");
    }
}
