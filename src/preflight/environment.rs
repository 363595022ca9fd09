//! Connectivity and configuration: API keys accepted, webhook keys set, database reachable and
//! migrated. The database is only read: a missing SQLite file is reported, never created.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::PreflightSettings;
use super::finding::{Finding, RecordRef, Severity, Side};
use super::snapshot::FetchError;
use crate::remote::ClientError;
use crate::store::Db;

/// Webhook-key and database findings.
pub async fn check_configuration(settings: &PreflightSettings) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (configured, platform, variable) in [
        (
            settings.leaflink_webhook_key,
            "LeafLink",
            "LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY",
        ),
        (
            settings.flourish_webhook_key,
            "Flourish",
            "LEAFBRIDGE_FLOURISH_WEBHOOK_KEY",
        ),
    ] {
        if !configured {
            findings.push(
                Finding::new("webhook_key_missing", Severity::Error, format!("No {platform} webhook signing key is configured; every {platform} webhook would be refused"))
                    .with([RecordRef::leafbridge("setting", variable, variable)])
                    .fix(Side::Leafbridge, format!("set {variable} to the signing key shown in {platform}'s webhook settings")),
            );
        }
    }
    findings.extend(check_database(settings.database_url.as_deref()).await);
    findings
}

async fn check_database(url: Option<&str>) -> Option<Finding> {
    let database = |summary: String, fix: &str| {
        Finding::new("database_not_ready", Severity::Error, summary)
            .with([RecordRef::leafbridge(
                "setting",
                "LEAFBRIDGE_DATABASE_URL",
                "database",
            )])
            .fix(Side::Leafbridge, fix)
    };
    let Some(url) = url else {
        return Some(database(
            "No database URL is configured".into(),
            "set LEAFBRIDGE_DATABASE_URL",
        ));
    };
    if let Some(path) = sqlite_file(url).filter(|p| !Path::new(p).exists()) {
        return Some(database(
            format!("The SQLite database {path} does not exist yet"),
            "run `leafbridge migrate`",
        ));
    }
    match Db::connect(url).await {
        Err(error) => Some(database(
            format!("The database cannot be reached: {error:#}"),
            "check LEAFBRIDGE_DATABASE_URL and that the database is running",
        )),
        Ok(db) if !db.is_ready().await => Some(database(
            "The database has migrations still to apply".into(),
            "run `leafbridge migrate`",
        )),
        Ok(_) => None,
    }
}

/// The file behind a SQLite URL (`sqlite://path`, `sqlite:path`), unless it is in memory.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.contains(":memory:")).then_some(path)
}

/// How one connectivity or configuration item went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// Not known: the read stopped at the other platform first.
    NotChecked,
}

/// One line of the "Connectivity and configuration" section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentCheck {
    pub name: String,
    pub status: Status,
}

/// The connectivity and configuration items, passed or not, for the report.
pub fn summarise(
    settings: &PreflightSettings,
    findings: &[Finding],
    fetch: Result<(), &FetchError>,
) -> Vec<EnvironmentCheck> {
    let platform = |side: Side| match fetch {
        Ok(()) => Status::Passed,
        Err(error) if error.platform == side => Status::Failed,
        Err(_) => Status::NotChecked,
    };
    let flag = |ok: bool| if ok { Status::Passed } else { Status::Failed };
    let database = !findings.iter().any(|f| f.check == "database_not_ready");
    [
        ("LeafLink API key accepted", platform(Side::Leaflink)),
        ("Flourish API key accepted", platform(Side::Flourish)),
        (
            "LeafLink webhook key configured",
            flag(settings.leaflink_webhook_key),
        ),
        (
            "Flourish webhook key configured",
            flag(settings.flourish_webhook_key),
        ),
        ("Database reachable and migrated", flag(database)),
    ]
    .into_iter()
    .map(|(name, status)| EnvironmentCheck {
        name: name.to_owned(),
        status,
    })
    .collect()
}

/// The finding for a platform that could not be read.
pub fn connectivity_finding(error: &FetchError) -> Finding {
    let platform = error.platform.name();
    let (check, summary, fix) = match &error.error {
        ClientError::Unauthorized { .. } => (
            "api_key_rejected",
            format!("{platform} refused the API key ({})", error.error),
            format!(
                "set a valid {platform} API key in LEAFBRIDGE_{}_API_KEY",
                platform.to_uppercase()
            ),
        ),
        other => (
            "platform_unreachable",
            format!(
                "{platform} could not be read while fetching {}: {other}",
                error.step
            ),
            format!(
                "check LEAFBRIDGE_{}_BASE_URL and the network, then run preflight again",
                platform.to_uppercase()
            ),
        ),
    };
    Finding::new(check, Severity::Error, summary)
        .with([RecordRef::leafbridge("platform", platform, error.step)])
        .fix(Side::Leafbridge, fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file_and_memory_has_none() {
        assert_eq!(
            sqlite_file("sqlite://leafbridge.db?mode=rwc"),
            Some("leafbridge.db")
        );
        assert_eq!(sqlite_file("sqlite:data/x.db"), Some("data/x.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://db/leafbridge"), None);
    }
}
