//! Readiness checks before go-live: read both platforms once into a [`Snapshot`], run pure checks
//! over it, and render one [`Report`] (text, JSON or a self-contained HTML page).
//!
//! Checks never write. The only writes preflight can make are the safe fixes in [`fix`], and only
//! when the operator asks for them.

pub mod checks;
pub mod environment;
pub mod finding;
pub mod fix;
pub mod html;
pub mod report;
pub mod snapshot;
pub mod text;

pub use checks::{CheckSettings, run_checks};
pub use finding::{Finding, RecordId, RecordRef, Severity, Side};
pub use report::Report;
pub use snapshot::{FetchError, Progress, Snapshot};

use crate::flourish::FlourishConfig;
use crate::leaflink::client::LeafLinkConfig;

/// Everything preflight needs from the configuration.
#[derive(Debug, Clone)]
pub struct PreflightSettings {
    /// How to reach LeafLink.
    pub leaflink: LeafLinkConfig,
    /// How to reach Flourish.
    pub flourish: FlourishConfig,
    /// The matching settings the checks apply (category map, strains, routing, facilities).
    pub checks: CheckSettings,
    /// Whether the LeafLink webhook signing key is configured.
    pub leaflink_webhook_key: bool,
    /// Whether the Flourish webhook signing key is configured.
    pub flourish_webhook_key: bool,
    /// The database URL, when one is configured.
    pub database_url: Option<String>,
    /// The connection links are recorded under (`--fix-safe`).
    pub connection: String,
}

impl PreflightSettings {
    /// The settings of a loaded configuration; both platform API keys must be set.
    pub fn from_config(config: &crate::config::Config) -> Result<Self, crate::config::ConfigError> {
        let missing = |setting: &str| crate::config::ConfigError {
            setting: setting.to_owned(),
            problem: "is not set (preflight reads both platforms)".to_owned(),
        };
        let leaflink = config
            .connection
            .leaflink
            .clone()
            .ok_or_else(|| missing("LEAFBRIDGE_LEAFLINK_API_KEY"))?;
        let flourish = config
            .connection
            .flourish
            .clone()
            .ok_or_else(|| missing("LEAFBRIDGE_FLOURISH_API_KEY"))?;
        Ok(Self {
            leaflink,
            flourish,
            checks: CheckSettings::from_sync(&config.connection.sync),
            leaflink_webhook_key: !config.connection.leaflink_webhook_keys.is_empty(),
            flourish_webhook_key: !config.connection.flourish_webhook_keys.is_empty(),
            database_url: Some(config.database_url.clone()),
            connection: config.connection.name.clone(),
        })
    }
}

/// A report and the snapshot it was made from (none when a platform could not be read).
#[derive(Debug, Clone)]
pub struct Inspection {
    /// What was found.
    pub report: Report,
    /// What was read, for `--fix-safe`.
    pub snapshot: Option<Snapshot>,
}

/// Reads both platforms, checks the environment and the data, and builds the report.
///
/// A platform that cannot be read yields a connectivity finding instead of data checks: the
/// data checks need both sides.
pub async fn inspect(
    settings: &PreflightSettings,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Inspection {
    let mut findings = environment::check_configuration(settings).await;
    let started = std::time::Instant::now();
    let fetched = snapshot::fetch(&settings.leaflink, &settings.flourish, progress).await;
    let environment = environment::summarise(settings, &findings, fetched.as_ref().map(|_| ()));
    let (mut report, snapshot) = match fetched {
        Ok(snapshot) => {
            let mut report = Report::from_snapshot(&snapshot, &settings.checks);
            report.fetch_ms = Some(started.elapsed().as_millis());
            report.findings.append(&mut findings);
            (report, Some(snapshot))
        }
        Err(error) => {
            findings.push(environment::connectivity_finding(&error));
            (Report::from_findings(findings), None)
        }
    };
    report.environment = environment;
    report.recount();
    Inspection { report, snapshot }
}

/// [`inspect`] without the snapshot and without progress reports.
pub async fn build_report(settings: &PreflightSettings) -> Report {
    inspect(settings, &|_| {}).await.report
}
